"""Monochrome reference grades: every output colour is grey or a single tint.

Each grade: float (..., 3) sRGB in [0, 1] -> float32 (..., 3) in [0, 1].
"""

from __future__ import annotations

import numpy as np

from lutlearn.grades.ops import as_rgb, clip01, duotone, gamma, grey, levels, s_curve


def sepia(rgb: np.ndarray) -> np.ndarray:
    """Sepia toning: the luma, slightly lifted, mapped from dark brown to warm cream.

    Gamma 0.9 on the luma, then a duotone from (0.10, 0.06, 0.03) to (1.0, 0.92, 0.76).
    """
    x = gamma(grey(as_rgb(rgb)), 0.9)
    return clip01(duotone(x, dark=(0.10, 0.06, 0.03), light=(1.0, 0.92, 0.76)))


def mono_high_contrast(rgb: np.ndarray) -> np.ndarray:
    """High-contrast black and white: a red-filter-like grey, a strong s-curve applied twice.

    Grey = 0.4 R + 0.5 G + 0.1 B (darker skies than Rec.709 luma), then s-curve 0.8, twice.
    """
    x = as_rgb(rgb)
    g = x @ np.array([0.4, 0.5, 0.1], np.float32)
    y = s_curve(s_curve(g, 0.8), 0.8)
    return clip01(np.repeat(y[..., None], 3, axis=-1))


def mono_low_contrast(rgb: np.ndarray) -> np.ndarray:
    """Low-contrast black and white: Rec.709 grey, flattened and mapped to 0.12..0.90.

    s-curve -0.5 on the grey, then levels 0.12..0.90.
    """
    y = s_curve(grey(as_rgb(rgb)), -0.5)
    return clip01(levels(y, black=0.12, white=0.90))
