"""Building blocks for reference grades: small, smooth colour operations.

Every operation takes float32 ``(..., 3)`` sRGB values (nominally [0, 1]) and
returns the same shape; parameters given per channel are ``(3,)`` sequences in
RGB order. None of them clip: a grade clips once, at the end, with :func:`clip01`.

>>> x = np.array([[0.25, 0.5, 0.75]], np.float32)
>>> saturation(x, 0.0).astype(float).round(4).tolist()
[[0.4649, 0.4649, 0.4649]]
"""

from __future__ import annotations

import numpy as np

__all__ = ["REC709", "as_rgb", "luma", "grey", "clip01", "saturation", "levels", "gamma", "s_curve",
           "split_tone", "duotone", "hue_rotate"]

REC709 = np.array([0.2126, 0.7152, 0.0722], np.float32)  # luma weights on sRGB-encoded values


def as_rgb(rgb) -> np.ndarray:
    """float32 (..., 3) copy of ``rgb``, clipped to [0, 1] (the input side of every grade)."""
    return np.clip(np.asarray(rgb, np.float32), 0.0, 1.0)


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec.709 weighted sum of the encoded channels: (..., 3) -> (...)."""
    return rgb @ REC709


def grey(rgb: np.ndarray) -> np.ndarray:
    """The luma repeated on three channels: (..., 3) -> (..., 3)."""
    return np.repeat(luma(rgb)[..., None], 3, axis=-1)


def clip01(rgb: np.ndarray) -> np.ndarray:
    """Clip to [0, 1] and return float32."""
    return np.clip(rgb, 0.0, 1.0).astype(np.float32)


def saturation(rgb: np.ndarray, amount: float) -> np.ndarray:
    """Scale chroma about the luma: 0 = grey, 1 = unchanged, >1 = more saturated."""
    y = luma(rgb)[..., None]
    return y + np.float32(amount) * (rgb - y)


def levels(rgb: np.ndarray, black=0.0, white=1.0) -> np.ndarray:
    """Map 0 -> ``black`` and 1 -> ``white`` linearly (per channel): lifts blacks, dims whites, tints."""
    black, white = np.asarray(black, np.float32), np.asarray(white, np.float32)
    return black + (white - black) * rgb


def gamma(rgb: np.ndarray, power) -> np.ndarray:
    """``x ** power`` per channel (negative values are treated as 0): <1 brightens mids, >1 darkens."""
    return np.maximum(rgb, 0.0) ** np.asarray(power, np.float32)


def s_curve(rgb: np.ndarray, amount) -> np.ndarray:
    """Contrast about mid-grey: ``(1 - a) x + a * smoothstep(x)``, per channel.

    ``a`` in [-1, 1]: positive adds contrast (slope 1 + a/2 at 0.5), negative
    flattens the mids; 0 and 1 stay fixed and the curve stays monotonic.
    """
    a = np.asarray(amount, np.float32)
    x = np.clip(rgb, 0.0, 1.0)
    return (1.0 - a) * rgb + a * (x * x * (3.0 - 2.0 * x))


def split_tone(rgb: np.ndarray, shadows, highlights) -> np.ndarray:
    """Add an RGB offset weighted by darkness, ``(1 - Y)^2``, and another weighted by brightness, ``Y^2``."""
    y = np.clip(luma(rgb), 0.0, 1.0)[..., None]
    return rgb + (1.0 - y) ** 2 * np.asarray(shadows, np.float32) + y**2 * np.asarray(highlights, np.float32)


def duotone(rgb: np.ndarray, dark, light) -> np.ndarray:
    """Monochrome: the luma mapped linearly from the colour ``dark`` (at 0) to ``light`` (at 1)."""
    y = luma(rgb)[..., None]
    dark, light = np.asarray(dark, np.float32), np.asarray(light, np.float32)
    return dark + (light - dark) * y


def hue_rotate(rgb: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate hue about the grey axis (Rodrigues rotation in RGB); greys are unchanged."""
    theta = np.deg2rad(degrees)
    k = np.ones(3) / np.sqrt(3.0)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rot = np.eye(3) + np.sin(theta) * kx + (1 - np.cos(theta)) * (kx @ kx)
    return rgb @ rot.T.astype(np.float32)
