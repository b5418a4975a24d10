"""Destructive colour edits for the suggest sanity suite (``scripts/eval_suggest.py``).

Every edit is a per-pixel colour function ``float32 (M, 3) sRGB in [0, 1] ->
float32 (M, 3) in [0, 1]``, so it is a *look* exactly like the bundled ones and
goes through the same grading path (``grade_pixels``, strengths, ``.cube``
baking). Four suites, with different edits and parameters:

- :data:`DEV_EDITS`: the suite the guards were designed and calibrated on (the
  issue's seven edits and their relatives);
- :data:`HELDOUT_EDITS`: other edits (solarisation, channel swaps, hue rotation,
  thresholding, linear-light exposure...) and other parameters; looked at during
  design, never used to set a threshold;
- :data:`HELDOUT2_EDITS`, :data:`HELDOUT3_EDITS`: written after the guards were
  frozen (each was run once before the last two changes to the guards; see the
  issue-10 report).

>>> x = np.array([[0.2, 0.5, 0.9]], np.float32)
>>> DEV_EDITS["invert"](x).astype(float).round(2).tolist()
[[0.8, 0.5, 0.1]]
"""

from __future__ import annotations

import functools
from typing import Callable

import numpy as np

__all__ = ["Edit", "SUITES", "DEV_EDITS", "HELDOUT_EDITS", "HELDOUT2_EDITS", "HELDOUT3_EDITS", "srgb_to_linear",
           "linear_to_srgb", "luma"]

Edit = Callable[[np.ndarray], np.ndarray]
_REC709 = np.array([0.2126, 0.7152, 0.0722], np.float32)


def luma(x: np.ndarray) -> np.ndarray:
    """Rec.709 weights on encoded values: (M, 3) -> (M,)."""
    return x @ _REC709


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    """The sRGB decoding curve (IEC 61966-2-1)."""
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    """The sRGB encoding curve (IEC 61966-2-1)."""
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055).astype(np.float32)


def _clip(x) -> np.ndarray:
    return np.clip(x, 0.0, 1.0).astype(np.float32)


def gain(x, k) -> np.ndarray:
    """Multiply encoded values by ``k`` (scalar or per channel) and clip: exposure push / cast."""
    return _clip(x * np.asarray(k, np.float32))


def offset(x, d) -> np.ndarray:
    """Add ``d`` (per channel) and clip: an additive cast."""
    return _clip(x + np.asarray(d, np.float32))


def exposure_linear(x, stops) -> np.ndarray:
    """Push exposure by ``stops`` in linear light, clipping at white."""
    return linear_to_srgb(srgb_to_linear(x) * np.float32(2.0**stops))


def crush(x, black) -> np.ndarray:
    """Levels with the black point at ``black``: everything below it becomes 0."""
    return _clip((x - black) / (1.0 - black))


def clip_both(x, black, white) -> np.ndarray:
    """Levels black/white points: clips both ends."""
    return _clip((x - black) / (white - black))


def power(x, p) -> np.ndarray:
    """``x ** p`` per channel: p > 1 darkens (crushes shadows in 8 bits), p < 1 washes out."""
    return _clip(np.maximum(x, 0.0) ** np.float32(p))


def saturate(x, amount) -> np.ndarray:
    """Scale chroma about Rec.709 luma and clip (gamut clipping when amount > 1)."""
    y = luma(x)[:, None]
    return _clip(y + np.float32(amount) * (x - y))


def posterise(x, levels) -> np.ndarray:
    """Round each channel to ``levels`` values."""
    n = np.float32(levels - 1)
    return _clip(np.round(x * n) / n)


def fade(x, low, high) -> np.ndarray:
    """Map [0, 1] linearly to [low, high]: a washed-out, low-contrast print."""
    return _clip(low + (high - low) * x)


def contrast(x, k) -> np.ndarray:
    """Linear contrast ``k`` about mid-grey, clipped."""
    return _clip((x - 0.5) * np.float32(k) + 0.5)


def invert(x) -> np.ndarray:
    """The negative."""
    return _clip(1.0 - x)


def solarise(x, at=0.5) -> np.ndarray:
    """Sabattier-like: values above ``at`` are reflected down."""
    return _clip(np.where(x <= at, x, at - (x - at) * at / (1.0 - at)))


