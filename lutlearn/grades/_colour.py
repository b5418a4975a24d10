"""Colour reference grades: the demo's ``darkroom`` and the bundled colour looks.

Each grade: float (..., 3) sRGB in [0, 1] -> float32 (..., 3) in [0, 1].
"""

from __future__ import annotations

import numpy as np

from lutlearn.grades.ops import as_rgb, clip01, gamma, hue_rotate, levels, luma, s_curve, saturation, split_tone


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
    x = as_rgb(rgb)
    r = x[..., 0] + 0.12 * np.sin(2.0 * np.pi * x[..., 0]) * (1.0 - x[..., 0]) * 0.9
    g = 0.06 + 0.94 * x[..., 1] ** 1.1
    b = x[..., 2] ** 1.25
    y = np.stack([r, g, b], axis=-1)
    lum = luma(y)
    y = lum[..., None] + 0.7 * (y - lum[..., None])
    y = hue_rotate(y, 12.0)
    return clip01(y)


def warm_film_fade(rgb: np.ndarray) -> np.ndarray:
    """Warm film fade: lifted, slightly warm blacks, softer contrast, 15% less colour, warm white balance.

    Softened contrast (s-curve -0.25), blacks lifted to (0.07, 0.05, 0.03) and
    whites dimmed to (0.98, 0.95, 0.86), saturation 0.85.
    """
    x = s_curve(as_rgb(rgb), -0.25)
    x = levels(x, black=(0.07, 0.05, 0.03), white=(0.98, 0.95, 0.86))
    return clip01(saturation(x, 0.85))


def cool_matte(rgb: np.ndarray) -> np.ndarray:
    """Cool matte: flat blue-grey blacks, cool highlights, muted colour.

    Blacks lifted to (0.08, 0.10, 0.13), whites to (0.90, 0.95, 1.0), a mild
    s-curve (0.2) to keep the mids, saturation 0.75.
    """
    x = s_curve(as_rgb(rgb), 0.2)
    x = levels(x, black=(0.08, 0.10, 0.13), white=(0.90, 0.95, 1.0))
    return clip01(saturation(x, 0.75))


def teal_orange(rgb: np.ndarray) -> np.ndarray:
    """Teal-orange blockbuster look: teal shadows, orange highlights and skin, more contrast.

    s-curve 0.35, split toning (shadows +(-0.08, 0.03, 0.07), highlights
    +(0.08, 0.01, -0.08)), saturation 1.15.
    """
    x = s_curve(as_rgb(rgb), 0.35)
    x = split_tone(x, shadows=(-0.08, 0.03, 0.07), highlights=(0.08, 0.01, -0.08))
    return clip01(saturation(x, 1.15))


def bleach_bypass(rgb: np.ndarray) -> np.ndarray:
    """Bleach bypass: silver retained in the print; harsh contrast, half the colour, darker mids.

    Saturation 0.45, strong s-curve (0.7), gamma 1.1.
    """
    x = saturation(as_rgb(rgb), 0.45)
    x = s_curve(np.clip(x, 0.0, 1.0), 0.7)
    return clip01(gamma(x, 1.1))


def cross_process(rgb: np.ndarray) -> np.ndarray:
    """Cross-processed slide film: contrasty red, punchy green, flat lifted blue; yellow-green highlights.

    Per-channel s-curves (0.6, 0.3, -0.4), blue mapped to 0.12..0.80,
    saturation 1.1.
    """
    x = s_curve(as_rgb(rgb), (0.6, 0.3, -0.4))
    x = levels(x, black=(0.0, 0.02, 0.12), white=(1.0, 1.0, 0.80))
    return clip01(saturation(x, 1.1))


def high_key_pastel(rgb: np.ndarray) -> np.ndarray:
    """High-key pastel: bright, airy, soft colours with a faint pink cast.

    Gamma 0.7 (brighter mids), blacks lifted to (0.16, 0.14, 0.15), s-curve -0.2,
    saturation 0.6.
    """
    x = gamma(as_rgb(rgb), 0.7)
    x = levels(x, black=(0.16, 0.14, 0.15), white=(1.0, 0.98, 0.98))
    x = s_curve(x, -0.2)
    return clip01(saturation(x, 0.6))


def vivid_slide(rgb: np.ndarray) -> np.ndarray:
    """Vivid slide film: deep blacks, strong contrast and saturated colour, slightly cool shadows.

    s-curve 0.45, gamma 1.08, saturation 1.4, shadows +(-0.02, 0.0, 0.03).
    """
    x = gamma(s_curve(as_rgb(rgb), 0.45), 1.08)
    x = split_tone(x, shadows=(-0.02, 0.0, 0.03), highlights=(0.0, 0.0, 0.0))
    return clip01(saturation(x, 1.4))


def faded_print(rgb: np.ndarray) -> np.ndarray:
    """Faded print: an old colour print; washed-out blacks, dull whites, yellowed and muted.

    s-curve -0.3, mapped to (0.16, 0.14, 0.12)..(0.92, 0.88, 0.74), saturation 0.65.
    """
    x = s_curve(as_rgb(rgb), -0.3)
    x = levels(x, black=(0.16, 0.14, 0.12), white=(0.92, 0.88, 0.74))
    return clip01(saturation(x, 0.65))


def split_toning(rgb: np.ndarray) -> np.ndarray:
    """Split toning: blue-violet shadows and golden highlights; contrast and saturation untouched.

    Shadows +(-0.04, -0.02, 0.10), highlights +(0.08, 0.03, -0.10).
    """
    x = split_tone(as_rgb(rgb), shadows=(-0.04, -0.02, 0.10), highlights=(0.08, 0.03, -0.10))
    return clip01(x)
