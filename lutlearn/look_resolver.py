"""Turn a ``--look`` argument into a look: anything with ``apply(rgb) -> rgb``.

Accepted:

- a ``.cube`` file (3D, 1D, or Resolve's 1D shaper + 3D): interpolated;
- a Hald CLUT image (``.png``/``.tif``, any level): interpolated;
- a learned model file (``.npz``, :mod:`lutlearn.modelfile`): evaluated
  directly, with no interpolation error;
- the name of a bundled or user look (:mod:`lutlearn.looks`).

Each file type is read by the package's one reader for it
(:func:`lutlearn.formats.read_lut`, :func:`lutlearn.modelfile.load_model`).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from lutlearn.errors import LutlearnError
from lutlearn.interp import METHODS

__all__ = ["Look", "LatticeLook", "FunctionLook", "resolve_look", "LOOK_FILE_EXTENSIONS"]

MODEL_EXTENSIONS = (".npz",)
LOOK_FILE_EXTENSIONS = (".cube", ".png", ".tif", ".tiff") + MODEL_EXTENSIONS


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


def resolve_look(spec: str | os.PathLike, method: str = "tetrahedral") -> Look:
    """The look named by ``spec``: a LUT file, a model file, or a look name.

    Args:
        spec: a path (.cube, Hald .png/.tif, model .npz) or a look name.
        method: interpolation for LUT files ("tetrahedral" or "trilinear").

    Raises:
        LutlearnError: no such file, unreadable file, or no look of that name.

    >>> resolve_look("no_such_look")
    Traceback (most recent call last):
    ...
    lutlearn.looks.LookError: no look named 'no_such_look' (`lutlearn looks` lists them)
    """
    path = Path(spec)
    ext = path.suffix.lower()
    if ext in LOOK_FILE_EXTENSIONS:
        if not path.is_file():
            raise LutlearnError(f"{path}: no such look file")
        if ext in MODEL_EXTENSIONS:
            return _model_look(path)
        from lutlearn.formats import read_lut

        return LatticeLook(read_lut(path), method=method, name=path.name)
    if path.exists() or os.sep in str(spec) or ext:
        raise LutlearnError(f"{spec}: not a look file (expected one of {', '.join(LOOK_FILE_EXTENSIONS)})")
    return _named_look(str(spec), method)


def _model_look(path: Path) -> Look:
    from lutlearn.modelfile import load_model

    model = load_model(path)
    return FunctionLook(model.apply, name=path.name)


def _named_look(name: str, method: str) -> Look:
    from lutlearn.looks import load_look  # bundled and user looks (lutlearn looks)

    return load_look(name, method)
