import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from lutlearn.cli import cli
from lutlearn.images import read_image, write_image
from lutlearn.learn.modelfile import load_model
from lutlearn.luts import read_lut

FAST = ["--epochs", "8", "--batch-size", "1024", "--lr", "1e-2"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.slow
def test_fit_writes_cube_hald_and_model(chart8_pair, tmp_path):
    before, after = chart8_pair
    cube, hald, model = tmp_path / "look.cube", tmp_path / "look.png", tmp_path / "look.npz"
    result = run("fit", before, after, "-o", cube, "-o", hald, "-o", model, "--size", 17, "--hald-level", 4,
                 "--report", tmp_path / "fit.png", *FAST)
    assert result.exit_code == 0, result.output
    assert "ΔE2000 on held-out colours: mean" in result.output
    text = cube.read_text().splitlines()
    assert text[0] == 'TITLE "look"' and text[1] == "LUT_3D_SIZE 17" and not any("DOMAIN" in t for t in text)
    assert len(text) == 2 + 17**3 and len(text[2].split()[0].split(".")[1]) >= 6
    assert read_lut(hald).size == 16 and read_image(hald).bit_depth == 16
    assert load_model(model).spec.hidden == (32,)
    assert read_image(tmp_path / "fit.png").rgb.shape[0] > 300


@pytest.mark.slow
def test_fit_json_output(chart8_pair, tmp_path):
    result = run("fit", *chart8_pair, "-o", tmp_path / "l.cube", "--json", *FAST)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["delta_e2000"]) == {"mean", "p95", "max"} and data["outputs"] == [str(tmp_path / "l.cube")]
    assert math.isfinite(data["delta_e2000"]["mean"])


def test_bake_resizes_a_model(darkroom_model, tmp_path):
    result = run("bake", darkroom_model.outputs[0], "-o", tmp_path / "x.cube", "--size", 5)
    assert result.exit_code == 0, result.output
    assert read_lut(tmp_path / "x.cube").size == 5


def test_chart_command(tmp_path):
    result = run("chart", "--level", 4, "-o", tmp_path / "c.png")
    assert result.exit_code == 0 and read_image(tmp_path / "c.png").rgb.shape == (64, 64, 3)


def _noise(tmp_path, name, shape=(24, 32)):
    rgb = np.random.default_rng(len(name)).random((*shape, 3), dtype=np.float32)
    write_image(tmp_path / name, rgb)
    return tmp_path / name


def _truncated(tmp_path):
    good = _noise(tmp_path, "full.png", (200, 200))
    data = good.read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    return tmp_path / "cut.png"


def _nan_tiff(tmp_path):
    import cv2

    arr = np.random.default_rng(0).random((16, 16, 3)).astype(np.float32)
    arr[3, 4, 1] = np.nan
    cv2.imwrite(str(tmp_path / "nan.tif"), arr)
    return tmp_path / "nan.tif"


@pytest.mark.parametrize("case, make_after, message", [
    ("not the same photo", lambda t: _noise(t, "big.png", (48, 64)), "does not show the same picture as"),
    ("truncated", _truncated, "cannot decode image"),
    ("not an image", lambda t: (t / "notes.png").write_text("hello") and t / "notes.png", "not an image file"),
    ("missing", lambda t: t / "nowhere.png", "no such file"),
    ("nan", _nan_tiff, "NaN or infinite"),
])
def test_bad_after_image(tmp_path, case, make_after, message):
    before = _noise(tmp_path, "before.png", (16, 16) if case == "nan" else (32, 40))  # 32+ px: not "too small"
    after = make_after(tmp_path)
    out = tmp_path / "out.cube"
    result = run("fit", before, after, "-o", out, *FAST)
    assert result.exit_code == 1, result.output
    assert message in result.output and str(after.name) in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".out.cube*"))


def test_single_colour_image(tmp_path):
    flat = np.full((16, 16, 3), 0.3, np.float32)
    write_image(tmp_path / "a.png", flat)
    write_image(tmp_path / "b.png", flat)
    result = run("fit", tmp_path / "a.png", tmp_path / "b.png", "-o", tmp_path / "o.cube")
    assert result.exit_code == 1 and "only 1 distinct colours" in result.output


def test_output_equal_to_an_input_is_refused(tmp_path):
    before, after = _noise(tmp_path, "b.png"), _noise(tmp_path, "a.png")
    original = after.read_bytes()
    result = run("fit", before, after, "-o", after)
    assert result.exit_code == 1 and "would overwrite the input" in result.output
    assert after.read_bytes() == original


def test_unwritable_directory(tmp_path):
    before, after = _noise(tmp_path, "b.png"), _noise(tmp_path, "a.png")
    result = run("fit", before, after, "-o", tmp_path / "missing" / "o.cube")
    assert result.exit_code == 1 and "does not exist" in result.output


def test_odd_number_of_images_is_a_usage_error(tmp_path):
    result = run("fit", _noise(tmp_path, "b.png"), "-o", tmp_path / "o.cube")
    assert result.exit_code == 2 and "pairs" in result.output


def test_unknown_output_type(tmp_path):
    result = run("fit", _noise(tmp_path, "b.png"), _noise(tmp_path, "a.png"), "-o", tmp_path / "o.lut")
    assert result.exit_code == 1 and "unknown output type '.lut'" in result.output
