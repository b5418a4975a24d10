"""`lutlearn suggest` for real: the fast path agrees with `lutlearn apply` + `lutlearn score` (NIMA, slow)."""

import json

import pytest
from click.testing import CliRunner
from PIL import Image

from lutlearn.cli import cli
from tests.shared import PHOTOS, WEIGHTS

LOOKS = ["vivid_slide", "sepia", "cool_matte"]
pytestmark = [pytest.mark.slow, pytest.mark.needs(WEIGHTS)]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("lutlearn-cache")


@pytest.fixture(autouse=True)
def env(monkeypatch, cache, tmp_path):
    monkeypatch.setenv("LUTLEARN_CACHE_DIR", str(cache))
    monkeypatch.setenv("LUTLEARN_NIMA_WEIGHTS", str(WEIGHTS))
    monkeypatch.setenv("LUTLEARN_NIMA_URL", "http://127.0.0.1:9/never-downloaded.hdf5")
    monkeypatch.setenv("LUTLEARN_DATA_DIR", str(tmp_path / "data"))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_fast_ranking_equals_apply_then_score(tmp_path):
    """Gains from the 224x224 fast path == full-size `apply` to PNG, then `score` (within 1e-3), same order."""
    photo = PHOTOS / "kodim23.png"
    r = run("suggest", photo, "--looks", ",".join(LOOKS), "--strengths", "0.5,1", "--json")
    assert r.exit_code == 0, r.output
    fast = json.loads(r.stdout)
    assert set(fast) == {"photo", "original", "ranking"} and fast["photo"] == str(photo)
    assert set(fast["original"]) == {"mean", "std"}
    assert all(set(e) == {"look", "strength", "mean", "std", "gain"} for e in fast["ranking"])
    gains = [e["gain"] for e in fast["ranking"]]
    assert len(gains) == 6 and gains == sorted(gains, reverse=True)

    files = {}
    for e in fast["ranking"]:
        out = tmp_path / f"{e['look']}_{e['strength']}.png"
        done = run("apply", photo, "--look", e["look"], "--strength", e["strength"], "-o", out)
        assert done.exit_code == 0, done.output
        files[(e["look"], e["strength"])] = out
    scored = run("score", photo, *files.values(), "--json")
    assert scored.exit_code == 0, scored.output
    means = {r["path"]: r["mean"] for r in json.loads(scored.stdout)}
    original = means[str(photo)]
    assert abs(fast["original"]["mean"] - original) < 1e-3
    slow = {key: means[str(path)] - original for key, path in files.items()}
    for e in fast["ranking"]:
        assert abs(e["gain"] - slow[(e["look"], e["strength"])]) < 1e-3, e
        assert abs(e["mean"] - means[str(files[(e["look"], e["strength"])])]) < 1e-3
    slow_order = sorted(slow, key=lambda k: -slow[k])
    assert slow_order == [(e["look"], e["strength"]) for e in fast["ranking"]]


def test_many_photos_broken_look_bad_photo_and_sheet(tmp_path):
    """Per-photo tables, an overall ranking, a skipped look, a reported photo (exit 1) and a contact sheet."""
    looks_dir = tmp_path / "data" / "looks"
    looks_dir.mkdir(parents=True)
    (looks_dir / "broken.cube").write_text("LUT_3D_SIZE 2\nnot numbers\n")
    bad = tmp_path / "notes.jpg"
    bad.write_text("not an image")
    sheet = tmp_path / "sheet.jpg"
    photos = [PHOTOS / "kodim05.png", PHOTOS / "kodim23.png", bad]
    args = ["suggest", *photos, "--looks", "sepia,vivid_slide,cool_matte,broken", "--top", "3"]
    r = run(*args, "--sheet", sheet)
    assert r.exit_code == 1
    assert "warning: skipped look 'broken'" in r.stderr and "broken.cube" in r.stderr
    assert f"error: {bad}" in r.stderr
    assert r.stdout.count("original") == 2 and "overall: mean gain over 2 photos" in r.stdout
    overall = r.stdout.split("overall:")[1].splitlines()[2:]
    assert len(overall) == 3 and all(line.split()[1] in ("sepia", "vivid_slide", "cool_matte") for line in overall)
    with Image.open(sheet) as im:
        assert im.size == (6 + 4 * (360 + 6), 6 + 2 * (240 + 52 + 6))

    r = run(*args, "--json")
    results = json.loads(r.stdout)
    assert [x["photo"] for x in results] == [str(p) for p in photos]
    assert results[2] == {"photo": str(bad), "error": results[2]["error"]} and str(bad) in results[2]["error"]
    assert all(len(x["ranking"]) == 3 for x in results[:2])
