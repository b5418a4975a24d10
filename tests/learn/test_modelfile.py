import numpy as np
import pytest

from lutlearn.errors import ModelFileError
from lutlearn.learn.modelfile import load_model, save_model
from lutlearn.luts import read_lut


def test_model_round_trip_is_exact(darkroom_model, tmp_path):
    model = darkroom_model.model
    back = load_model(save_model(model, tmp_path / "m.npz"))
    assert back.spec == model.spec
    x = np.random.default_rng(0).random((1000, 3), dtype=np.float32)
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    assert back.metadata["metrics"]["delta_e2000_heldout"]["mean"] == pytest.approx(darkroom_model.delta_e["mean"])
    assert len(back.metadata["inputs"][0]["before"]["sha256"]) == 64
    assert back.metadata["versions"]["lutlearn"]


@pytest.mark.parametrize("size", [2, 17, 65])
def test_bake_samples_the_model_at_the_nodes(darkroom_model, size):
    model = darkroom_model.model
    lut = model.bake(size)
    from lutlearn.luts.lut import identity_grid

    nodes = identity_grid(size).reshape(-1, 3)
    np.testing.assert_allclose(lut.table.reshape(-1, 3), np.clip(model.predict(nodes), 0, 1), atol=1e-6)


def test_baked_cube_reproduces_the_model_between_nodes(darkroom_model, tmp_path):
    from lutlearn.luts import write_lut

    model = darkroom_model.model
    lut = read_lut(write_lut(model.bake(65), tmp_path / "m.cube"))
    x = np.random.default_rng(1).random((20000, 3), dtype=np.float32)
    err = np.abs(lut.apply(x) - model.apply(x)) * 255
    assert np.percentile(err, 99.9) < 0.5 and err.max() < 1.0


@pytest.mark.parametrize("content, msg", [
    (b"not a zip", "not a readable lutlearn model"),
    (b"", "not a readable lutlearn model"),
])
def test_damaged_model_files(tmp_path, content, msg):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=msg):
        load_model(path)


def test_foreign_npz_is_refused(tmp_path):
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ModelFileError, match="not a lutlearn model file"):
        load_model(tmp_path / "other.npz")
