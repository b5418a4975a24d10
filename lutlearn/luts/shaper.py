"""Resolve's combined ``.cube``: a 1D shaper followed by a 3D LUT.

A ``.cube`` file may hold a 3D table, a 1D table, or (DaVinci Resolve) a 1D
"shaper" followed by a 3D table: the shaper is applied first and its output is
the 3D table's input.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lutlearn.luts.lut import LUT3D
from lutlearn.luts.lut1d import LUT1D

__all__ = ["ShaperLUT"]


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
