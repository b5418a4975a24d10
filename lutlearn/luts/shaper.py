"""Resolve's combined ``.cube``: a 1D shaper followed by a 3D LUT.

A ``.cube`` file may hold a 3D table, a 1D table, or (DaVinci Resolve) a 1D
"shaper" followed by a 3D table: the shaper is applied first and its output is
the 3D table's input.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from lutlearn.codes import code_max
from lutlearn.luts.lut import LUT3D
from lutlearn.luts.lut1d import LUT1D

__all__ = ["ShaperLUT", "LatticeStages", "lattice_stages", "code_coords"]


@dataclasses.dataclass(frozen=True, eq=False)
class ShaperLUT:
    """A 1D shaper followed by a 3D LUT (DaVinci Resolve's combined ``.cube``).

    Attributes:
        shaper: applied first, per channel.
        lut: applied to the shaper's output (its domain is Resolve's LUT_3D_INPUT_RANGE).
        title: a name.
    """

    shaper: LUT1D
    lut: LUT3D
    title: str = ""

    @property
    def size(self) -> int:
        """Nodes per axis of the 3D table."""
        return self.lut.size

    def apply(self, rgb: np.ndarray, method: str = "tetrahedral") -> np.ndarray:
        """Shaper then 3D LUT on float colours (..., 3) -> float32 (..., 3)."""
        return self.lut.apply(self.shaper.apply(rgb), method)

    def __str__(self) -> str:
        return f"ShaperLUT {self.title!r}: {self.shaper} then {self.lut}"


@dataclasses.dataclass(frozen=True)
class LatticeStages:
    """A 3D LUT split for whole-image kernels: the per-channel stage, then the lattice.

    Attributes:
        lattice: the 3D table.
        shaper: the 1D shaper applied first, or None.
    """

    lattice: LUT3D
    shaper: LUT1D | None = None

    @property
    def per_channel(self) -> Callable[[np.ndarray], np.ndarray] | None:
        """The reference's stage before the lattice (shaper, then domain scaling), or None when it is the identity."""
        if self.shaper is None and self.lattice.has_default_domain:
            return None
        return self.coords

    def coords(self, rgb: np.ndarray) -> np.ndarray:
        """Colours float32 (M, 3) -> lattice coordinates, exactly as :meth:`ShaperLUT.apply` / :meth:`LUT3D.apply`."""
        if self.shaper is not None:
            rgb = self.shaper.apply(rgb)
        return self.lattice.lattice_coords(rgb)


def lattice_stages(lut: LUT3D | ShaperLUT, method: str) -> LatticeStages:
    """Check that a kernel can take ``lut`` with ``method`` and split it (:class:`LatticeStages`).

    Raises:
        TypeError: another LUT type (1D curves stay with the general path).
        ValueError: another method.
    """
    if method not in ("tetrahedral", "trilinear"):
        raise ValueError(f"interpolation must be 'tetrahedral' or 'trilinear', got {method!r}")
    if isinstance(lut, ShaperLUT):
        return LatticeStages(lut.lut, lut.shaper)
    if isinstance(lut, LUT3D):
        return LatticeStages(lut)
    raise TypeError(f"expected a LUT3D or ShaperLUT, got {type(lut).__name__}")


def code_coords(coords: Callable[[np.ndarray], np.ndarray], bits: int) -> np.ndarray:
    """``coords`` of every ``bits``-bit channel code, per channel: float32 (3, top + 1), C-contiguous.

    Each code is first ``code / top`` (as :func:`lutlearn.codes.from_codes`), so
    per-code tables built from this hold the reference's own numbers.
    """
    top = code_max(bits)
    x = np.arange(int(top) + 1, dtype=np.float32) / np.float32(top)
    return np.ascontiguousarray(np.asarray(coords(np.repeat(x[:, None], 3, axis=1)), np.float32).T)
