"""Our NIMA weights file: round trip, provenance, and one-line refusals of other files (look models, other nets)."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from lutlearn.cli import cli
from lutlearn.errors import ModelFileError
from lutlearn.nima import Scorer, random_params
from lutlearn.nima import weightsfile as W
from tests.shared import ROOT


def _other_architecture(tmp_path):
    """An .npz of our format whose head has 5 outputs (another architecture), honestly labelled."""
    params = random_params(0)
    params["head"] = {"w": np.zeros((1024, 5), np.float32), "b": np.zeros(5, np.float32)}
    flat = W.flatten_params(params)
    meta = {"format": W.FORMAT, "architecture": "MobileNet v2 aesthetic, 5 bins", "padding": "keras216",
            "shapes": W.shapes_digest({k: v.shape for k, v in flat.items()}), "provenance": {}}
    path = tmp_path / "other.npz"
    np.savez(path, __meta__=np.array(json.dumps(meta)), **flat)
    return path


def test_round_trip_keeps_every_parameter_and_the_provenance(tmp_path):
    params = random_params(3)
    path = W.save_weights(tmp_path / "mine.npz", params, {"seed": 3, "ratings": {"count": 7}})
    loaded, meta = W.load_weights(path)
    flat, back = W.flatten_params(params), W.flatten_params(loaded)
    assert flat.keys() == back.keys() and all(np.array_equal(flat[k], back[k]) for k in flat)
    assert meta["provenance"] == {"seed": 3, "ratings": {"count": 7}} and meta["padding"] == "keras216"
    assert [p.name for p in tmp_path.iterdir()] == ["mine.npz"]  # atomic: no temporary left


def test_scorer_loads_our_file(tmp_path):
    params = random_params(1)
    path = W.save_weights(tmp_path / "mine.npz", params, {})
    images = np.random.default_rng(0).integers(0, 256, (2, 224, 224, 3), dtype=np.uint8)
    loaded = Scorer.load(path, batch_size=2, download=False)
    np.testing.assert_allclose(loaded.distributions(images), Scorer(params, batch_size=2).distributions(images),
                               atol=1e-6)
    assert loaded.padding == "keras216"


def _five_bins():
    params = random_params(0)
    params["head"] = {"w": np.zeros((1024, 5), np.float32), "b": np.zeros(5, np.float32)}
    return params


def test_refuses_other_files(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    cases = [(_other_architecture(tmp_path), "weights for another architecture"),
             (ROOT / "looks" / "sepia.npz", "not a lutlearn NIMA weights file .it is a lutlearn look model."),
             (tmp_path / "junk.npz", "not a readable .npz"), (tmp_path / "missing.npz", "not found")]
    for path, message in cases:
        with pytest.raises(ModelFileError, match=message):
            W.load_any(path)
    with pytest.raises(ModelFileError, match="not NIMA's MobileNet"):
        W.save_weights(tmp_path / "bad.npz", _five_bins(), {})
    assert not (tmp_path / "bad.npz").exists()


@pytest.mark.parametrize("command", [["score"], ["suggest", "--looks", "sepia"]])
def test_commands_refuse_another_architecture_in_one_line(tmp_path, command):
    from PIL import Image

    photo = tmp_path / "p.png"
    Image.new("RGB", (64, 48), (120, 90, 60)).save(photo)
    result = CliRunner().invoke(cli, [*command, "--weights", str(_other_architecture(tmp_path)), str(photo)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "another architecture" in lines[0], result.stderr
    assert result.stdout == ""
