"""The Hald CLUT: its layout, and Hald images <-> :class:`~lutlearn.luts.lut.LUT3D` (any level, 8- or 16-bit).

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
import os
from pathlib import Path

import numpy as np

from lutlearn.errors import HaldError
from lutlearn.images import image_size, read_image, write_image
from lutlearn.luts.lut import LUT3D

__all__ = ["hald_side", "hald_level", "table_to_hald", "hald_to_table", "read_hald", "write_hald"]


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


def read_hald(path: str | os.PathLike) -> LUT3D:
    """Read a Hald CLUT image as a LUT3D of L² nodes per axis (its shape checked from the header first)."""
    path = Path(path)
    try:
        width, height = image_size(path)
        if width != height:
            raise HaldError(f"a Hald image is square; this one is {width}x{height}")
        hald_level(width)
        table = hald_to_table(read_image(path).rgb)
    except HaldError as e:
        raise HaldError(f"{path}: not a Hald CLUT: {e}") from None
    return LUT3D(table, title=path.stem)


def write_hald(lut: LUT3D, path: str | os.PathLike, bit_depth: int = 16) -> Path:
    """Write ``lut`` as a Hald image; its size must be a square (4, 9, ..., 256).

    Args:
        bit_depth: 16 (default) or 8; a learned LUT's nodes are not whole 8-bit codes.
    """
    return write_image(path, table_to_hald(lut.table), bit_depth=bit_depth)
