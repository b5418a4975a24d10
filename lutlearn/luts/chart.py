"""The identity chart: a Hald image of every node of an identity lattice, to push through an editor.

The layout is :mod:`lutlearn.luts.hald`'s (red fastest, then green, then blue).
"""

from __future__ import annotations

import numpy as np

from lutlearn.errors import HaldError
from lutlearn.images import write_image
from lutlearn.luts.hald import hald_level, hald_side
from lutlearn.luts.lut import identity_grid

__all__ = ["identity_chart", "chart_bit_depth", "is_identity_chart", "write_chart"]


def chart_bit_depth(level: int) -> int:
    """8 when every node of ``level`` is a whole 8-bit code (levels 2, 4, 16), else 16."""
    n = level * level
    return 8 if 255 % (n - 1) == 0 else 16


def identity_chart(level: int = 16) -> np.ndarray:
    """The identity Hald image of ``level`` as float32 (L³, L³, 3)."""
    side = hald_side(level)
    return identity_grid(level * level).reshape(side, side, 3)


def is_identity_chart(rgb: np.ndarray) -> bool:
    """True when ``rgb`` (H, W, 3) is an identity Hald chart of some level (to 16-bit precision)."""
    h, w = rgb.shape[:2]
    try:
        level = hald_level(w) if h == w else 0
    except HaldError:
        return False
    if not level:
        return False
    sample = slice(None, None, max(1, h // 64))  # every row would be slow on a 4096² chart
    expected = identity_chart(level)[sample]
    return bool(np.abs(rgb[sample] - expected).max() <= 0.51 / 255)


def write_chart(path, level: int = 16, bit_depth: int | None = None):
    """Write the identity Hald chart of ``level`` to ``path`` (PNG or TIFF).

    Args:
        bit_depth: 8 or 16; default :func:`chart_bit_depth` (8 only where exact).

    Returns:
        The path written.
    """
    depth = bit_depth or chart_bit_depth(level)
    if depth == 8 and chart_bit_depth(level) != 8:
        raise HaldError(f"level {level} nodes are not whole 8-bit codes; write it 16-bit")
    return write_image(path, identity_chart(level), bit_depth=depth)
