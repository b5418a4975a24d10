"""What a look does to a photo, measured on the pixels NIMA sees: the raw numbers behind :mod:`lutlearn.rank.guards`.

A look acts on each pixel alone, so the 224 x 224 nearest-neighbour pixels that
NIMA scores (:func:`lutlearn.nima.nima_pixels`) are a fair sample of the
full-size graded photo. Every measure compares one graded version with the
original on every other row and column of those pixels (12,544 pixels), with
numpy only: about 2 ms per candidate.

=============  ==================================================================
highlights     fraction of the photo newly blown to white (>= 2 channels >= 254)
shadows        fraction of the photo newly crushed to black (Rec.709 luma <= 4)
gamut          fraction newly clipped in a channel (0 or 255) where the look
               also raised chroma by 25 % (gamut-clipping saturation)
levels         fraction of the original's distinct luma levels kept (posterising, fading)
flattened      fraction of the original's luma steps between neighbours made flat (banding, clipping)
tone_order     rank correlation of luma before/after (inversion, solarisation)
darkening      drop of the mean L* over the original's mid-tones (25 < L* < 75)
brightening    rise of the same
cast           colour added, ΔE in the a*b* plane: the distance of the graded mean
               colour from the segment neutral -> original mean (moving toward
               neutral, as desaturating does, adds nothing); the smaller of that
               over all pixels and over the photo's near-neutral pixels
reversed       fraction of the photo whose tones are reversed (solarisation, inversion)
hue            chroma-weighted mean hue rotation of coloured pixels, in degrees
               (NaN for *toned* looks such as sepia or mono, whose tint is the look)
saturation     mean chroma ratio over already-coloured pixels
skin           hue rotation of skin-like pixels (L* 25-92, C* 10-45, h 25-70°), degrees
=============  ==================================================================

Also returned: ``cast_angle`` (direction of the cast in the a*b* plane, degrees)
and ``toned`` (1.0 for a toned look: the a*b* spread within L* bands falls below
:data:`TONED_SPREAD` of the original's; its cast is divided by
:data:`TONED_CAST_ALLOWANCE`).

>>> ramp = np.repeat(np.tile(np.arange(224, dtype=np.uint8), (224, 1))[..., None], 3, -1)   # a grey ramp
>>> m = measure(ramp, np.stack([ramp, 255 - ramp]))
>>> [round(float(v), 2) for v in m["tone_order"]], [round(float(v), 2) for v in m["reversed"]]
([1.0, -1.0], [0.0, 0.93])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["PhotoStats", "photo_stats", "measure", "luma_codes", "lab_from_codes", "TONED_SPREAD",
           "TONED_CAST_ALLOWANCE"]

TONED_SPREAD = 0.2  # an image whose colour spread is below this fraction of the original's is "toned"
TONED_CAST_ALLOWANCE = 1.75  # a toned look (sepia) may tint this much more than a cast before the guard fires

_LUMA_W = np.array([13933, 46871, 4732], np.uint32)  # Rec.709 weights * 2**16, on encoded codes
_RGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]], np.float32)
_D65 = np.array([0.95047, 1.0, 1.08883], np.float32)


def luma_codes(rgb: np.ndarray) -> np.ndarray:
    """Rec.709 luma of 8-bit codes: uint8 (..., 3) -> int32 (...), 0..255.

    >>> luma_codes(np.array([[255, 255, 255], [255, 0, 0]], np.uint8)).tolist()
    [255, 54]
    """
    x = rgb.astype(np.uint32)
    return ((x[..., 0] * _LUMA_W[0] + x[..., 1] * _LUMA_W[1] + x[..., 2] * _LUMA_W[2] + 32768) >> 16).astype(np.int32)


def _linear_table() -> np.ndarray:
    c = np.arange(256, dtype=np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


_LINEAR = _linear_table()  # a constant: the sRGB decoding of each 8-bit code


def lab_from_codes(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of sRGB 8-bit codes: uint8 (..., 3) -> float32 (..., 3).

    A table lookup and one 3x3 product: fast enough to run on every candidate
    (colour-science agrees to 0.03 in L*, a*, b*; ``tests/rank/test_guards.py``).

    >>> lab_from_codes(np.array([[255, 255, 255], [0, 0, 0]], np.uint8)).round(1).tolist()
    [[100.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    xyz = (_LINEAR[rgb] @ _RGB_TO_XYZ.T) / _D65
    f = np.where(xyz > 0.008856, np.cbrt(xyz), np.float32(7.787) * xyz + np.float32(16.0 / 116.0))
    return np.stack([116.0 * f[..., 1] - 16.0, 500.0 * (f[..., 0] - f[..., 1]), 200.0 * (f[..., 1] - f[..., 2])],
                    axis=-1).astype(np.float32)


class PhotoStats(NamedTuple):
    """What the measures need to know about the original, computed once per photo (see :func:`photo_stats`)."""

    codes: np.ndarray  # uint8 (h, w, 3): every other row and column
    right: np.ndarray  # uint8 (h, w, 3): the right-hand neighbour of each sampled pixel
    luma: np.ndarray  # int32 (h, w)
    blown: np.ndarray  # bool (h, w)
    crushed: np.ndarray  # bool (h, w)
    clipped: np.ndarray  # bool (h, w, 3)
    n_levels: int
    rank: np.ndarray  # float64 (256,): mid-rank of each luma level
    differs: np.ndarray  # bool (h, w): the pixel's luma differs from its right neighbour's
    lab: np.ndarray  # float32 (h, w, 3)
    chroma: np.ndarray  # float32 (h, w)
    neutral: np.ndarray  # bool (h, w)
    skin: np.ndarray  # bool (h, w)


def _sample(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pixels at even rows and columns, their right-hand neighbours) of (..., H, W, 3)."""
    return rgb[..., ::2, 0:-1:2, :], rgb[..., ::2, 1::2, :]


