"""A procedural test image for previewing looks: hue wheel, ramps, skin tones, greys.

Everything is computed here (no photos, no third-party data), so a preview
looks the same on every machine. Layout of the default 640 x 400 image::

    +-----------+-----------------------------------+
    |  hue and  |  grey ramp 0..1                   |
    |  chroma   |  red, green, blue ramps 0..1      |
    |  wheel on |  cyan, magenta, yellow ramps 0..1 |
    |  mid grey |  hue ramp at full saturation      |
    |           |  sky gradient                     |
    +-----------+-----------------------------------+
    |  8 skin-like patches, light to dark           |
    |  11-step grey wedge 0, 0.1, ..., 1            |
    +-----------------------------------------------+
"""

from __future__ import annotations

import numpy as np

__all__ = ["test_image", "hsv_to_rgb", "SKIN_TONES"]

# Skin-like sRGB patches, light to dark (approximate values for typical skin, chosen for this project).
SKIN_TONES = np.array([
    [0.96, 0.84, 0.76], [0.92, 0.75, 0.64], [0.87, 0.67, 0.54], [0.78, 0.58, 0.44],
    [0.68, 0.48, 0.35], [0.55, 0.37, 0.26], [0.42, 0.28, 0.20], [0.29, 0.19, 0.14],
], np.float32)


def hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """HSV -> RGB, all in [0, 1] (hue 1 = 360 degrees).

    Args:
        h, s, v: float arrays of one broadcastable shape (...).

    Returns:
        float32 (..., 3).

    >>> hsv_to_rgb(np.array(1 / 3), np.array(1.0), np.array(1.0)).tolist()
    [0.0, 1.0, 0.0]
    """
    h, s, v = np.broadcast_arrays(np.asarray(h, np.float32) % 1.0, np.asarray(s, np.float32),
                                  np.asarray(v, np.float32))
    k = (np.array([5.0, 3.0, 1.0], np.float32) + h[..., None] * 6.0) % 6.0
    ramp = np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return (v[..., None] - v[..., None] * s[..., None] * ramp).astype(np.float32)


def _wheel(side: int) -> np.ndarray:
    """Hue by angle, saturation by radius, value 1, on mid grey (0.5): float32 (side, side, 3)."""
    c = (np.arange(side, dtype=np.float32) + 0.5) / side * 2.0 - 1.0
    y, x = np.meshgrid(-c, c, indexing="ij")
    radius = np.hypot(x, y) / 0.92
    out = hsv_to_rgb(np.arctan2(y, x) / (2 * np.pi), np.minimum(radius, 1.0), np.ones_like(x))
    out[radius > 1.0] = 0.5
    return out


def _ramps(height: int, width: int) -> np.ndarray:
    """Nine horizontal bands: grey, R, G, B, C, M, Y ramps, a hue ramp and a sky gradient: (height, width, 3)."""
    t = np.linspace(0.0, 1.0, width, dtype=np.float32)[:, None]
    primaries = np.array([[1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 0]], np.float32)
    bands = [t * p for p in primaries]
    bands.append(hsv_to_rgb(t[:, 0], np.ones(width), np.ones(width)))
    sky_top, sky_bottom = np.array([0.16, 0.35, 0.72], np.float32), np.array([0.80, 0.88, 0.95], np.float32)
    bands.append(sky_top + (sky_bottom - sky_top) * t)
    rows = np.array_split(np.arange(height), len(bands))
    out = np.empty((height, width, 3), np.float32)
    for band, idx in zip(bands, rows):
        out[idx] = band
    return out


def _patches(colours: np.ndarray, height: int, width: int) -> np.ndarray:
    """A row of equal patches of ``colours`` (K, 3), separated by 2-pixel mid-grey gaps: (height, width, 3)."""
    out = np.full((height, width, 3), 0.5, np.float32)
    edges = np.linspace(0, width, len(colours) + 1).round().astype(int)
    for colour, a, b in zip(colours, edges[:-1], edges[1:]):
        out[2:-2, a + 1 : b - 1] = colour
    return out


def test_image(width: int = 640, height: int = 400) -> np.ndarray:
    """The preview image described in the module docstring.

    Args:
        width, height: size in pixels (at least 160 x 100).

    Returns:
        float32 (height, width, 3) sRGB in [0, 1].

    >>> test_image(320, 200).shape
    (200, 320, 3)
    """
    if width < 160 or height < 100:
        raise ValueError(f"the test image needs at least 160 x 100 pixels, got {width} x {height}")
    top = int(height * 0.7)
    side = min(top, width // 3)
    img = np.full((height, width, 3), 0.5, np.float32)
    img[:side, :side] = _wheel(side)
    img[:top, side:] = _ramps(top, width - side)
    low = height - top
    img[top : top + low // 2] = _patches(SKIN_TONES, low // 2, width)
    img[top + low // 2 :] = _patches(np.repeat(np.linspace(0, 1, 11, dtype=np.float32)[:, None], 3, 1),
                                     low - low // 2, width)
    return img
