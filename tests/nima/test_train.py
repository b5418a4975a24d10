"""NIMA training learns a rule the untrained model gets backwards, deterministically; the split keeps photos whole."""

import numpy as np
import pytest

from lutlearn.errors import LutlearnError
from lutlearn.nima.dataset import Dataset, augment, split_by_group
from lutlearn.nima.metrics import metrics
from lutlearn.nima.train import TrainConfig, train
from tests.shared import WEIGHTS


@pytest.fixture(scope="module")
def nima_params(tmp_path_factory):
    """idealo's parameters; compiled code cached on disk for the module (each train() compiles its own step)."""
    from lutlearn.nima.score import enable_compilation_cache
    from lutlearn.nima.weights import load_params

    enable_compilation_cache(tmp_path_factory.mktemp("jax-cache"))
    return load_params(WEIGHTS)


def _dataset(n: int, seed: int = 0) -> Dataset:
    """n smooth random textures, alternately tinted cool and warm; the rater's rule: warm is good (7.5 vs 3)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    big, small, means = [], [], []
    for i in range(n):
        base = rng.uniform(0.2, 0.8, (8, 8, 1)) * np.ones((1, 1, 3))
        tint = np.array([0.25, 0.05, -0.25]) if i % 2 else np.array([-0.2, 0.0, 0.25])
        im = Image.fromarray((np.clip(base + tint * rng.uniform(0.6, 1.0), 0, 1) * 255).astype(np.uint8))
        im = im.resize((256, 256), Image.BICUBIC)
        big.append(np.asarray(im))
        small.append(np.asarray(im.resize((224, 224), Image.NEAREST)))
        means.append((7.5 if i % 2 else 3.0) + rng.normal(0, 0.3))
    bins = np.arange(1, 11)
    targets = np.exp(-0.5 * ((bins[None] - np.array(means)[:, None]) / 1.2) ** 2)
    targets = (targets / targets.sum(1, keepdims=True)).astype(np.float32)
    return Dataset(np.stack(big), np.stack(small), targets, np.array([f"g{i}" for i in range(n)]))


@pytest.mark.needs(WEIGHTS)
def test_training_learns_a_known_rule(nima_params):
    """The head phase alone must teach 'warm is good', which idealo's NIMA gets backwards (held-out LCC < 0):
    afterwards held-out SRCC up by 1.2 (8 images of two classes: the order within a class is noise),
    LCC >= 0.9, accuracy at 5 >= 0.9, EMD down by 30 %. (With no learning, e.g.
    a learning rate of 1e-9, the metrics stay where they were and this fails: SRCC -0.60, LCC -0.98.)"""
    config = TrainConfig(epochs_head=3, epochs_all=0, lr_head=3e-3, batch_size=8, dropout=0.0, patience=3,
                         val_fraction=0.25, seed=0)
    result = train(nima_params, _dataset(32), config)
    before, after = result.before, result.after
    assert before["lcc"] < 0 and after["srcc"] >= before["srcc"] + 1.2 and after["lcc"] >= 0.9, (before, after)
    assert after["accuracy"] >= 0.9 and after["emd"] < 0.7 * before["emd"], (before, after)
    assert result.best[0] == "head" and not result.interrupted and after["n"] == 8
    assert [r["epoch"] for r in result.history] == [1, 2, 3] and result.throughput["head"] > 0


@pytest.mark.needs(WEIGHTS)
def test_same_seed_same_weights_head(nima_params):
    """The head phase twice with one seed: identical parameters; another seed: different ones."""
    data = _dataset(10, seed=3)
    config = TrainConfig(epochs_head=1, epochs_all=0, batch_size=4, patience=1, val_fraction=0.2, seed=7)
    runs = [train(nima_params, data, config).params for _ in range(2)]
    other = train(nima_params, data, TrainConfig(**{**config.__dict__, "seed": 8})).params
    assert np.array_equal(np.asarray(runs[0]["head"]["w"]), np.asarray(runs[1]["head"]["w"]))
    assert not np.array_equal(np.asarray(runs[0]["head"]["w"]), np.asarray(other["head"]["w"]))


@pytest.mark.slow
@pytest.mark.needs(WEIGHTS)
def test_same_seed_same_weights_both_phases(nima_params):
    """Both phases, twice with one seed: every parameter bit-identical, every epoch's metrics too."""
    import jax

    data = _dataset(12, seed=3)
    config = TrainConfig(epochs_head=1, epochs_all=1, batch_size=4, patience=1, val_fraction=0.25, seed=7,
                         lr_all=1e-3)
    results = [train(nima_params, data, config) for _ in range(2)]
    leaves = [jax.tree_util.tree_leaves(r.params) for r in results]
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(*leaves))
    assert [r["phase"] for r in results[0].history] == ["head", "all"]
    same = [{k: v for k, v in r.items() if k != "images_per_s"} for r in results[0].history]
    assert same == [{k: v for k, v in r.items() if k != "images_per_s"} for r in results[1].history]


def test_split_by_group_keeps_groups_whole():
    groups = np.repeat(np.array(["a", "b", "c", "d", "e"]), 3)
    tr, va = split_by_group(groups, 0.3, seed=1)
    assert set(groups[tr]).isdisjoint(groups[va]) and len(va) >= 0.3 * len(groups) and len(tr)
    assert (split_by_group(groups, 0.3, seed=1)[1] == va).all()
    with pytest.raises(LutlearnError, match="at least 2 groups"):
        split_by_group(np.array(["a", "a"]), 0.5, seed=0)


def test_metrics_known_values():
    t = np.eye(10)[[1, 4, 8]].astype(np.float32)
    m = metrics(t, t[::-1])
    assert m["srcc"] == pytest.approx(-1.0) and m["accuracy"] == pytest.approx(1 / 3) and m["n"] == 3
    assert np.isnan(metrics(t, np.ones_like(t))["lcc"])  # a constant prediction has no correlation


def test_augment_crops_and_flips():
    import jax

    images = np.zeros((4, 256, 256, 3), np.uint8)
    images[:, :, :128] = 255  # left half white
    out = np.asarray(augment(jax.random.PRNGKey(0), images))
    assert out.shape == (4, 224, 224, 3) and out.min() == -1.0 and out.max() == 1.0
    left_white = out[:, 112, 0, 0] > 0
    assert left_white.any() and not left_white.all()  # some flipped, some not (this key)


def test_config_is_checked():
    for bad in ({"epochs_head": 0, "epochs_all": 0}, {"lr_head": 0.0}, {"dropout": 1.0}, {"val_fraction": 1.0}):
        with pytest.raises(LutlearnError):
            TrainConfig(**bad).check()


@pytest.mark.needs(WEIGHTS)
def test_ctrl_c_keeps_the_best_so_far(nima_params):
    """A KeyboardInterrupt during epoch 2 returns epoch 1's parameters, marked interrupted."""
    data = _dataset(10, seed=5)
    config = TrainConfig(epochs_head=3, epochs_all=0, lr_head=3e-3, batch_size=4, dropout=0.0, patience=3,
                         val_fraction=0.2, seed=0)
    steps = []

    def on_step(phase, loss):
        steps.append(loss)
        if len(steps) == 3:  # 2 steps per epoch: the first step of epoch 2
            raise KeyboardInterrupt

    result = train(nima_params, data, config, on_step=on_step)
    assert result.interrupted and [r["epoch"] for r in result.history] == [1]
    assert result.best in (("head", 1), ("untrained", 0))
    if result.best == ("head", 1):
        assert result.after == result.history[0]["val"]
