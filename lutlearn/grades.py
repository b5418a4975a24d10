"""Reference grades defined in code: ground-truth looks for the demo, tests and benchmarks.

Each grade is a function float32 (..., 3) sRGB in [0, 1] -> same, smooth and
deterministic, built from colour-science operations (no third-party LUTs).
"""

from __future__ import annotations

import numpy as np

__all__ = ["darkroom", "GRADES"]


def _hue_rotate(rgb: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate hue about the grey axis (Rodrigues rotation in RGB), keeping luminance-ish."""
    theta = np.deg2rad(degrees)
    k = np.ones(3) / np.sqrt(3.0)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rot = np.eye(3) + np.sin(theta) * kx + (1 - np.cos(theta)) * (kx @ kx)
    return rgb @ rot.T.astype(np.float32)


def darkroom(rgb: np.ndarray) -> np.ndarray:
    """The built-in reference grade, in the spirit of the classic darkroom exercise.

    1. Non-linear per-channel curves: a filmic S-curve on red, a lifted toe on
       green (faded blacks), a gamma on blue (cooler mids).
    2. Desaturation toward Rec.709 luma by 30%.
    3. A 12-degree hue rotation about the grey axis.
    4. Clipped to [0, 1].

    Args:
        rgb: float (..., 3) sRGB in [0, 1].

    Returns:
        float32 (..., 3).
    """
    x = np.clip(np.asarray(rgb, np.float32), 0.0, 1.0)
    r = x[..., 0] + 0.12 * np.sin(2.0 * np.pi * x[..., 0]) * (1.0 - x[..., 0]) * 0.9
    g = 0.06 + 0.94 * x[..., 1] ** 1.1
    b = x[..., 2] ** 1.25
    y = np.stack([r, g, b], axis=-1)
    luma = y @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    y = luma[..., None] + 0.7 * (y - luma[..., None])
    y = _hue_rotate(y, 12.0)
    return np.clip(y, 0.0, 1.0).astype(np.float32)


GRADES = {"darkroom": darkroom}
