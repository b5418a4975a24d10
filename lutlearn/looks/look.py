"""What a look is: anything with ``apply(float32 (..., 3)) -> float32 (..., 3)``, and opening look files.

A look file is any file of the ``"look"`` role of :mod:`lutlearn.filekinds`:

- a ``.cube`` file (3D, 1D, or Resolve's 1D shaper + 3D) or a Hald CLUT image
  (``.png``/``.tif``, any level): interpolated (:class:`LatticeLook`);
- a learned model file (``.npz``): evaluated directly, with no interpolation
  error (:class:`FunctionLook`), or baked into a LUT first when asked
  (``bake``: speed for a LUT's interpolation error).

A look's ``kernel(pixels)`` hands :func:`lutlearn.looks.render.render` a
compiled kernel (:mod:`lutlearn.luts.kernel`) that computes exactly what
``apply`` does, only faster, or None: a :class:`LatticeLook` of a 3D LUT
chooses by its ``engine`` (:data:`ENGINES`), any other look has none.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from lutlearn import filekinds, paths
from lutlearn.errors import LutlearnError
from lutlearn.luts.interp import METHODS
from lutlearn.luts.lut import LUT3D
from lutlearn.luts.shaper import ShaperLUT

__all__ = ["COMPILED_MIN_PIXELS", "ENGINES", "FunctionLook", "LatticeLook", "Look", "open_look_file"]

ENGINES = ("auto", "numpy", "compiled")
# 16-bit/float pixels from which "auto" pays JAX's import (0.3-0.6 s, about what the numpy kernel needs for 24 Mpx
# of 16-bit pixels on two cores) for the compiled kernel
COMPILED_MIN_PIXELS = 40_000_000


class Look(Protocol):
    """A colour transform: float32 (..., 3) in [0, 1] -> float32 (..., 3).

    ``kernel(pixels)`` returns a compiled kernel equal to ``apply`` or None;
    ``tabulated()`` the numpy kernel for 16-bit codes equal to it, or None.
    """

    name: str

    def apply(self, rgb: np.ndarray) -> np.ndarray: ...

    def kernel(self, pixels: int = 0): ...

    def tabulated(self): ...


@dataclasses.dataclass(frozen=True, eq=False)
class LatticeLook:
    """A LUT (:class:`LUT3D`, :class:`LUT1D` or :class:`ShaperLUT`) with an interpolation method.

    Attributes:
        lut: the table.
        method: "tetrahedral" or "trilinear" (1D curves are always linear).
        name: how messages refer to it.
        engine: which kernel :meth:`kernel` offers for whole images (the
            results are identical): "compiled" the XLA kernel of
            :mod:`lutlearn.luts.kernel`, "numpy" none (the numpy kernel of
            ``apply``), "auto" (default) the compiled one once JAX is imported
            anyway or for at least :data:`COMPILED_MIN_PIXELS` pixels of work.
    """

    lut: object
    method: str = "tetrahedral"
    name: str = ""
    engine: str = "auto"

    def __post_init__(self):
        if self.method not in METHODS:
            raise LutlearnError(f"interpolation must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.engine not in ENGINES:
            raise LutlearnError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """The LUT applied to float colours (..., 3) -> float32 (..., 3)."""
        return self.lut.apply(rgb, self.method)

    def kernel(self, pixels: int = 0):
        """The compiled kernel of a 3D LUT (made on first use, then kept), or None (see ``engine``).

        Args:
            pixels: how many 16-bit or float pixels the caller is about to
                render with it (for "auto": JAX's import pays off on big work).

        Returns:
            A :class:`~lutlearn.luts.kernel.LutKernel` whose executables are kept
            in ``lutlearn.paths.cache_dir() / "xla"``, or None: a 1D LUT, the
            "numpy" engine, or "auto" on small work with JAX not yet imported.
        """
        if not isinstance(self.lut, (LUT3D, ShaperLUT)) or self.engine == "numpy":
            return None
        if self.engine == "auto" and "jax" not in sys.modules and pixels < COMPILED_MIN_PIXELS:
            return None
        kernel = self.__dict__.get("_kernel")
        if kernel is None:
            from lutlearn.luts.kernel import compile_lut

            kernel = compile_lut(self.lut, self.method, cache_dir=paths.cache_dir() / "xla")
            object.__setattr__(self, "_kernel", kernel)  # the LUT is immutable: so is its kernel
        return kernel

    def tabulated(self):
        """The numpy kernel for 16-bit codes of a 3D LUT (made on first use, then kept), or None (a 1D LUT).

        Returns:
            A :class:`~lutlearn.luts.tabulated.TabulatedLut`: the same codes as
            :meth:`apply`, no JAX (what 16-bit work uses when :meth:`kernel` is None).
        """
        if not isinstance(self.lut, (LUT3D, ShaperLUT)):
            return None
        tab = self.__dict__.get("_tabulated")
        if tab is None:
            from lutlearn.luts.tabulated import tabulate

            tab = tabulate(self.lut, self.method)
            object.__setattr__(self, "_tabulated", tab)  # the LUT is immutable: so are its tables
        return tab


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

    def kernel(self, pixels: int = 0) -> None:
        """None: a function is always evaluated as it is."""

    def tabulated(self) -> None:
        """None: a function is always evaluated as it is."""


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