def _blown(codes: np.ndarray) -> np.ndarray:
    return (codes >= 254).sum(-1) >= 2


def _mid_rank(hist: np.ndarray) -> np.ndarray:
    """Mid-rank in [0, 1] of each luma level of a (..., 256) histogram."""
    total = np.maximum(hist.sum(-1, keepdims=True), 1)
    return (np.cumsum(hist, -1) - hist / 2.0) / total


def photo_stats(original: np.ndarray) -> PhotoStats:
    """Precompute the original's side of every measure.

    Args:
        original: uint8 (H, W, 3), the photo as NIMA sees it (224 x 224).
    """
    codes, right = _sample(np.asarray(original))
    luma = luma_codes(codes)
    hist = np.bincount(luma.ravel(), minlength=256).astype(np.float64)
    lab = lab_from_codes(codes)
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1]))
    skin = (lab[..., 0] > 25) & (lab[..., 0] < 92) & (chroma > 10) & (chroma < 45) & (hue > 25) & (hue < 70)
    return PhotoStats(codes=codes, right=right, luma=luma, blown=_blown(codes), crushed=luma <= 4,
                      clipped=(codes == 0) | (codes == 255), n_levels=int((hist > 0).sum()), rank=_mid_rank(hist),
                      differs=luma != luma_codes(right), lab=lab, chroma=chroma, neutral=chroma < 6, skin=skin)


def measure(original: np.ndarray, graded: np.ndarray, stats: PhotoStats | None = None) -> dict[str, np.ndarray]:
    """Measure what each graded version does to the photo (the table in the module docstring).

    Args:
        original: uint8 (H, W, 3).
        graded: uint8 (N, H, W, 3), the same pixels after each candidate look.
        stats: :func:`photo_stats` of ``original`` (computed when None).

    Returns:
        {measure name: float64 (N,)}; NaN where a measure does not apply (e.g. no skin).
    """
    st = stats if stats is not None else photo_stats(original)
    codes, right = _sample(np.asarray(graded))
    tone = _tone_measures(st, codes, right)
    colour = _colour_measures(st, codes)
    clipped, up = tone.pop("_clipped"), colour.pop("_chroma_up")
    return {**tone, **colour, "gamut": (clipped & up).mean((1, 2))}