def channels(x, order) -> np.ndarray:
    """Permute channels, e.g. (2, 1, 0) swaps red and blue."""
    return _clip(x[:, list(order)])


def hue_rotate(x, degrees) -> np.ndarray:
    """Rotate hue about the grey axis (Rodrigues rotation in RGB) and clip."""
    theta = np.deg2rad(degrees)
    k = np.ones(3) / np.sqrt(3.0)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rot = np.eye(3) + np.sin(theta) * kx + (1 - np.cos(theta)) * (kx @ kx)
    return _clip(x @ rot.T.astype(np.float32))


def threshold(x, at=0.5) -> np.ndarray:
    """Black and white at a luma threshold (two levels)."""
    return np.repeat((luma(x) > at).astype(np.float32)[:, None], 3, axis=1)


def chain(*fns: Edit) -> Edit:
    """Compose edits left to right."""
    def run(x):
        for fn in fns:
            x = fn(x)
        return x
    return run


P = functools.partial

#: The design suite (the issue's seven edits and their relatives, parameters as in the issue where given).
DEV_EDITS: dict[str, Edit] = {
    "clip_highlights": P(gain, k=1.6),
    "crush_blacks": P(crush, black=0.2),
    "darken_gamma2.2": P(power, p=2.2),
    "cast_green": P(gain, k=(0.85, 1.12, 0.85)),
    "cast_magenta": P(gain, k=(1.1, 0.82, 1.1)),
    "cast_blue": P(gain, k=(0.8, 0.9, 1.15)),
    "oversaturate_2.5": P(saturate, amount=2.5),
    "posterise_4": P(posterise, levels=4),
    "washed_fade": P(fade, low=0.3, high=0.75),
    "invert": invert,
    "hard_contrast_2.2": P(contrast, k=2.2),
    "brighten_gamma0.4": P(power, p=0.4),
}

#: Held-out edits: other kinds and other parameters; never used to tune the guards.
HELDOUT_EDITS: dict[str, Edit] = {
    "exposure_+1.3EV": P(exposure_linear, stops=1.3),
    "exposure_-2EV": P(exposure_linear, stops=-2.0),
    "crush_blacks_0.3": P(crush, black=0.3),
    "darken_gamma1.8": P(power, p=1.8),
    "darken_gamma3": P(power, p=3.0),
    "clip_both_0.15_0.8": P(clip_both, black=0.15, white=0.8),
    "cast_yellow": P(gain, k=(1.08, 1.04, 0.72)),
    "cast_red": P(gain, k=(1.2, 0.88, 0.88)),
    "cast_cyan_additive": P(offset, d=(-0.12, 0.04, 0.06)),
    "cast_green_additive": P(offset, d=(-0.05, 0.09, -0.05)),
    "oversaturate_3.5": P(saturate, amount=3.5),
    "posterise_6": P(posterise, levels=6),
    "threshold": threshold,
    "grey_fade": P(fade, low=0.38, high=0.62),
    "solarise": solarise,
    "swap_red_blue": P(channels, order=(2, 1, 0)),
    "hue_rotate_150": P(hue_rotate, degrees=150.0),
    "neon": chain(P(saturate, amount=2.0), P(contrast, k=1.6)),
    "dark_green_muddy": chain(P(power, p=1.6), P(gain, k=(0.9, 1.05, 0.8))),
}


def split_tone_extreme(x, shadows, highlights) -> np.ndarray:
    """Strong split toning: add ``shadows`` weighted by (1 - Y)^2 and ``highlights`` by Y^2, then clip."""
    y = np.clip(luma(x), 0.0, 1.0)[:, None]
    return _clip(x + (1 - y) ** 2 * np.asarray(shadows, np.float32) + y**2 * np.asarray(highlights, np.float32))


def s_curve_passes(x, passes) -> np.ndarray:
    """A smoothstep contrast curve applied ``passes`` times (extreme contrast, near-binary tones)."""
    for _ in range(passes):
        x = x * x * (3.0 - 2.0 * x)
    return _clip(x)


