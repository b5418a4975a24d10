"""``lutlearn fit`` on photo pairs and ``--pairs`` folders, as a new user runs it (issue 9)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lutlearn.cli import cli
from lutlearn.learn.metrics import delta_e2000
from lutlearn.luts import read_lut
from tests.photos import save8, small_photo


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_fit_a_jpeg_photo_pair_end_to_end(tmp_path, kodim05, velvia):
    before = save8(kodim05, tmp_path / "IMG_0005.png")
    after = save8(velvia.apply(kodim05), tmp_path / "IMG_0005.jpg", quality=80)
    cube = tmp_path / "look.cube"
    result = run("fit", before, after, "--out", cube, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["outputs"] == [str(cube)] and report["kind"] == "photo pairs"
    (pair,) = report["pairs"]
    assert pair["identity"] and pair["pixels_used"] == kodim05.shape[0] * kodim05.shape[1]
    assert report["local_edits"] == [[]] and abs(report["vignettes_ev"][0]) < 0.1
    assert 0.01 < report["coverage"]["cells"] < 0.2 and report["coverage"]["extrapolated"]
    for said in ("after image is aligned with the before image", "fitted 98304 of 98304 pixels", "no vignette",
                 "no local edits found", "of the colour cube", "extrapolated:"):
        assert said in result.stderr
    x = small_photo("kodim01").reshape(-1, 3)  # a photo the fit never saw
    assert delta_e2000(read_lut(cube).apply(x), velvia.apply(x)).mean() < 0.8


def test_two_different_photos_are_one_line_and_nothing_is_written(tmp_path, kodim05, velvia):
    before = save8(kodim05, tmp_path / "b.png")
    other = save8(velvia.apply(small_photo("kodim01")), tmp_path / "other.jpg", quality=80)
    result = run("fit", before, other, "-o", tmp_path / "look.cube", "-o", tmp_path / "look.npz")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert "other.jpg does not show the same picture as" in result.output and "Traceback" not in result.output
    assert not list(tmp_path.glob("look*")) and not list(tmp_path.glob(".look*"))


def test_match_size_is_deprecated_and_ignored(tmp_path, kodim05):
    before, after = save8(kodim05, tmp_path / "b.png"), save8(small_photo("kodim01"), tmp_path / "a.png")
    result = run("fit", before, after, "-o", tmp_path / "look.cube", "--match-size")
    assert "warning: --match-size is deprecated and ignored" in result.output
    assert result.exit_code == 1  # and then the pair is judged as any other (two photos here)


def test_the_chart_and_photos_cannot_be_mixed(tmp_path, kodim05):
    from lutlearn.luts.chart import write_chart

    chart = write_chart(tmp_path / "chart.png", level=4)
    photo = save8(kodim05, tmp_path / "p.png")
    result = run("fit", chart, chart, photo, photo, "-o", tmp_path / "look.cube")
    assert result.exit_code == 1 and "chart.png: the identity chart and photo pairs cannot be fitted together" in result.output


def _folders(tmp_path, before_names, after_names, image):
    for folder, names in (("before", before_names), ("after", after_names)):
        (tmp_path / folder).mkdir()
        for name in names:
            save8(image, tmp_path / folder / name, quality=80 if name.endswith(".jpg") else None)
    return tmp_path / "before", tmp_path / "after"


@pytest.mark.parametrize("befores, afters, message", [
    (["a.png", "b.png"], ["a.jpg", "c.jpg"], r"after: 1 after image\(s\) have no before image of the same name in .*: c\.jpg"),
    (["a.png", "a.tif"], ["a.jpg"], r"before: a\.png and a\.tif have the same name"),
    (["a.png"], [], r"after: no images in the after folder"),
])
def test_pairs_folders_that_do_not_match_are_one_line(tmp_path, kodim05, befores, afters, message):
    import re

    b, a = _folders(tmp_path, befores, afters, kodim05)
    result = run("fit", "--pairs", b, a, "-o", tmp_path / "look.cube")
    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1 and re.search(message, result.output), result.output
    assert not (tmp_path / "look.cube").exists()


def test_pairs_and_images_together_is_a_usage_error(tmp_path, kodim05):
    b, a = _folders(tmp_path, ["a.png"], ["a.jpg"], kodim05)
    result = run("fit", b / "a.png", a / "a.jpg", "--pairs", b, a, "-o", tmp_path / "look.cube")
    assert result.exit_code == 2 and "not both" in result.output


@pytest.mark.slow
def test_pairs_folders_match_by_name_and_report_sizes(tmp_path, velvia):
    """Two pairs (one exported at half size, one with an editor suffix), and a before image left unexported."""
    import cv2

    (tmp_path / "before").mkdir()
    (tmp_path / "after").mkdir()
    for name in ("kodim05", "kodim14", "kodim23"):
        save8(small_photo(name), tmp_path / "before" / f"{name.upper()}.png")
    graded = velvia.apply(small_photo("kodim14"))
    half = cv2.resize(graded, (graded.shape[1] // 2, graded.shape[0] // 2), interpolation=cv2.INTER_AREA)
    save8(velvia.apply(small_photo("kodim05")), tmp_path / "after" / "kodim05.jpg", quality=85)
    save8(half, tmp_path / "after" / "kodim14-Edit.jpg", quality=85)
    result = run("fit", "--pairs", tmp_path / "before", tmp_path / "after", "-o", tmp_path / "look.cube", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [p["name"] for p in report["pairs"]] == ["kodim05.jpg", "kodim14-Edit.jpg"]
    assert report["pairs"][1]["scale"] == pytest.approx(0.5, rel=0.01) and report["pairs"][1]["grid"] == "after"
    assert "1 before image(s) have no after image and are skipped: KODIM23.png" in result.stderr
    assert "after images come at 2 different scales of their before images" in result.stderr
    x = small_photo("kodim01").reshape(-1, 3)
    assert delta_e2000(read_lut(tmp_path / "look.cube").apply(x), velvia.apply(x)).mean() < 1.0
