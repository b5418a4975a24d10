"""LUT file formats, chosen by extension: one reader and one writer per format."""

from __future__ import annotations

import os
from pathlib import Path

from lutlearn.errors import LutlearnError
from lutlearn.formats.cube import read_cube, write_cube
from lutlearn.formats.hald import read_hald, write_hald
from lutlearn.lut import LUT3D

__all__ = ["read_lut", "write_lut", "LUT_EXTENSIONS"]

_READERS = {".cube": read_cube, ".png": read_hald, ".tif": read_hald, ".tiff": read_hald}
_WRITERS = {".cube": write_cube, ".png": write_hald, ".tif": write_hald, ".tiff": write_hald}
LUT_EXTENSIONS = tuple(_READERS)


def read_lut(path: str | os.PathLike) -> LUT3D:
    """Read a .cube file or a Hald CLUT image."""
    ext = Path(path).suffix.lower()
    if ext not in _READERS:
        raise LutlearnError(f"{path}: unknown LUT format {ext!r} (expected one of {', '.join(_READERS)})")
    return _READERS[ext](path)


def write_lut(lut: LUT3D, path: str | os.PathLike) -> Path:
    """Write ``lut`` as .cube or Hald image, by ``path``'s extension."""
    ext = Path(path).suffix.lower()
    if ext not in _WRITERS:
        raise LutlearnError(f"{path}: unknown LUT format {ext!r} (expected one of {', '.join(_WRITERS)})")
    return _WRITERS[ext](lut, path)
