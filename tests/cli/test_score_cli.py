"""``lutlearn score`` through click's CliRunner on the real group, plus two subprocess checks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from lutlearn.cli import cli
from tests.shared import NIMA as SHARED
from tests.shared import WEIGHTS

PHOTO = SHARED / "examples" / "idealo_test_images" / "42039.jpg"
pytestmark = [pytest.mark.slow, pytest.mark.needs(WEIGHTS)]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("lutlearn-cache")


@pytest.fixture(autouse=True)
def env(monkeypatch, cache):
    monkeypatch.setenv("LUTLEARN_CACHE_DIR", str(cache))
    monkeypatch.setenv("LUTLEARN_NIMA_WEIGHTS", str(WEIGHTS))
    monkeypatch.setenv("LUTLEARN_NIMA_URL", "http://127.0.0.1:9/never-downloaded.hdf5")


@pytest.fixture(scope="module")
def reference():
    return json.loads((SHARED / "reference_scores.json").read_text())["images"]


@pytest.fixture
def bad_inputs(tmp_path):
    """name -> path of each awkward input, written here, never copied from ../shared."""
    rng = np.random.default_rng(0)
    (tmp_path / "notes.jpg").write_text("not an image")
    Image.fromarray(rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)).save(tmp_path / "full.jpg", quality=90)
    data = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    Image.new("RGB", (1, 1), (200, 120, 40)).save(tmp_path / "dot.png")
    Image.fromarray(np.linspace(0, 65535, 96 * 64).reshape(64, 96).astype(np.uint16)).save(tmp_path / "grey16.png")
    import cv2

    cv2.imwrite(str(tmp_path / "rgb16.png"), rng.integers(0, 65536, (64, 96, 3), dtype=np.uint16))
    Image.new("CMYK", (96, 64), (10, 200, 30, 5)).save(tmp_path / "cmyk.jpg")
    names = ["notes.jpg", "cut.jpg", "dot.png", "grey16.png", "rgb16.png", "cmyk.jpg", "missing.jpg"]
    return {name: tmp_path / name for name in names}


def run(*args):
    return CliRunner().invoke(cli, ["score", *map(str, args)])


def test_tsv_output(reference):
    result = run(PHOTO, SHARED / "examples" / "aesthetic1.jpg")
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [Path(p).name for p, _, _ in lines] == ["42039.jpg", "aesthetic1.jpg"]
    assert float(lines[0][1]) == pytest.approx(reference["idealo_test_images/42039.jpg"]["keras216"]["mean"], abs=1e-4)
    assert float(lines[1][2]) == pytest.approx(reference["aesthetic1.jpg"]["keras216"]["std"], abs=1e-4)


def test_json_output_and_padding_flag(reference):
    result = run("--json", "--padding", "tfkeras", PHOTO)
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)
    assert set(entry) == {"path", "mean", "std", "distribution"} and len(entry["distribution"]) == 10
    want = reference["idealo_test_images/42039.jpg"]["tfkeras"]
    assert entry["mean"] == pytest.approx(want["mean"], abs=1e-3)
    np.testing.assert_allclose(entry["distribution"], want["dist"], atol=1e-4)


@pytest.mark.parametrize("name, message", [
    ("notes.jpg", "notes.jpg: not an image file"),
    ("cut.jpg", "cut.jpg: cannot decode image (image file is truncated"),
    ("missing.jpg", "missing.jpg: no such file"),
])
def test_one_bad_image_is_one_error_line(bad_inputs, name, message):
    result = run(bad_inputs[name])
    assert result.exit_code == 1 and result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {bad_inputs[name].parent}/") and message in errors[0]


@pytest.mark.parametrize("name", ["dot.png", "grey16.png", "rgb16.png", "cmyk.jpg"])
def test_odd_but_valid_images_are_scored(bad_inputs, name):
    result = run(bad_inputs[name])
    assert result.exit_code == 0, result.output
    path, mean, std = result.stdout.strip().split("\t")
    assert Path(path).name == name and 1 <= float(mean) <= 10 and float(std) >= 0
    assert ("warning:" in result.stderr and "only 1x1 pixels" in result.stderr) == (name == "dot.png")


def test_many_images_good_ones_still_scored(bad_inputs):
    paths = [PHOTO, *bad_inputs.values()]
    result = run("--json", *paths)
    assert result.exit_code == 1
    entries = json.loads(result.stdout)
    assert [e["path"] for e in entries] == [str(p) for p in paths]
    failed = {Path(e["path"]).name for e in entries if "error" in e}
    assert failed == {"notes.jpg", "cut.jpg", "missing.jpg"}
    assert all(len(e["distribution"]) == 10 for e in entries if "error" not in e)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3 and all(any(n in e for e in errors) for n in failed)


def test_missing_weights_flag(tmp_path):
    result = run("--weights", tmp_path / "nope.hdf5", PHOTO)
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(f"error: {tmp_path / 'nope.hdf5'}: NIMA weights file not found (--weights)")


def test_wrong_weights_file(tmp_path):
    (tmp_path / "w.hdf5").write_bytes(os.urandom(4096))
    result = run("--weights", tmp_path / "w.hdf5", PHOTO)
    assert result.exit_code == 1
    assert "not the NIMA aesthetic weights (sha256" in result.stderr and "--weights" in result.stderr


def test_missing_weights_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LUTLEARN_NIMA_WEIGHTS", str(tmp_path / "gone.hdf5"))
    result = run(PHOTO)
    assert result.exit_code == 1 and "gone.hdf5: NIMA weights file not found (LUTLEARN_NIMA_WEIGHTS)" in result.stderr


def test_no_weights_anywhere_and_no_network(monkeypatch, tmp_path):
    monkeypatch.delenv("LUTLEARN_NIMA_WEIGHTS")
    monkeypatch.setenv("LUTLEARN_CACHE_DIR", str(tmp_path / "empty-cache"))
    result = run(PHOTO)
    assert result.exit_code == 1
    assert "cannot download the NIMA weights" in result.stderr and "--weights" in result.stderr


def test_usage_errors():
    assert run().exit_code == 2
    assert run("--padding", "same", PHOTO).exit_code == 2


def test_help_does_not_import_jax():
    heavy = "{'jax', 'h5py', 'colour', 'matplotlib', 'sklearn'}"
    code = f"import sys, lutlearn.cli; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_compilation_cache_is_written_and_score_imports_stay_light(tmp_path):
    env = dict(os.environ, LUTLEARN_CACHE_DIR=str(tmp_path / "c"), LUTLEARN_NIMA_WEIGHTS=str(WEIGHTS))
    code = ("import sys; from lutlearn.cli import cli; cli.main(args=sys.argv[1:], standalone_mode=False); "
            "print(sorted({'colour', 'matplotlib', 'sklearn', 'cv2', 'optax'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code, "score", str(PHOTO)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"{PHOTO}\t5.2282\t1.4363", "[]"]
    assert any((tmp_path / "c" / "jax").iterdir())
