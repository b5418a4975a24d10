"""Hald CLUT images <-> LUT3D (any level 2..16; 8- or 16-bit PNG/TIFF).

The layout (red fastest, then green, then blue) is described in
:mod:`lutlearn.chart`.
"""

from __future__ import annotations

import os
from pathlib import Path

from lutlearn.chart import hald_to_table, table_to_hald
from lutlearn.errors import HaldError
from lutlearn.imageio import read_image, write_image
from lutlearn.lut import LUT3D

__all__ = ["read_hald", "write_hald"]


def read_hald(path: str | os.PathLike) -> LUT3D:
    """Read a Hald CLUT image as a LUT3D of L² nodes per axis."""
    path = Path(path)
    image = read_image(path)
    try:
        table = hald_to_table(image.rgb)
    except HaldError as e:
        raise HaldError(f"{path}: not a Hald CLUT: {e}") from None
    return LUT3D(table, title=path.stem)


def write_hald(lut: LUT3D, path: str | os.PathLike, bit_depth: int | None = None) -> Path:
    """Write ``lut`` as a Hald image; its size must be a square (4, 9, ..., 256).

    Args:
        bit_depth: 8 or 16; default 16 unless every node is a whole 8-bit code
            and the table holds 8-bit values exactly (never for learned LUTs).
    """
    image = table_to_hald(lut.table)
    return write_image(path, image, bit_depth=bit_depth or 16)