def _tone_measures(st: PhotoStats, codes: np.ndarray, right: np.ndarray) -> dict[str, np.ndarray]:
    n = len(codes)
    luma = luma_codes(codes)
    area = (1, 2)
    blown, crushed = _blown(codes), luma <= 4
    hist = np.bincount((luma + 256 * np.arange(n)[:, None, None]).ravel(), minlength=256 * n).reshape(n, 256)
    rank_g = np.take_along_axis(_mid_rank(hist.astype(np.float64)), luma.reshape(n, -1), axis=1)
    rank_o = st.rank[st.luma].ravel()
    rank_o = rank_o - rank_o.mean()
    rank_g = rank_g - rank_g.mean(1, keepdims=True)
    corr = (rank_g @ rank_o) / np.sqrt(np.maximum((rank_g**2).sum(1) * (rank_o**2).sum(), 1e-12))
    flat = (luma == luma_codes(right)) & st.differs
    return {
        "highlights": (blown & ~st.blown).mean(area),
        "shadows": (crushed & ~st.crushed).mean(area),
        "levels": (hist > 0).sum(1) / max(st.n_levels, 1),
        "flattened": flat.sum(area) / max(int(st.differs.sum()), 1),
        "tone_order": corr,
        "reversed": _reversed_fraction(st.luma, luma),
        "_clipped": (((codes == 0) | (codes == 255)) & ~st.clipped).any(-1) & ~blown & ~crushed,
    }


def _reversed_fraction(luma_o: np.ndarray, luma_g: np.ndarray, bands: int = 32, drop: float = 8.0) -> np.ndarray:
    """Fraction of the photo whose tones are reversed: the original's luma in ``bands`` bands; a band
    counts when its mean graded luma is ``drop`` codes below that of some darker band (solarisation,
    inversion). A monotonic tone curve gives 0, whatever the colours do.
    """
    n = len(luma_g)
    band = (luma_o.ravel() * bands) // 256
    idx = (band[None] + bands * np.arange(n)[:, None]).ravel()
    count = np.bincount(band, minlength=bands).astype(np.float64)
    total = np.bincount(idx, luma_g.reshape(n, -1).ravel().astype(np.float64), bands * n).reshape(n, bands)
    used = count >= max(0.005 * band.size, 1)
    mean = np.where(used, total / np.maximum(count, 1), -np.inf)
    running = np.maximum.accumulate(mean, axis=1)
    below = used & (mean < running - drop)
    return (below * count).sum(1) / band.size


