"""What a look is: anything with ``apply(float32 (..., 3)) -> float32 (..., 3)``, and opening look files.

A look file is any file of the ``"look"`` role of :mod:`lutlearn.filekinds`:

- a ``.cube`` file (3D, 1D, or Resolve's 1D shaper + 3D) or a Hald CLUT image
  (``.png``/``.tif``, any level): interpolated (:class:`LatticeLook`);
- a learned model file (``.npz``): evaluated directly, with no interpolation
  error (:class:`FunctionLook`).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from lutlearn import filekinds
from lutlearn.errors import LutlearnError
from lutlearn.luts.interp import METHODS

__all__ = ["Look", "LatticeLook", "FunctionLook", "open_look_file"]


class Look(Protocol):
    """A colour transform: float32 (..., 3) in [0, 1] -> float32 (..., 3)."""

    name: str

    def apply(self, rgb: np.ndarray) -> np.ndarray: ...


@dataclasses.dataclass(frozen=True, eq=False)
class LatticeLook:
    """A LUT (:class:`LUT3D`, :class:`LUT1D` or :class:`ShaperLUT`) with an interpolation method.

    Attributes:
        lut: the table.
        method: "tetrahedral" or "trilinear" (1D curves are always linear).
        name: how messages refer to it.
    """

    lut: object
    method: str = "tetrahedral"
    name: str = ""

    def __post_init__(self):
        if self.method not in METHODS:
            raise LutlearnError(f"interpolation must be one of {', '.join(METHODS)}, got {self.method!r}")

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """The LUT applied to float colours (..., 3) -> float32 (..., 3)."""
        return self.lut.apply(rgb, self.method)


@dataclasses.dataclass(frozen=True, eq=False)
class FunctionLook:
    """Any colour function as a look (a learned model's ``apply``, a lambda in tests).

    Attributes:
        fn: float32 (M, 3) -> float32 (M, 3).
        name: how messages refer to it.
    """

    fn: Callable[[np.ndarray], np.ndarray]
    name: str = ""

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """``fn`` on float colours (..., 3) -> float32 (..., 3)."""
        rgb = np.asarray(rgb, np.float32)
        return np.asarray(self.fn(rgb.reshape(-1, 3)), np.float32).reshape(rgb.shape)


def open_look_file(path: str | os.PathLike, method: str = "tetrahedral", name: str | None = None) -> Look:
    """Open a look file: a LUT (interpolated with ``method``) or a learned model (evaluated directly).

    Args:
        path: a file of the "look" role (.cube, Hald .png/.tif, model .npz).
        method: "tetrahedral" or "trilinear", for LUT files.
        name: how messages refer to the look (default: the file's name).

    Raises:
        LutlearnError: not a look file, no such file, or unreadable.
    """
    path = Path(path)
    kind = filekinds.require(path, "look", "look")
    if not path.is_file():
        raise LutlearnError(f"{path}: no such look file")
    name = path.name if name is None else name
    if kind.name == "model":
        return FunctionLook(filekinds.reader(kind)(path).apply, name=name)
    return LatticeLook(filekinds.reader(kind)(path), method=method, name=name)
