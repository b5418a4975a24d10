"""The numpy kernel for 16-bit codes: each channel's lattice cell looked up by code, bit-identical to the reference.

Everything a 3D LUT does to one channel before the lattice (the shaper, the
domain scaling, clamping, finding the cell and the fraction within it) depends
on that channel's code alone. :func:`tabulate` evaluates it once for each of
the 65,536 codes with the reference's own arithmetic
(:meth:`~lutlearn.luts.lut.LUT3D.apply` and :func:`lutlearn.luts.interp.axis_cells`),
so :func:`apply_codes` replaces six passes per channel by two table lookups and
then runs the reference's tetrahedron (or trilinear cell) and weighted sum on
the same numbers. Its codes are :func:`lutlearn.codes.to_codes` of
``blend(x, lut.apply(x), strength)``, bit for bit, at about 1.7x less CPU time
than the general path (measured on a 2-core EPYC: 98 vs 170 ms per 4.2 Mpx on
one core). No JAX: a fresh process pays no import for it.

>>> from lutlearn.luts.lut import LUT3D, identity_grid
>>> tab = tabulate(LUT3D(identity_grid(5) ** 2), "tetrahedral")
>>> codes = np.array([[0, 32768, 65535]], np.uint16)
>>> out = np.empty_like(codes)
>>> apply_codes(tab, codes, out), out.tolist()
(0, [[0, 16384, 65535]])
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lutlearn.codes import round_scaled
from lutlearn.luts import interp
from lutlearn.luts.lut import LUT3D
from lutlearn.luts.shaper import ShaperLUT, code_coords, lattice_stages

__all__ = ["TabulatedLut", "tabulate", "apply_codes"]

_TOP = np.float32(65535)


@dataclasses.dataclass(frozen=True, eq=False)
class TabulatedLut:
    """A 3D LUT laid out for 16-bit codes (made by :func:`tabulate`).

    Attributes:
        packed: the table in the interpolation kernels' layout.
        method: "tetrahedral" or "trilinear".
        offsets: int32 (3, 65536): the flat offset of each code's cell along
            its axis (red 1, green N, blue N²).
        fractions: float32 (3, 65536): each code's fraction within its cell.
        in_range: every table value lies in [0, 1], so nothing can be clipped.
    """

    packed: interp.PackedTable
    method: str
    offsets: np.ndarray
    fractions: np.ndarray
    in_range: bool


def tabulate(lut: LUT3D | ShaperLUT, method: str = "tetrahedral") -> TabulatedLut:
    """Lay out a 3D LUT (or a shaper + 3D LUT) for :func:`apply_codes`.

    Raises:
        TypeError: another LUT type.
        ValueError: another method.
    """
    stages = lattice_stages(lut, method)
    lattice = stages.lattice
    n = lattice.size
    cells, fractions = interp.axis_cells(n, code_coords(stages.coords, 16).T)
    offsets = cells * np.array([[1], [n], [n * n]], np.int32)
    table = lattice.table
    return TabulatedLut(lattice._packed(), method, np.ascontiguousarray(offsets), fractions,
                        bool(table.min() >= 0.0 and table.max() <= 1.0))


def apply_codes(tab: TabulatedLut, src: np.ndarray, dst: np.ndarray, strength: float = 1.0) -> int:
    """The LUT on 16-bit codes: ``dst = to_codes(blend(x, lut(x), strength), 16)`` with ``x = src / 65535``.

    Args:
        tab: from :func:`tabulate`.
        src: uint16 (M, 3); a chunk that stays in cache (about 2^16 pixels).
        dst: uint16 (M, 3) for the result; may be ``src`` itself.
        strength: 0..1, blend with the original colour.

    Returns:
        How many pixels were clipped (more than half a code outside [0, 1]).
    """
    n = tab.packed.size
    channels = src.T  # views: each take below reads one channel
    base = tab.offsets[0].take(channels[0])
    base += tab.offsets[1].take(channels[1])
    base += tab.offsets[2].take(channels[2])
    fr, fg, fb = (tab.fractions[c].take(channels[c]) for c in range(3))
    cell = interp._simplex if tab.method == "tetrahedral" else interp._corners
    out = np.empty((3, src.shape[0]), np.float32)
    interp._weighted_sum(tab.packed, *cell(base, fr, fg, fb, n), out)
    if strength != 1.0:  # lutlearn.looks.render.blend, in the same float32 order
        x = channels.astype(np.float32) / _TOP
        out -= x
        out *= np.float32(strength)
        out += x
    out *= _TOP
    if tab.in_range and 0.0 <= strength <= 1.0:
        np.rint(out, out=out)  # in [0, top]: nothing to clip
        dst[...] = out.T
        return 0
    codes, clipped = round_scaled(out.T, 16)
    dst[...] = codes
    return clipped
