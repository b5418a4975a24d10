"""``lutlearn apply`` as a user runs it: folders of mixed files, a broken one, exit codes."""


import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from lutlearn.cli import cli
from lutlearn.images import read_image
from lutlearn.looks.render import render
from lutlearn.luts import read_lut
from tests.shared import LUTS, PHOTOS

CUBE = LUTS / "abpy_fuji_classic_chrome_srgb_32.cube"


@pytest.fixture()
def shoot(tmp_path):
    """A folder with a PNG, a JPEG, a 16-bit TIFF, an RGBA PNG and a truncated JPEG (small crops, made here)."""
    folder = tmp_path / "shoot"
    folder.mkdir()
    im = Image.open(PHOTOS / "kodim05.png").crop((0, 0, 96, 64))
    im.save(folder / "a.png")
    im.save(folder / "b.jpg", quality=92)
    arr16 = np.asarray(im).astype(np.uint16) * 257
    from lutlearn.images import write_image

    write_image(folder / "c.tif", arr16, bit_depth=16)
    im.convert("RGBA").save(folder / "d.png")
    data = (folder / "b.jpg").read_bytes()
    (folder / "broken.jpg").write_bytes(data[: len(data) // 3])
    (folder / "notes.txt").write_text("not a photo")
    return folder


def _run(*args):
    return CliRunner().invoke(cli, ["apply", *map(str, args)])


def test_folder_with_a_truncated_file(shoot, tmp_path):
    out = tmp_path / "out"
    result = _run(shoot, "--look", CUBE, "--out-dir", out)
    assert result.exit_code == 1
    assert "broken.jpg" in result.output and "truncated" in result.output
    assert "applied to 4 of 5 files; 1 failed" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.jpg", "c.tif", "d.png"]
    assert read_image(out / "c.tif").bit_depth == 16
    assert read_image(out / "d.png").alpha is not None
    expected = render(np.asarray(Image.open(shoot / "a.png")), read_lut(CUBE).apply)
    np.testing.assert_array_equal(read_image(out / "a.png", codes=True).rgb, expected)


def test_one_file_with_output_strength_and_globs(shoot, tmp_path):
    result = _run(shoot / "a.png", "--look", CUBE, "-o", tmp_path / "x.png", "--strength", "0")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("x.png")
    np.testing.assert_array_equal(read_image(tmp_path / "x.png").rgb, read_image(shoot / "a.png").rgb)
    result = _run(str(shoot / "[ab].*"), "--look", LUTS / "rt_fuji_velvia_50.png", "--out-dir", tmp_path / "g",
                  "--interp", "trilinear", "--quality", "80")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == ["a.png", "b.jpg"]


def test_single_failure_is_one_line_exit_1(shoot, tmp_path):
    result = _run(shoot / "broken.jpg", "--look", CUBE, "-o", tmp_path / "x.jpg")
    assert result.exit_code == 1
    assert "broken.jpg: cannot decode image" in result.output


@pytest.mark.parametrize("args, message", [
    (["--out-dir", "{tmp}/o", "-o", "{tmp}/x.png"], "give either -o/--output FILE"),
    ([], "give either -o/--output FILE"),
    (["-o", "{shoot}/a.png"], "would overwrite the input"),
    (["--out-dir", "{shoot}"], "would overwrite the input"),
])
def test_bad_output_choices_exit_1(shoot, tmp_path, args, message):
    args = [a.format(tmp=tmp_path, shoot=shoot) for a in args]
    result = _run(shoot / "a.png", "--look", CUBE, *args)
    assert result.exit_code == 1 and message in result.output


def test_existing_output_needs_overwrite(shoot, tmp_path):
    target = tmp_path / "x.png"
    assert _run(shoot / "a.png", "--look", CUBE, "-o", target).exit_code == 0
    result = _run(shoot / "a.png", "--look", CUBE, "-o", target)
    assert result.exit_code == 1 and "--overwrite" in result.output
    assert _run(shoot / "a.png", "--look", CUBE, "-o", target, "--overwrite").exit_code == 0


@pytest.mark.parametrize("look, message", [
    ("no_such_look", "no look named 'no_such_look'"),
    ("nowhere/look.cube", "no such look file"),
])
def test_bad_look_exits_1(shoot, tmp_path, look, message):
    result = _run(shoot / "a.png", "--look", look, "-o", tmp_path / "x.png")
    assert result.exit_code == 1 and message in result.output


def test_usage_errors_exit_2(shoot, tmp_path):
    assert _run(shoot / "a.png", "--look", CUBE, "-o", tmp_path / "x.png", "--strength", "2").exit_code == 2
    assert _run(shoot / "a.png", "-o", tmp_path / "x.png").exit_code == 2
    missing = _run(tmp_path / "nope.png", "--look", CUBE, "-o", tmp_path / "x.png")
    assert missing.exit_code == 1 and "nope.png: no such file" in missing.output


def test_help_says_what_is_chosen():
    text = CliRunner().invoke(cli, ["apply", "--help"], terminal_width=200).output
    for words in ("keeps its compression", "uncompressed stays uncompressed", "lutlearn[tiff]",
                  "keeps its quality unless --quality", "--png-compression [fast|small]", "zlib RLE",
                  "--engine [auto|numpy|compiled]", "--bake N"):
        assert words in text, words


def test_png_compression_engine_and_bake(shoot, tmp_path, small_model):
    small = _run(shoot / "a.png", "--look", CUBE, "-o", tmp_path / "s.png", "--png-compression", "small")
    fast = _run(shoot / "a.png", "--look", CUBE, "-o", tmp_path / "f.png")
    assert small.exit_code == 0 and fast.exit_code == 0, small.output + fast.output
    np.testing.assert_array_equal(read_image(tmp_path / "s.png").rgb, read_image(tmp_path / "f.png").rgb)
    for engine in ("numpy", "compiled"):
        result = _run(shoot / "c.tif", "--look", CUBE, "-o", tmp_path / f"{engine}.tif", "--engine", engine)
        assert result.exit_code == 0, result.output
    np.testing.assert_array_equal(read_image(tmp_path / "numpy.tif", codes=True).rgb,
                                  read_image(tmp_path / "compiled.tif", codes=True).rgb)
    model = small_model[1]
    exact = _run(shoot / "c.tif", "--look", model, "-o", tmp_path / "exact.tif")
    baked = _run(shoot / "c.tif", "--look", model, "-o", tmp_path / "baked.tif", "--bake", "33")
    assert exact.exit_code == 0 and baked.exit_code == 0, exact.output + baked.output
    diff = read_image(tmp_path / "exact.tif", codes=True).rgb.astype(int) - read_image(tmp_path / "baked.tif",
                                                                                          codes=True).rgb
    assert 0 < np.abs(diff).max() <= 400  # the 33^3 LUT's interpolation error: under 0.6% of full scale
    assert _run(shoot / "a.png", "--look", CUBE, "-o", tmp_path / "x.png", "--bake", "1").exit_code == 2


def test_bake_does_not_go_with_cluster(shoot, tmp_path):
    """Refused before any connection: a cluster job would otherwise evaluate the model exactly, ignoring --bake."""
    result = _run(shoot / "a.png", "--look", CUBE, "--out-dir", tmp_path / "o", "--bake", "33",
                  "--cluster", "127.0.0.1:1")
    assert result.exit_code == 2 and "--bake does not go with --cluster" in result.output
