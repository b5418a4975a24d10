"""3D LUT interpolation: tetrahedral and trilinear kernels, and tetrahedral weights for any array library.

The kernels take a table (N, N, N, C) indexed [b, g, r] and points (M, 3) in
RGB order already scaled to [0, 1] lattice coordinates; points outside are
clamped to the lattice, as every LUT consumer does. Tetrahedral splits each
cell into the six tetrahedra that share the black-white diagonal (the scheme
of ffmpeg's lut3d, OpenColorIO and Resolve); :func:`_simplex` is the one
definition of that split (and :func:`_corners` of the trilinear cell), used by
the fast numpy kernel, by the compiled kernels of :mod:`lutlearn.luts.kernel`
and by :func:`tetrahedral_weights` (numpy or jax.numpy, for training and
solving the residual lattice of :mod:`lutlearn.learn.lattice`).

The kernels work on chunks of points that stay in cache, in planar layout
(one contiguous array per channel, for the table too), so every numpy call is
a flat 1-D loop. They release the GIL, so callers may run chunks on several
threads.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["tetrahedral", "trilinear", "pack", "PackedTable", "METHODS", "tetrahedral_weights", "lookup", "axis_cells"]

_CHUNK = 1 << 14


class PackedTable(NamedTuple):
    """A LUT table laid out for the kernels (see :func:`pack`)."""

    planes: np.ndarray  # float32 (C, N³): one contiguous plane per output channel, red fastest
    size: int  # N


def pack(table: np.ndarray) -> PackedTable:
    """Lay out a table (N, N, N, C) [b, g, r] for repeated calls of the kernels."""
    n, c = table.shape[0], table.shape[-1]
    planes = np.ascontiguousarray(np.asarray(table, np.float32).reshape(-1, c).T)
    return PackedTable(planes, n)


def tetrahedral(table: np.ndarray | PackedTable, points: np.ndarray) -> np.ndarray:
    """Tetrahedral interpolation.

    Args:
        table: float (N, N, N, C) indexed [b, g, r], or its :func:`pack`.
        points: float (M, 3) RGB in [0, 1] (clamped).

    Returns:
        float32 (M, C).

    >>> from lutlearn.luts.lut import identity_grid
    >>> tetrahedral(identity_grid(3), np.array([[0.1, 0.7, 0.4]], np.float32)).astype(float).round(6).tolist()
    [[0.1, 0.7, 0.4]]
    """
    return _chunked(_tetrahedral, table, points)


def trilinear(table: np.ndarray | PackedTable, points: np.ndarray) -> np.ndarray:
    """Trilinear interpolation; same arguments and result as :func:`tetrahedral`."""
    return _chunked(_trilinear, table, points)


def _chunked(kernel, table, points):
    packed = table if isinstance(table, PackedTable) else pack(table)
    points = np.asarray(points, np.float32).reshape(-1, 3)
    out = np.empty((packed.planes.shape[0], points.shape[0]), np.float32)
    for s in range(0, points.shape[0], _CHUNK):
        kernel(packed, points[s : s + _CHUNK], out[:, s : s + _CHUNK])
    return out.T


def _cells(n: int, points: np.ndarray):
    """Cell origin (flat index, (M,) int32) and fractions ((3, M) float32, planar) of each point."""
    i0, f = axis_cells(n, points)
    base = i0[2] * (n * n)
    base += i0[1] * n
    base += i0[0]
    return base, f


def axis_cells(n: int, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each point's cell along each axis (int32 (3, M)) and its fraction within it (float32 (3, M)), clamped.

    Per channel and elementwise: :mod:`lutlearn.luts.tabulated` runs it once
    per 16-bit code and gets the kernels' own numbers.
    """
    f = np.array(points.T, dtype=np.float32, order="C")  # always a copy: worked on in place below
    np.maximum(f, 0.0, out=f)
    np.minimum(f, 1.0, out=f)
    f *= np.float32(n - 1)
    i0 = f.astype(np.int32)
    np.minimum(i0, n - 2, out=i0)
    f -= i0
    return i0, f


def _path(rg, gb, rb, n: int, where):
    """Flat offsets of a cell's 2nd and 3rd tetrahedron vertices from the fractions' order.

    ``rg, gb, rb`` say ``r >= g``, ``g >= b``, ``r >= b``. The path goes along
    the axis with the largest fraction, then to the corner opposite the
    smallest; ties give those vertices zero weight, so any tie-break is exact.
    ``where(cond, a, b)`` is a selection (``xp.where`` on arrays, or on
    Python bools for the table of :func:`_tetrahedron_steps`).
    """
    step1 = where(rg & rb, 1, where(gb, n, n * n))
    smallest = where(gb & rb, n * n, where(rg, n, 1))
    return step1, (1 + n + n * n) - smallest


