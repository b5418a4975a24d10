"""Shared fixtures: small generated data. Paths to ../shared are in ``tests/shared.py``."""

import numpy as np
import pytest


@pytest.fixture(scope="session")
def chart8_pair(tmp_path_factory):
    """A level-8 identity chart (512x512, 16-bit) and its darkroom-graded copy (16-bit PNG)."""
    from lutlearn.grades import darkroom
    from lutlearn.images import write_image
    from lutlearn.luts.chart import identity_chart, write_chart

    d = tmp_path_factory.mktemp("chart8")
    before, after = d / "chart8.png", d / "chart8_darkroom.png"
    write_chart(before, 8)
    write_image(after, darkroom(identity_chart(8)), bit_depth=16)
    return before, after


@pytest.fixture(scope="session")
def darkroom_model(chart8_pair, tmp_path_factory):
    """A 3-32-3 model fitted (briefly) to the darkroom grade on the level-8 chart, saved as .npz."""
    from lutlearn.learn.fitting import fit_files
    from lutlearn.learn.train import FitConfig

    path = tmp_path_factory.mktemp("model") / "darkroom.npz"
    config = FitConfig(max_epochs=20, epoch_samples=1 << 16, batch_size=1024, learning_rate=1e-2)
    summary = fit_files([chart8_pair], [path], config=config)
    return summary


@pytest.fixture
def small_model(tmp_path):
    """A random 3-8-3 network (sigmoid, ReLU out) saved as .npz: (the LearnedModel, its path)."""
    from lutlearn.learn import modelfile
    from lutlearn.learn.model import LearnedModel, MLPSpec

    rng = np.random.default_rng(0)
    params = {"w": [rng.normal(0, 0.5, (3, 8)).astype(np.float32), rng.normal(0, 0.5, (8, 3)).astype(np.float32)],
              "b": [np.zeros(8, np.float32), np.full(3, 0.2, np.float32)]}
    model = LearnedModel(spec=MLPSpec(hidden=(8,)), params=params)
    return model, modelfile.save_model(model, tmp_path / "look.npz")


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.fixture(scope="module")
def velvia():
    """The Fuji Velvia 50 film look (a real Hald CLUT from ../shared)."""
    from tests.photos import real_look

    return real_look()


@pytest.fixture(scope="module")
def kodim05():
    """kodim05 shrunk to 384 px wide, float32 RGB."""
    from tests.photos import small_photo

    return small_photo("kodim05")
