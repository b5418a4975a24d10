"""`lutlearn suggest` without NIMA's weights: grading, resize commutation, candidates, guarded ranking, sheet."""


import numpy as np
import pytest
from PIL import Image

from lutlearn.errors import LutlearnError
from lutlearn.looks.apply import apply_to_file
from lutlearn.looks.library import LookError, load_look
from lutlearn.looks.look import FunctionLook
from lutlearn.looks.render import render
from lutlearn.nima import nima_pixels
from lutlearn.rank.candidates import batch_size, expand_strengths, grade_pixels, load_candidates, parse_strengths
from lutlearn.rank.sheet import compose, label_tile, write_sheet
from lutlearn.rank.suggest import Entry, PhotoRanking, overall_ranking
from tests.shared import PHOTOS

REC709 = np.array([0.2126, 0.7152, 0.0722], np.float32)


@pytest.fixture(autouse=True)
def user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("LUTLEARN_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "looks"


def test_parse_strengths():
    assert parse_strengths("0.5,1") == (0.5, 1.0)
    assert parse_strengths(" 1, 0.25 ,1") == (1.0, 0.25)
    for bad in ("", "0", "1.5", "a,b", "-0.2"):
        with pytest.raises(LutlearnError, match="--strengths"):
            parse_strengths(bad)


@pytest.mark.parametrize("name", ["teal_orange", "sepia", "mono_low_contrast"])
@pytest.mark.parametrize("strength", [0.3, 0.5, 1.0])
def test_grade_pixels_equals_apply_renderer(name, strength):
    """grade_pixels gives exactly the codes `lutlearn apply` renders (lutlearn.looks.render) for 8-bit images."""
    look = load_look(name)
    pixels = np.random.default_rng(0).integers(0, 256, (64, 48, 3), dtype=np.uint8)
    expected = render(pixels, look.apply, strength=strength, threads=1)
    np.testing.assert_array_equal(grade_pixels(pixels, [look], [strength])[0], expected)


def test_grade_pixels_layout():
    looks = [FunctionLook(lambda c: 1 - c, "invert"), FunctionLook(lambda c: c * 0, "black")]
    pixels = np.array([[[0, 128, 255]]], np.uint8)
    out = grade_pixels(pixels, looks, (0.5, 1.0))
    assert out.shape == (4, 1, 1, 3) and out.dtype == np.uint8
    assert out[:, 0, 0].tolist() == [[128, 128, 128], [255, 127, 0], [0, 64, 128], [0, 0, 0]]
    with pytest.raises(LutlearnError, match="uint8"):
        grade_pixels(pixels.astype(np.float32), looks, (1.0,))


def test_grading_commutes_with_nima_resize(tmp_path):
    """A look applied at full size and then resized for NIMA == the look applied to NIMA's resize."""
    photo = PHOTOS / "kodim05.png"
    small = nima_pixels(photo)
    for name in ("vivid_slide", "cross_process"):
        look = load_look(name)
        for strength in (0.5, 1.0):
            out = apply_to_file(photo, look, tmp_path / f"{name}_{strength}.png", strength=strength)
            np.testing.assert_array_equal(nima_pixels(out), grade_pixels(small, [look], [strength])[0])


def test_batch_size_and_strengths():
    assert batch_size(12, 2) == 26 and batch_size(3, 2) == 8 and batch_size(1, 1) == 2
    assert expand_strengths((0.5, 1.0)) == ((0.5, 1.0), 1) and expand_strengths((0.3,)) == ((0.3, 1.0), 1)


def test_load_candidates(user_data, tmp_path):
    names = [name for name, _ in load_candidates()]
    assert len(names) >= 12 and "teal_orange" in names
    user_data.mkdir(parents=True)
    (user_data / "broken.cube").write_text("not a cube\n")
    (tmp_path / "bad.cube").write_text("LUT_3D_SIZE 2\n")
    warnings = []
    loaded = load_candidates(["sepia", "broken", str(tmp_path / "bad.cube")], warn=warnings.append)
    assert [name for name, _ in loaded] == ["sepia"]
    assert "skipped look 'broken'" in warnings[0] and "broken.cube" in warnings[0]
    assert "bad.cube" in warnings[1]
    with pytest.raises(LookError, match="no look named 'sepiaa'; did you mean sepia"):
        load_candidates(["sepiaa"])
    with pytest.raises(LutlearnError, match="every look failed to load"):
        load_candidates(["broken", str(tmp_path / "bad.cube")], warn=warnings.append)
    said = len(warnings)
    with pytest.raises(LutlearnError, match=r"broken\.cube line 1"):  # the only look asked for: its own error
        load_candidates(["broken"], warn=warnings.append)
    assert len(warnings) == said  # and no warning besides
    assert [name for name, _ in load_candidates(["none", "sepia"], warn=warnings.append)] == ["sepia"]
    assert "'none' is the original photo" in warnings[-1]


def _ranking(photo, gains, warned=()):
    entries = [Entry("none", 0.0, 5.0, 1.5, 0.0, 0.0)]
    entries += [Entry(look, s, 5.0 + g, 1.4, g, g - (0.5 if look in warned else 0.0),
                      ("clips 9% of the photo to white",) if look in warned else ())
                for (look, s), g in gains.items()]
    entries.sort(key=lambda e: (-e.score, e.look != "none", e.look, e.strength))
    return PhotoRanking(str(photo), (5.0, 1.5), entries)


def test_overall_ranking_and_json():
    a = _ranking("a.png", {("sepia", 1.0): 0.3, ("teal_orange", 1.0): -0.1})
    b = _ranking("b.png", {("sepia", 1.0): -0.2, ("teal_orange", 1.0): 0.4}, warned={"teal_orange"})
    failed = PhotoRanking("c.png", error="c.png: not an image file")
    rows = overall_ranking([a, b, failed])
    assert [(r["look"], round(r["mean_score"], 6), round(r["mean_gain"], 6), r["wins"], r["warned"], r["photos"])
            for r in rows] == [("sepia", 0.05, 0.05, 1, 0, 2), ("none", 0.0, 0.0, 1, 0, 2),
                               ("teal_orange", -0.1, 0.15, 0, 1, 2)]
    assert a.to_dict() == {"photo": "a.png", "original": {"mean": 5.0, "std": 1.5}, "ranking": [
        {"look": "sepia", "strength": 1.0, "mean": 5.3, "std": 1.4, "gain": 0.3, "score": 0.3, "warnings": []},
        {"look": "none", "strength": 0.0, "mean": 5.0, "std": 1.5, "gain": 0.0, "score": 0.0, "warnings": []},
        {"look": "teal_orange", "strength": 1.0, "mean": 4.9, "std": 1.4, "gain": -0.1, "score": -0.1,
         "warnings": []}]}
    assert b.to_dict()["ranking"][1]["warnings"] == ["clips 9% of the photo to white"]
    assert len(a.to_dict(top=1)["ranking"]) == 1
    assert failed.to_dict() == {"photo": "c.png", "error": "c.png: not an image file"}


def test_sheet(tmp_path):
    photo = tmp_path / "p.jpg"
    rgb = np.random.default_rng(0).integers(0, 256, (300, 450, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(photo)
    looks = {"sepia": load_look("sepia"), "vivid_slide": load_look("vivid_slide")}
    ranking = _ranking(photo, {("sepia", 1.0): 0.3, ("vivid_slide", 0.5): 0.1}, warned={"sepia"})
    out = write_sheet(tmp_path / "sheet.jpg", [ranking, PhotoRanking("x", error="x: bad")], looks)
    with Image.open(out) as im:  # the original, vivid_slide, none, then sepia (warned): three wide
        assert im.size == (6 + 3 * (360 + 6), 6 + 2 * (240 + 76 + 6))
        pixels = np.asarray(im).astype(int)
    third_line = slice(6 + 240 + 5 + 2 * 22, 6 + 240 + 76)
    amber = lambda tile: (tile[..., 0] - tile[..., 2] > 100).any()
    assert amber(pixels[322 + third_line.start: 322 + third_line.stop, 6:366])  # sepia's warning
    assert not amber(pixels[third_line, 6 + 366: 6 + 2 * 366])  # vivid_slide: none
    with pytest.raises(LutlearnError, match="no photo was scored"):
        write_sheet(tmp_path / "none.jpg", [PhotoRanking("x", error="x: bad")], looks)


def test_label_tile_and_compose():
    tile = label_tile(np.zeros((100, 150, 3), np.uint8), ["line one", "line two", "! a warning"], cell=(200, 120))
    assert tile.shape == (120 + 76, 200, 3)
    assert tile[120:].max() > 200  # text drawn in the band
    grid = compose([[tile] * 4], columns=3, gap=4)
    assert grid.shape == (4 + 2 * (196 + 4), 4 + 3 * (200 + 4), 3)


def test_rank_photo_and_suggest_api(tmp_path):
    """The API end to end with a randomly initialised network (no weights file): one batch, gains, order."""
    from lutlearn.nima import Scorer, mean_std, random_params
    from lutlearn.rank.suggest import rank_photo, suggest

    scorer = Scorer(random_params(0), batch_size=batch_size(1, 2))
    looks = [("sepia", load_look("sepia"))]
    photo = PHOTOS / "kodim05.png"
    ranked = rank_photo(scorer, photo, looks, (0.5, 1.0), guards=False)
    small = nima_pixels(photo)
    batch = np.concatenate([small[None], grade_pixels(small, [looks[0][1]], (0.5, 1.0))])
    means, stds = mean_std(scorer.distributions(batch))
    assert ranked.original == (pytest.approx(means[0]), pytest.approx(stds[0]))
    assert sorted((e.strength, e.gain) for e in ranked.ranking) == [
        (0.0, 0.0), (0.5, pytest.approx(means[1] - means[0])), (1.0, pytest.approx(means[2] - means[0]))]
    assert [e.score for e in ranked.ranking] == sorted([e.gain for e in ranked.ranking], reverse=True)
    assert set(ranked.timings) == {"decode", "grade", "network", "guards"}
    done = []
    results = suggest([photo, tmp_path / "missing.png"], looks, (0.5, 1.0), lambda: scorer, guards=False,
                      on_done=done.append)
    assert done == results and results[0].ranking == ranked.ranking
    assert results[1].error is not None and "missing.png" in results[1].error


@pytest.fixture(scope="module")
def destructive_looks():
    """A bundled look and two destructive edits, as candidates."""
    return [("vivid_slide", load_look("vivid_slide")),
            ("crush", FunctionLook(lambda x: np.clip((x - 0.2) / 0.8, 0, 1), "crush")),
            ("invert", FunctionLook(lambda x: 1 - x, "invert"))]


@pytest.fixture(scope="module")
def random_scorer():
    from lutlearn.nima import Scorer, random_params

    return Scorer(random_params(0), batch_size=8)


@pytest.mark.needs(PHOTOS / "kodim23.png")
def test_guarded_ranking_schema_and_order(random_scorer, destructive_looks):
    from lutlearn.rank.suggest import rank_photo

    ranked = rank_photo(random_scorer, PHOTOS / "kodim23.png", destructive_looks, (0.5, 1.0))
    d = ranked.to_dict()
    entries = d["ranking"]
    assert len(entries) == 1 + 3 * 2
    assert all(set(e) == {"look", "strength", "mean", "std", "gain", "score", "warnings"} for e in entries)
    none = next(e for e in entries if e["look"] == "none")
    assert none == {"look": "none", "strength": 0.0, "mean": d["original"]["mean"], "std": d["original"]["std"],
                    "gain": 0.0, "score": 0.0, "warnings": []}
    assert [e["score"] for e in entries] == sorted((e["score"] for e in entries), reverse=True)
    assert not any(e["look"] in ("crush", "invert") for e in entries[:entries.index(none)])
    assert all(e["warnings"] and e["score"] <= -0.05 for e in entries if e["look"] in ("crush", "invert"))
    assert all(e["score"] == pytest.approx(e["gain"]) for e in entries if not e["warnings"])


@pytest.mark.needs(PHOTOS / "kodim23.png")
def test_unrequested_full_strength_is_measured_not_ranked(random_scorer, destructive_looks):
    from lutlearn.rank.suggest import rank_photo

    ranked = rank_photo(random_scorer, PHOTOS / "kodim23.png", destructive_looks, (0.3,))
    assert sorted((e.look, e.strength) for e in ranked.ranking) == [
        ("crush", 0.3), ("invert", 0.3), ("none", 0.0), ("vivid_slide", 0.3)]
    crush = next(e for e in ranked.ranking if e.look == "crush")
    assert crush.score < 0 and any(w.startswith("at full strength:") for w in crush.warnings)


def test_format_photo_lists_warnings():
    from lutlearn.rank.tables import format_overall, format_photo

    r = _ranking("a.png", {("sepia", 1.0): 0.3, ("teal_orange", 0.5): 0.2}, warned={"teal_orange"})
    lines = format_photo(r).splitlines()
    assert lines[1].split() == ["rank", "look", "strength", "score", "gain", "warnings"]
    assert lines[2].split()[:2] == ["1", "sepia"] and lines[3].split()[:2] == ["2", "none"]
    assert lines[4].endswith("-0.300  +0.200  clips 9% of the photo to white")
    assert "none" in format_overall([r, r])