def _colour_measures(st: PhotoStats, codes: np.ndarray) -> dict[str, np.ndarray]:
    n = len(codes)
    area = (1, 2)
    lab = lab_from_codes(codes)
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    shift_l = _midtone_shift(st, lab[..., 0])
    coloured = st.chroma > 10
    ratio = chroma / np.maximum(st.chroma, 1e-3)
    saturation = ((ratio * coloured).sum(area) / max(int(coloured.sum()), 1) if coloured.mean() > 0.02
                  else np.full(n, np.nan))
    mean_o = st.lab[..., 1:].mean((0, 1))
    shift = lab[..., 1:].mean(area) - mean_o
    cast = _added_colour(lab[..., 1:].mean(area), mean_o)
    if st.neutral.mean() > 0.02:
        cast = np.minimum(cast, _added_colour(lab[:, st.neutral, 1:].mean(1), st.lab[st.neutral, 1:].mean(0)))
    toned = _colour_spread(lab) < TONED_SPREAD * max(float(_colour_spread(st.lab[None])[0]), 1e-3)
    turn = _hue_turn(st, lab, chroma)
    weight = ((st.chroma > 15) & (chroma > 5)) * st.chroma
    hue_shift = np.where(toned, np.nan, (turn * weight).sum(area) / np.maximum(weight.sum(area), 1e-6))
    skin_px = st.skin & (chroma > 5)
    skin = (turn * skin_px).sum(area) / np.maximum(skin_px.sum(area), 1)
    skin = np.where(toned | (st.skin.mean() <= 0.02), np.nan, skin)
    return {"darkening": np.maximum(-shift_l, 0.0), "brightening": np.maximum(shift_l, 0.0),
            "saturation": saturation, "cast": np.where(toned, cast / TONED_CAST_ALLOWANCE, cast),
            "cast_angle": np.degrees(np.arctan2(shift[:, 1], shift[:, 0])) % 360.0, "toned": toned.astype(float),
            "hue": hue_shift, "skin": skin, "_chroma_up": ratio > 1.25}


def _added_colour(graded_ab: np.ndarray, original_ab: np.ndarray) -> np.ndarray:
    """Colour added to a mean a*b*: distance from the graded mean (N, 2) to the segment from neutral to the
    original mean (2,). Moving toward neutral (desaturating, mono) adds nothing; a cast moves off the segment.
    """
    length2 = float(original_ab @ original_ab)
    t = np.clip(graded_ab @ original_ab / length2, 0.0, 1.0) if length2 > 1e-9 else np.zeros(len(graded_ab))
    gap = graded_ab - t[:, None] * original_ab[None]
    return np.hypot(gap[:, 0], gap[:, 1])


def _midtone_shift(st: PhotoStats, lightness: np.ndarray) -> np.ndarray:
    """Mean change of L* over the original's mid-tones (25 < L* < 75); the median's change if they are rare.

    A contrast curve moves the mid-tones little (shadows down, highlights up);
    darkening and crushing move them all down.
    """
    mid = (st.lab[..., 0] > 25) & (st.lab[..., 0] < 75)
    if mid.mean() < 0.05:
        n = len(lightness)
        return np.median(lightness.reshape(n, -1), axis=1) - np.median(st.lab[..., 0])
    return (lightness[:, mid] - st.lab[mid, 0]).mean(1)


def _colour_spread(lab: np.ndarray, bins: int = 16) -> np.ndarray:
    """RMS spread of a*b* around the mean colour of each L* band: (N, h, w, 3) -> (N,).

    Near 0 for a toned image (mono, sepia, duotone: the colour is a function of
    the lightness); a cast keeps the photo's spread.
    """
    n = len(lab)
    band = np.clip((lab[..., 0] * (bins / 100.0)).astype(np.int64), 0, bins - 1).reshape(n, -1)
    idx = (band + bins * np.arange(n)[:, None]).ravel()
    a, b = lab[..., 1].reshape(-1), lab[..., 2].reshape(-1)
    count = np.bincount(idx, minlength=bins * n).reshape(n, bins)
    sum_a = np.bincount(idx, a, bins * n).reshape(n, bins)
    sum_b = np.bincount(idx, b, bins * n).reshape(n, bins)
    sum_sq = np.bincount(idx, a * a + b * b, bins * n).reshape(n, bins)
    within = (sum_sq - (sum_a**2 + sum_b**2) / np.maximum(count, 1)).sum(1)
    return np.sqrt(np.maximum(within, 0.0) / band.shape[1])


def _hue_turn(st: PhotoStats, lab: np.ndarray, chroma: np.ndarray) -> np.ndarray:
    """Per-pixel hue rotation in degrees, 0..180, between the original and each graded image."""
    dot = lab[..., 1] * st.lab[..., 1] + lab[..., 2] * st.lab[..., 2]
    cos = dot / np.maximum(chroma * st.chroma, 1e-6)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
