"""1D LUTs: three per-channel curves.

:class:`LUT1D` shares the ``apply(rgb, method)`` signature of
:class:`~lutlearn.luts.lut.LUT3D`, so code that applies looks does not care
which one a file held.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lutlearn.errors import ShapeError
from lutlearn.luts.lut import TableLUT, check_colours

__all__ = ["LUT1D"]


@dataclasses.dataclass(frozen=True, eq=False)
class LUT1D(TableLUT):
    """Three per-channel curves sampled at ``size`` evenly spaced inputs.

    Attributes:
        table: float32 (M, 3); row k is the output for input
            ``domain_min + k / (M - 1) * (domain_max - domain_min)``, per channel.
        title: a name, written as the .cube TITLE.
        domain_min, domain_max: (3,) input range per channel (RGB), default 0..1.

    >>> LUT1D(np.array([[0, 0, 0], [1, 0.5, 1]], np.float32)).apply(np.array([0.5, 0.5, 0.5])).tolist()
    [0.5, 0.25, 0.5]
    """

    def _check(self, t: np.ndarray) -> None:
        if t.ndim != 2 or t.shape[1] != 3 or not 2 <= t.shape[0] <= 65536:
            raise ShapeError(f"a 1D LUT table has shape (M, 3) with M in 2..65536, got {t.shape}")

    @classmethod
    def identity(cls, size: int = 1024, title: str = "") -> "LUT1D":
        """The identity curves with ``size`` samples over 0..1."""
        ramp = np.linspace(0.0, 1.0, size, dtype=np.float32)
        return cls(np.repeat(ramp[:, None], 3, axis=1), title=title)

    def apply(self, rgb: np.ndarray, method: str = "tetrahedral") -> np.ndarray:
        """Linear interpolation per channel; inputs are clamped to the domain.

        Args:
            rgb: float array (..., 3).
            method: ignored (accepted so every LUT type applies alike).

        Returns:
            float32 array of the same shape.
        """
        rgb = check_colours(rgb)
        m = self.size
        x = (rgb.reshape(-1, 3) - self.domain_min) / (self.domain_max - self.domain_min)
        x = np.clip(x, 0.0, 1.0) * np.float32(m - 1)
        i0 = np.minimum(x.astype(np.int32), m - 2)
        frac = x - i0
        cols = np.arange(3)
        lo, hi = self.table[i0, cols], self.table[i0 + 1, cols]
        return (lo + (hi - lo) * frac).astype(np.float32).reshape(rgb.shape)

    def __str__(self) -> str:
        dom = "" if self.has_default_domain else f", domain {self.domain_min.tolist()}..{self.domain_max.tolist()}"
        return f"LUT1D {self.title!r}: {self.size} samples{dom}"