def luma_quantise(x, levels) -> np.ndarray:
    """Quantise the luma to ``levels`` steps, keeping each pixel's chroma offset (banded tones, colour kept)."""
    y = luma(x)[:, None]
    n = np.float32(levels - 1)
    return _clip(x - y + np.round(y * n) / n)


#: A second held-out suite, written after the guards were frozen and run once, for the final check.
HELDOUT2_EDITS: dict[str, Edit] = {
    "bleach_extreme": chain(P(saturate, amount=0.2), P(contrast, k=2.5)),
    "day_for_night": chain(P(power, p=2.0), P(gain, k=(0.8, 0.95, 1.3))),
    "invert_red": lambda x: _clip(np.stack([1.0 - x[:, 0], x[:, 1], x[:, 2]], axis=1)),
    "sepia_burn": chain(P(crush, black=0.25),
                        lambda x: _clip(luma(x)[:, None] * np.array([1.1, 0.9, 0.65], np.float32))),
    "overexpose_+2EV": P(exposure_linear, stops=2.0),
    "black_0.12_gamma1.5": chain(P(crush, black=0.12), P(power, p=1.5)),
    "vibrance_4x": P(saturate, amount=4.0),
    "magenta_additive": P(offset, d=(0.08, -0.06, 0.08)),
    "orange_cast": P(gain, k=(1.15, 1.0, 0.75)),
    "posterise_3": P(posterise, levels=3),
    "luma_bands_8": P(luma_quantise, levels=8),
    "flat_lift": P(fade, low=0.25, high=0.6),
    "swap_red_green": P(channels, order=(1, 0, 2)),
    "hue_rotate_90": P(hue_rotate, degrees=90.0),
    "threshold_0.35": P(threshold, at=0.35),
    "s_curve_x3": P(s_curve_passes, passes=3),
    "green_magenta_split": P(split_tone_extreme, shadows=(0.0, 0.2, 0.0), highlights=(0.2, -0.1, 0.2)),
    "brighten_gamma0.25": P(power, p=0.25),
}


def sepia_tone(x) -> np.ndarray:
    """Luma mapped to a brown-cream duotone."""
    y = luma(x)[:, None]
    return _clip(np.array([0.1, 0.06, 0.03], np.float32) + y * np.array([0.9, 0.86, 0.73], np.float32))


#: A third held-out suite, written after the last change to the guards (luma-based "flattened"), run once.
HELDOUT3_EDITS: dict[str, Edit] = {
    "cold_blue_night": chain(P(gain, k=(0.6, 0.75, 1.1)), P(power, p=1.3)),
    "radioactive_green": chain(P(offset, d=(-0.1, 0.15, -0.1)), P(saturate, amount=1.5)),
    "pink_wash": chain(P(fade, low=0.2, high=0.95), P(gain, k=(1.1, 0.85, 1.0))),
    "hdr_crunch": chain(P(contrast, k=1.8), P(saturate, amount=1.8)),
    "muddy_brown": chain(P(saturate, amount=0.4), P(gain, k=(1.0, 0.85, 0.6)), P(power, p=1.4)),
    "exposure_-1.2EV": P(exposure_linear, stops=-1.2),
    "exposure_+1EV": P(exposure_linear, stops=1.0),
    "posterise_5": P(posterise, levels=5),
    "negative_sepia": chain(invert, sepia_tone),
    "rgb_to_brg": P(channels, order=(2, 0, 1)),
    "hue45_saturate2": chain(P(hue_rotate, degrees=45.0), P(saturate, amount=2.0)),
    "clip_both_0.25_0.85": P(clip_both, black=0.25, white=0.85),
    "darken_gamma2.6": P(power, p=2.6),
    "desat_green_cast": chain(P(saturate, amount=0.3), P(gain, k=(0.85, 1.1, 0.85))),
    "solarise_0.7": P(solarise, at=0.7),
    "red_shadows_cyan_highlights": P(split_tone_extreme, shadows=(0.2, -0.05, -0.05), highlights=(-0.15, 0.05, 0.15)),
}

SUITES = {"dev": DEV_EDITS, "heldout": HELDOUT_EDITS, "heldout2": HELDOUT2_EDITS, "heldout3": HELDOUT3_EDITS}
