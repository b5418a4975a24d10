"""Guards: each damage is measured on a synthetic photo built for it; real photos keep legit looks and veto edits."""

import time

import numpy as np
import pytest

from lutlearn.rank import guards as G
from lutlearn.rank.measures import lab_from_codes, measure
from tests.shared import PHOTOS

REC709 = np.array([0.2126, 0.7152, 0.0722], np.float32)

# Destructive edits, float32 (M, 3) -> (M, 3) in [0, 1]; written here, independently of scripts/suggest_edits.py.
EDITS = {
    "crush_blacks": lambda x: np.clip((x - 0.2) / 0.8, 0, 1),
    "clip_highlights": lambda x: np.clip(x * 1.6, 0, 1),
    "darken_gamma2.2": lambda x: x**2.2,
    "brighten_gamma0.4": lambda x: x**0.4,
    "posterise_4": lambda x: np.round(x * 3) / 3,
    "invert": lambda x: 1 - x,
    "cast_green": lambda x: np.clip(x * np.array([0.85, 1.12, 0.85], np.float32), 0, 1),
    "oversaturate_2.5": lambda x: np.clip((x @ REC709)[:, None] + 2.5 * (x - (x @ REC709)[:, None]), 0, 1),
    "washed_fade": lambda x: 0.3 + 0.45 * x,
}
CASES = {  # edit -> (the guard that must fire, its severity at least)
    "crush_blacks": ("shadows", 1.0), "clip_highlights": ("highlights", 1.0), "darken_gamma2.2": ("darkening", 1.0),
    "brighten_gamma0.4": ("brightening", 1.0), "posterise_4": ("levels", 1.0), "invert": ("reversed", 1.0),
    "cast_green": ("cast", 1.0), "oversaturate_2.5": ("saturation", 1.0), "washed_fade": ("levels", 0.5),
}


def _photo(seed: int = 0) -> np.ndarray:
    """A synthetic 224 x 224 photo: a luma ramp (every level present), smooth colour variation, some neutrals."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0.03, 0.97, 224)[None, :, None] * np.ones((224, 1, 1))
    hue = np.linspace(0, 2 * np.pi, 224)[:, None]
    chroma = np.where(np.arange(224)[:, None] < 40, 0.0, 0.12)
    offset = np.stack([np.cos(hue), np.cos(hue - 2.1), np.cos(hue + 2.1)], -1) * chroma[..., None]
    rgb = np.clip(y + offset + rng.normal(0, 0.004, (224, 224, 3)), 0, 1)
    return np.rint(rgb * 255).astype(np.uint8)


def _apply(photo: np.ndarray, fn) -> np.ndarray:
    x = photo.reshape(-1, 3).astype(np.float32) / 255
    return np.rint(np.clip(fn(x), 0, 1) * 255).astype(np.uint8).reshape(photo.shape)


@pytest.mark.parametrize("edit,expected", sorted(CASES.items()))
def test_each_edit_trips_its_guard(edit, expected):
    guard, at_least = expected
    photo = _photo()
    verdict = G.assess(photo, np.stack([photo, _apply(photo, EDITS[edit])]), gains=np.array([0.0, 0.5]))
    k = [g.name for g in G.GUARDS].index(guard)
    assert verdict.severity[1, k] >= at_least, (edit, {g.name: float(verdict.measures[g.name][1]) for g in G.GUARDS})
    assert verdict.scores[1] < 0 and verdict.warnings[1]
    assert not verdict.vetoed[0] and verdict.scores[0] == 0.0 and verdict.warnings[0] == []


def test_no_warning_means_score_is_gain():
    photo = _photo(1)
    mild = _apply(photo, lambda x: x * 0.97 + 0.01)
    verdict = G.assess(photo, np.stack([photo, mild]), gains=np.array([0.1, 0.2]))
    assert verdict.warnings == [[], []]
    np.testing.assert_allclose(verdict.scores, [0.1, 0.2])


def test_full_strength_verdict_reaches_weaker_strengths():
    photo = _photo(2)
    half = _apply(photo, lambda x: 0.5 * x + 0.5 * EDITS["darken_gamma2.2"](x))
    full = _apply(photo, EDITS["darken_gamma2.2"])
    verdict = G.assess(photo, np.stack([half, full]), gains=np.array([0.3, 0.4]), parent=np.array([1, 1]))
    assert verdict.vetoed.all() and (verdict.scores < 0).all()
    assert any(w.startswith("at full strength: darkens the mid-tones") for w in verdict.warnings[0])
    assert not any(w.startswith("at full strength") for w in verdict.warnings[1])


def test_toned_looks_are_not_hue_rotations():
    """Sepia collapses every hue to one: the hue guard stands aside and the cast allowance applies."""
    photo = _photo(3)
    sepia = _apply(photo, lambda x: 0.08 + (x @ REC709)[:, None] * np.array([0.9, 0.82, 0.66], np.float32))
    m = measure(photo, sepia[None])
    assert m["toned"][0] == 1.0 and np.isnan(m["hue"][0])


@pytest.mark.parametrize("angle,name", [(0, "magenta"), (40, "red"), (100, "yellow"), (140, "green"),
                                        (200, "cyan"), (270, "blue"), (330, "purple")])
def test_cast_names(angle, name):
    assert G.cast_name(angle) == name


def test_lab_agrees_with_colour_science():
    import colour

    codes = np.random.default_rng(0).integers(0, 256, (500, 3), dtype=np.uint8)
    expected = colour.XYZ_to_Lab(colour.sRGB_to_XYZ(codes / 255.0))
    np.testing.assert_allclose(lab_from_codes(codes), expected, atol=0.03)  # D65 white rounded to 5 digits here


@pytest.mark.needs(PHOTOS / "kodim23.png")
def test_real_photo_bundled_kept_destructive_vetoed():
    from lutlearn.looks.look import FunctionLook
    from lutlearn.nima import nima_pixels
    from lutlearn.rank.candidates import grade_pixels, load_candidates

    photo = nima_pixels(PHOTOS / "kodim23.png")
    looks = dict(load_candidates(["vivid_slide", "teal_orange", "warm_film_fade"]))
    edits = [FunctionLook(EDITS[k], k) for k in ("crush_blacks", "darken_gamma2.2", "cast_green", "invert")]
    graded = grade_pixels(photo, list(looks.values()) + edits, (1.0,))
    verdict = G.assess(photo, graded, gains=np.full(len(graded), 0.2))
    assert not verdict.vetoed[:3].any() and verdict.vetoed[3:].all()


def test_guards_are_cheap():
    photo = _photo(4)
    graded = np.stack([_apply(photo, fn) for fn in EDITS.values()] * 3)  # 27 candidates
    G.assess(photo, graded, np.zeros(len(graded)))
    t0 = time.perf_counter()
    G.assess(photo, graded, np.zeros(len(graded)))
    assert time.perf_counter() - t0 < 0.5  # about 50 ms on the 2-core machine
