"""LUT objects: the identity lattice, what every table LUT shares, and :class:`LUT3D`."""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from lutlearn.errors import LutlearnError, ShapeError
from lutlearn.luts import interp

__all__ = ["LUT3D", "TableLUT", "identity_grid", "checked_domain", "check_colours"]


def identity_grid(n: int) -> np.ndarray:
    """The identity lattice.

    Args:
        n: nodes per axis, 2..256.

    Returns:
        float32 (n, n, n, 3) indexed [b, g, r]; ``grid[b, g, r] == (r, g, b) / (n - 1)``.

    >>> identity_grid(2)[0, 1, 1].tolist()
    [1.0, 1.0, 0.0]
    """
    if not 2 <= n <= 256:
        raise ShapeError(f"lattice size must be in 2..256, got {n}")
    axis = np.arange(n, dtype=np.float32) / np.float32(n - 1)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")
    return np.stack([r, g, b], axis=-1)


def check_colours(rgb) -> np.ndarray:
    """``rgb`` as float32 (..., 3), or ShapeError."""
    rgb = np.asarray(rgb, dtype=np.float32)
    if rgb.shape[-1:] != (3,):
        raise ShapeError(f"expected colours of shape (..., 3), got {rgb.shape}")
    return rgb


def checked_domain(lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """Input domain bounds as float32 (3,) arrays (scalars broadcast), or LutlearnError if max <= min."""
    lo = np.broadcast_to(np.asarray(lo, np.float32), (3,)).copy()
    hi = np.broadcast_to(np.asarray(hi, np.float32), (3,)).copy()
    if not (hi > lo).all():
        raise LutlearnError(f"LUT domain max {hi.tolist()} must exceed min {lo.tolist()}")
    return lo, hi


@dataclasses.dataclass(frozen=True, eq=False)
class TableLUT:
    """What every LUT type shares: a float32 table, a title and a per-channel input domain.

    Subclasses define ``_check(table)``, which raises for a table of the wrong shape.
    """

    table: np.ndarray
    title: str = ""
    domain_min: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(3, np.float32))
    domain_max: np.ndarray = dataclasses.field(default_factory=lambda: np.ones(3, np.float32))

    def __post_init__(self):
        t = np.asarray(self.table, dtype=np.float32)
        self._check(t)
        if not np.isfinite(t).all():
            raise LutlearnError(f"{type(self).__name__} table holds NaN or infinite values")
        lo, hi = checked_domain(self.domain_min, self.domain_max)
        object.__setattr__(self, "table", np.ascontiguousarray(t))
        object.__setattr__(self, "domain_min", lo)
        object.__setattr__(self, "domain_max", hi)

    def _check(self, table: np.ndarray) -> None:
        raise NotImplementedError

    @property
    def size(self) -> int:
        """Nodes per axis (3D) or samples per curve (1D)."""
        return self.table.shape[0]

    @property
    def has_default_domain(self) -> bool:
        return bool((self.domain_min == 0).all() and (self.domain_max == 1).all())


@dataclasses.dataclass(frozen=True, eq=False)
class LUT3D(TableLUT):
    """A 3D lookup table.

    Attributes:
        table: float32 (N, N, N, 3) indexed [b, g, r] (C-order flattening is .cube order).
        title: a name, written as the .cube TITLE.
        domain_min: (3,) input value of the first node per channel (RGB), default 0.
        domain_max: (3,) input value of the last node per channel (RGB), default 1.

    >>> lut = LUT3D.identity(5)
    >>> lut.apply(np.array([0.2, 0.5, 0.9], np.float32)).astype(float).round(6).tolist()
    [0.2, 0.5, 0.9]
    """

    def _check(self, t: np.ndarray) -> None:
        if t.ndim != 4 or t.shape[-1] != 3 or not (t.shape[0] == t.shape[1] == t.shape[2]):
            raise ShapeError(f"a LUT table has shape (N, N, N, 3), got {t.shape}")
        if not 2 <= t.shape[0] <= 256:
            raise ShapeError(f"LUT size must be in 2..256, got {t.shape[0]}")

    @classmethod
    def identity(cls, size: int = 33, title: str = "") -> "LUT3D":
        """The identity LUT of ``size`` nodes per axis."""
        return cls(identity_grid(size), title=title)

    @classmethod
    def bake(cls, fn: Callable[[np.ndarray], np.ndarray], size: int = 33, title: str = "") -> "LUT3D":
        """Sample ``fn`` (float32 (M, 3) -> (M, 3)) at the nodes of a ``size``³ lattice."""
        grid = identity_grid(size)
        out = np.asarray(fn(grid.reshape(-1, 3)), dtype=np.float32).reshape(grid.shape)
        return cls(out, title=title)

    def apply(self, rgb: np.ndarray, method: str = "tetrahedral") -> np.ndarray:
        """Apply the LUT to float colours.

        Args:
            rgb: float array (..., 3), RGB.
            method: "tetrahedral" (default) or "trilinear".

        Returns:
            float32 array of the same shape.
        """
        rgb = check_colours(rgb)
        if method not in interp.METHODS:
            raise LutlearnError(f"interpolation must be one of {sorted(interp.METHODS)}, got {method!r}")
        points = self.lattice_coords(rgb.reshape(-1, 3))
        return interp.METHODS[method](self._packed(), points).reshape(rgb.shape)

    def lattice_coords(self, points: np.ndarray) -> np.ndarray:
        """Input colours float32 (M, 3) -> lattice coordinates (0 at the first node, 1 at the last; not clamped).

        The domain scaling of :meth:`apply`, defined once (the compiled kernels
        of :mod:`lutlearn.luts.kernel` tabulate it); ``points`` itself for the
        default domain 0..1.
        """
        if self.has_default_domain:
            return points
        return (points - self.domain_min) / (self.domain_max - self.domain_min)

    def _packed(self) -> interp.PackedTable:
        """The table in the kernels' layout, made on first use and kept (the LUT is immutable)."""
        packed = self.__dict__.get("_packed_table")
        if packed is None:
            packed = interp.pack(self.table)
            object.__setattr__(self, "_packed_table", packed)
        return packed

    def __str__(self) -> str:
        dom = "" if self.has_default_domain else f", domain {self.domain_min.tolist()}..{self.domain_max.tolist()}"
        return f"LUT3D {self.title!r}: {self.size}^3 nodes{dom}"
