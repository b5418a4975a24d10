"""`lutlearn suggest` for real: the fast path agrees with `lutlearn apply` + `lutlearn score` (NIMA, slow); guarded
output in the table, the JSON and the sheet; our own weights file accepted."""

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
    r = run("suggest", photo, "--looks", ",".join(LOOKS), "--strengths", "0.5,1", "--json", "--no-guards")
    assert r.exit_code == 0, r.output
    fast = json.loads(r.stdout)
    assert set(fast) == {"photo", "original", "ranking"} and fast["photo"] == str(photo)
    assert set(fast["original"]) == {"mean", "std"}
    assert all(set(e) == {"look", "strength", "mean", "std", "gain", "score", "warnings"} for e in fast["ranking"])
    assert all(e["score"] == e["gain"] and e["warnings"] == [] for e in fast["ranking"])  # --no-guards
    none = fast["ranking"].pop([e["look"] for e in fast["ranking"]].index("none"))
    assert none["gain"] == 0 and none["mean"] == fast["original"]["mean"]
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
    assert r.stdout.count("original") == 2 and "overall: mean score over 2 photos" in r.stdout
    overall = r.stdout.split("overall:")[1].splitlines()[2:]
    assert len(overall) == 3 and all(line.split()[1] in ("sepia", "vivid_slide", "cool_matte", "none")
                                     for line in overall)
    with Image.open(sheet) as im:
        assert im.size == (6 + 4 * (360 + 6), 6 + 2 * (240 + 76 + 6))

    r = run(*args, "--json")
    results = json.loads(r.stdout)
    assert [x["photo"] for x in results] == [str(p) for p in photos]
    assert results[2] == {"photo": str(bad), "error": results[2]["error"]} and str(bad) in results[2]["error"]
    assert all(len(x["ranking"]) == 3 for x in results[:2])


def test_destructive_cube_ranks_below_none_with_its_reasons(tmp_path):
    """A crushing .cube passed with --looks: below "none" in the table and the JSON, with its warnings."""
    import numpy as np

    from lutlearn.luts import LUT3D
    from lutlearn.luts.files import write_lut

    crush = write_lut(LUT3D.bake(lambda x: np.clip((x - 0.2) / 0.8, 0, 1), 33), tmp_path / "crush.cube")
    photo = PHOTOS / "kodim05.png"
    r = run("suggest", photo, "--looks", f"vivid_slide,{crush}", "--json")
    assert r.exit_code == 0, r.output
    ranking = json.loads(r.stdout)["ranking"]
    names = [e["look"] for e in ranking]
    assert names.index("crush.cube", names.index("none")) > names.index("none")
    assert all(e["score"] < 0 and e["warnings"] for e in ranking if e["look"] == "crush.cube")
    table = run("suggest", photo, "--looks", f"vivid_slide,{crush}").stdout.splitlines()
    assert table[1].split() == ["rank", "look", "strength", "score", "gain", "warnings"]
    rows = [line.split(None, 5) for line in table[2:]]
    assert [row[1] for row in rows].index("none") < [row[1] for row in rows].index("crush.cube")
    assert any("crushes" in row[5] or "darkens" in row[5] for row in rows if row[1] == "crush.cube")
