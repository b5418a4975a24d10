"""Identity colour grids and the Hald CLUT layout.

A Hald CLUT of level L is an L³ × L³ image holding a cube of N = L² nodes per
axis. Pixels are read in raster order (left to right, then top to bottom); pixel
``i`` holds the node ``(r, g, b) = (i mod N, (i div N) mod N, i div N²)``: **red
varies fastest, then green, then blue**, and the input value of node ``k`` is
``k / (N - 1)``. Level 16 is 4096 × 4096 = 2²⁴ pixels: every 8-bit colour once.

Because a C-order ``(N, N, N, 3)`` array indexed ``[b, g, r]`` flattens red
fastest, a Hald image and a LUT table are the same numbers reshaped.
"""

from __future__ import annotations

import math

import numpy as np

from lutlearn.errors import HaldError

__all__ = ["identity_grid", "hald_side", "hald_level", "identity_chart", "table_to_hald", "hald_to_table",
           "chart_bit_depth", "is_identity_chart", "write_chart"]


def identity_grid(n: int) -> np.ndarray:
    """The identity lattice.

    Args:
        n: nodes per axis, 2..256.

    Returns:
        float32 (n, n, n, 3) indexed [b, g, r]; ``grid[b, g, r] == (r, g, b) / (n - 1)``.

    >>> identity_grid(2)[0, 1, 1].tolist()
    [1.0, 1.0, 0.0]
    """
    if not 2 <= n <= 256:
        raise HaldError(f"lattice size must be in 2..256, got {n}")
    axis = np.arange(n, dtype=np.float32) / np.float32(n - 1)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")
    return np.stack([r, g, b], axis=-1)


def hald_side(level: int) -> int:
    """Image side in pixels of a Hald CLUT of ``level`` (2..16)."""
    if not 2 <= level <= 16:
        raise HaldError(f"Hald level must be in 2..16, got {level}")
    return level**3


def hald_level(side: int) -> int:
    """The level of a square Hald image with ``side`` pixels, or HaldError."""
    level = round(side ** (1 / 3))
    if level**3 != side or not 2 <= level <= 16:
        raise HaldError(f"a Hald image has side L³ for a level L in 2..16; {side} is not one")
    return level


def chart_bit_depth(level: int) -> int:
    """8 when every node of ``level`` is a whole 8-bit code (levels 2, 4, 16), else 16."""
    n = level * level
    return 8 if 255 % (n - 1) == 0 else 16


def identity_chart(level: int = 16) -> np.ndarray:
    """The identity Hald image of ``level`` as float32 (L³, L³, 3)."""
    side = hald_side(level)
    return identity_grid(level * level).reshape(side, side, 3)


def table_to_hald(table: np.ndarray) -> np.ndarray:
    """A LUT table (N, N, N, 3) [b, g, r] -> Hald image (L³, L³, 3); N must be L²."""
    n = table.shape[0]
    level = math.isqrt(n)
    if level * level != n:
        raise HaldError(f"a Hald image needs L² nodes per axis; {n} is not a square (try --size {level * level})")
    side = hald_side(level)
    return np.ascontiguousarray(table).reshape(side, side, 3)


def hald_to_table(image: np.ndarray) -> np.ndarray:
    """A Hald image (L³, L³, 3) -> LUT table (L², L², L², 3) indexed [b, g, r]."""
    h, w = image.shape[:2]
    if h != w:
        raise HaldError(f"a Hald image is square; this one is {w}x{h}")
    n = hald_level(w) ** 2
    return np.ascontiguousarray(image).reshape(n, n, n, 3)


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
    from lutlearn.imageio import write_image

    depth = bit_depth or chart_bit_depth(level)
    if depth == 8 and chart_bit_depth(level) != 8:
        raise HaldError(f"level {level} nodes are not whole 8-bit codes; write it 16-bit")
    return write_image(path, identity_chart(level), bit_depth=depth)