def _tetrahedron_steps(n: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_path` tabulated by case code ``(r>=g) | (g>=b) << 1 | (r>=b) << 2`` (the numpy kernel's lookup)."""
    step1, step2 = np.zeros(8, np.int32), np.zeros(8, np.int32)
    for code in range(8):
        rg, gb, rb = bool(code & 1), bool(code & 2), bool(code & 4)
        step1[code], step2[code] = _path(rg, gb, rb, n, lambda c, a, b: a if c else b)
    return step1, step2


def _weighted_sum(packed: PackedTable, vertices, weights, out: np.ndarray) -> None:
    """out[c] = sum_k weights[k] * table[c][vertices[k]] for every channel plane c."""
    for plane, o in zip(packed.planes, out):
        np.multiply(plane.take(vertices[0]), weights[0], out=o)
        for v, w in zip(vertices[1:], weights[1:]):
            o += plane.take(v) * w


def _simplex(base, fr, fg, fb, n: int, xp=np):
    """The tetrahedron of each point: its 4 flat vertex indices and their weights.

    Args:
        base: int32 (M,) flat index of each point's cell origin.
        fr, fg, fb: float (M,) fractions within the cell.
        n: nodes per axis.
        xp: numpy or jax.numpy.

    Returns:
        (vertices, weights): two 4-tuples of (M,) arrays; weights sum to 1.
    """
    if xp is np:  # the fast path: byte masks, a table lookup, in-place arithmetic
        code = (fr >= fg).view(np.uint8) | ((fg >= fb).view(np.uint8) << 1) | ((fr >= fb).view(np.uint8) << 2)
        step1, step2 = (s[code] for s in _tetrahedron_steps(n))
        hi = np.maximum(np.maximum(fr, fg), fb)
        lo = np.minimum(np.minimum(fr, fg), fb)
        mid = fr + fg
        mid += fb
        mid -= hi
        mid -= lo
    else:  # selections, not a gather from a table: half the work of a compiled (XLA) kernel
        step1, step2 = _path(fr >= fg, fg >= fb, fr >= fb, n, xp.where)
        hi = xp.maximum(xp.maximum(fr, fg), fb)
        lo = xp.minimum(xp.minimum(fr, fg), fb)
        mid = fr + fg + fb - hi - lo
    vertices = (base, base + step1, base + step2, base + (1 + n + n * n))
    return vertices, (1 - hi, hi - mid, mid - lo, lo)


def _tetrahedral(packed: PackedTable, points: np.ndarray, out: np.ndarray) -> None:
    n = packed.size
    base, (fr, fg, fb) = _cells(n, points)
    vertices, weights = _simplex(base, fr, fg, fb, n)
    _weighted_sum(packed, vertices, weights, out)


def _corners(base, fr, fg, fb, n: int):
    """The cell of each point: its 8 flat corner indices and trilinear weights, numpy or jax.numpy alike.

    Args: as :func:`_simplex`. Returns: (vertices, weights), two 8-lists of (M,) arrays.
    """
    vertices, weights = [], []
    for corner in range(8):
        wr = fr if corner & 1 else 1 - fr
        wg = fg if corner & 2 else 1 - fg
        wb = fb if corner & 4 else 1 - fb
        vertices.append(base + ((corner & 1) + n * ((corner >> 1) & 1) + n * n * (corner >> 2)))
        weights.append(wr * wg * wb)
    return vertices, weights


def _trilinear(packed: PackedTable, points: np.ndarray, out: np.ndarray) -> None:
    n = packed.size
    base, (fr, fg, fb) = _cells(n, points)
    _weighted_sum(packed, *_corners(base, fr, fg, fb, n), out)


METHODS = {"tetrahedral": tetrahedral, "trilinear": trilinear}


def tetrahedral_weights(x, n: int, xp=np):
    """Nodes and weights of each point's tetrahedron in an n³ lattice, in numpy or jax.numpy.

    Args:
        x: float (M, 3) RGB in [0, 1] (clamped).
        n: nodes per axis.
        xp: numpy or jax.numpy (differentiable in ``x`` under jax).

    Returns:
        (idx, w): int32 (M, 4) flat node indices into a [b, g, r] C-order
        table and float (M, 4) weights summing to 1.
    """
    f = xp.clip(x, 0.0, 1.0) * (n - 1)
    lower = xp.minimum(xp.floor(f), n - 2)
    d = f - lower
    i0 = lower.astype(xp.int32)
    base = i0[:, 0] + n * i0[:, 1] + (n * n) * i0[:, 2]
    vertices, weights = _simplex(base, d[:, 0], d[:, 1], d[:, 2], n, xp)
    return xp.stack(vertices, axis=1), xp.stack(weights, axis=1)


def lookup(table, x, xp=np):
    """Tetrahedral lookup of ``x`` (M, 3) in ``table`` (n, n, n, C) [b, g, r] -> (M, C), numpy or jax.numpy.

    :func:`tetrahedral` is the fast numpy kernel for the same result; this one
    is for code that runs under jit and grad (a model's residual lattice).
    """
    idx, w = tetrahedral_weights(x, table.shape[0], xp)
    flat = table.reshape(-1, table.shape[-1])
    return (w[..., None] * flat[idx]).sum(axis=1)
