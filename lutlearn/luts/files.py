"""LUT files, by kind: ``read_lut`` and ``write_lut`` dispatch through :mod:`lutlearn.filekinds`.

The formats themselves live in :mod:`lutlearn.luts.cube` and
:mod:`lutlearn.luts.hald`; this module registers them as the ``"cube"`` and
``"hald"`` kinds.
"""

from __future__ import annotations

import os
from pathlib import Path

from lutlearn import filekinds
from lutlearn.luts.cube import CubeLUT, read_cube, write_cube
from lutlearn.luts.hald import read_hald, write_hald

__all__ = ["read_lut", "write_lut"]

filekinds.register("cube", reader=read_cube, writer=write_cube)
filekinds.register("hald", reader=read_hald, writer=write_hald)


def read_lut(path: str | os.PathLike) -> CubeLUT:
    """Read a .cube file (3D, 1D or shaper + 3D) or a Hald CLUT image."""
    return filekinds.reader(filekinds.require(path, "lut", "LUT"))(path)


def write_lut(lut, path: str | os.PathLike) -> Path:
    """Write ``lut`` as .cube or Hald image, by ``path``'s extension."""
    return filekinds.writer(filekinds.require(path, "lut", "LUT"))(lut, path)
