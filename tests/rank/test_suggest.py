"""The fast path of `lutlearn suggest` without the network: grading, resize commutation, candidates, ranking, sheet."""


import numpy as np
import pytest
from PIL import Image

from lutlearn.errors import LutlearnError
from lutlearn.looks.apply import apply_to_file
from lutlearn.looks.library import LookError, load_look
from lutlearn.looks.look import FunctionLook
from lutlearn.looks.render import render
from lutlearn.nima import nima_pixels
from lutlearn.rank.sheet import compose, label_tile, write_sheet
from lutlearn.rank.suggest import (
    PhotoRanking,
    Ranked,
    batch_size,
    grade_pixels,
    load_candidates,
    overall_ranking,
    parse_strengths,
)
from tests.shared import PHOTOS


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


def test_batch_size():
    assert batch_size(12, 2) == 26 and batch_size(3, 2) == 8 and batch_size(1, 1) == 2


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


def _ranking(photo, gains):
    ranked = [Ranked(look, s, 5.0 + g, 1.4, g) for (look, s), g in gains.items()]
    ranked.sort(key=lambda r: (-r.gain, r.look, r.strength))
    return PhotoRanking(str(photo), (5.0, 1.5), ranked)


def test_overall_ranking_and_json():
    a = _ranking("a.png", {("sepia", 1.0): 0.3, ("teal_orange", 1.0): -0.1})
    b = _ranking("b.png", {("sepia", 1.0): -0.2, ("teal_orange", 1.0): 0.4})
    failed = PhotoRanking("c.png", error="c.png: not an image file")
    rows = overall_ranking([a, b, failed])
    assert [(r["look"], round(r["mean_gain"], 6), r["wins"], r["photos"]) for r in rows] == [
        ("teal_orange", 0.15, 1, 2), ("sepia", 0.05, 1, 2)]
    assert a.to_dict() == {"photo": "a.png", "original": {"mean": 5.0, "std": 1.5},
                           "ranking": [{"look": "sepia", "strength": 1.0, "mean": 5.3, "std": 1.4, "gain": 0.3},
                                       {"look": "teal_orange", "strength": 1.0, "mean": 4.9, "std": 1.4,
                                        "gain": -0.1}]}
    assert len(a.to_dict(top=1)["ranking"]) == 1
    assert failed.to_dict() == {"photo": "c.png", "error": "c.png: not an image file"}


def test_sheet(tmp_path):
    photo = tmp_path / "p.jpg"
    rgb = np.random.default_rng(0).integers(0, 256, (300, 450, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(photo)
    looks = {"sepia": load_look("sepia"), "vivid_slide": load_look("vivid_slide")}
    ranking = _ranking(photo, {("sepia", 1.0): 0.3, ("vivid_slide", 0.5): 0.1})
    out = write_sheet(tmp_path / "sheet.jpg", [ranking, PhotoRanking("x", error="x: bad")], looks)
    with Image.open(out) as im:
        assert im.size == (6 + 3 * (360 + 6), 6 + 240 + 52 + 6)
    with pytest.raises(LutlearnError, match="no photo was scored"):
        write_sheet(tmp_path / "none.jpg", [PhotoRanking("x", error="x: bad")], looks)


def test_label_tile_and_compose():
    tile = label_tile(np.zeros((100, 150, 3), np.uint8), ["line one", "line two"], cell=(200, 120))
    assert tile.shape == (120 + 52, 200, 3)
    assert tile[120:].max() > 200  # text drawn in the band
    grid = compose([[tile] * 4], columns=3, gap=4)
    assert grid.shape == (4 + 2 * (172 + 4), 4 + 3 * (200 + 4), 3)


def test_rank_photo_and_suggest_api(tmp_path):
    """The API end to end with a randomly initialised network (no weights file): one batch, gains, order."""
    from lutlearn.nima import Scorer, mean_std, random_params
    from lutlearn.rank.suggest import rank_photo, suggest

    scorer = Scorer(random_params(0), batch_size=batch_size(1, 2))
    looks = [("sepia", load_look("sepia"))]
    photo = PHOTOS / "kodim05.png"
    ranked = rank_photo(scorer, photo, looks, (0.5, 1.0))
    small = nima_pixels(photo)
    batch = np.concatenate([small[None], grade_pixels(small, [looks[0][1]], (0.5, 1.0))])
    means, stds = mean_std(scorer.distributions(batch))
    assert ranked.original == (pytest.approx(means[0]), pytest.approx(stds[0]))
    assert sorted((r.strength, r.gain) for r in ranked.ranking) == [
        (0.5, pytest.approx(means[1] - means[0])), (1.0, pytest.approx(means[2] - means[0]))]
    assert ranked.ranking[0].gain >= ranked.ranking[1].gain and set(ranked.timings) == {"decode", "grade", "network"}
    done = []
    results = suggest([photo, tmp_path / "missing.png"], looks, (0.5, 1.0), lambda: scorer, on_done=done.append)
    assert done == results and results[0].ranking == ranked.ranking
    assert results[1].error is not None and "missing.png" in results[1].error
