"""3D LUT interpolation kernels (numpy): tetrahedral and trilinear.

Both take a table (N, N, N, C) indexed [b, g, r] and points (M, 3) in RGB order
already scaled to [0, 1] lattice coordinates; points outside are clamped to the
lattice, as every LUT consumer does. Tetrahedral splits each cell into the six
tetrahedra that share the black-white diagonal (the scheme of ffmpeg's lut3d,
OpenColorIO and Resolve).
"""

from __future__ import annotations

import numpy as np

__all__ = ["tetrahedral", "trilinear", "METHODS"]

_CHUNK = 1 << 20


def _cells(table: np.ndarray, points: np.ndarray):
    n = table.shape[0]
    f = np.clip(points, 0.0, 1.0) * np.float32(n - 1)
    i0 = np.minimum(f.astype(np.int32), n - 2)
    d = (f - i0).astype(np.float32)
    base = (i0[:, 2] * n + i0[:, 1]) * n + i0[:, 0]
    strides = np.array([1, n, n * n], dtype=np.int32)  # r, g, b steps in the flat table
    return base, d, strides


def tetrahedral(table: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Tetrahedral interpolation of ``points`` (M, 3) in ``table`` (N, N, N, C) -> (M, C) float32."""
    return _chunked(_tetrahedral, table, points)


def trilinear(table: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Trilinear interpolation of ``points`` (M, 3) in ``table`` (N, N, N, C) -> (M, C) float32."""
    return _chunked(_trilinear, table, points)


def _chunked(kernel, table, points):
    flat = np.ascontiguousarray(table, dtype=np.float32).reshape(-1, table.shape[-1])
    out = np.empty((points.shape[0], table.shape[-1]), np.float32)
    for s in range(0, points.shape[0], _CHUNK):
        out[s : s + _CHUNK] = kernel(flat, table.shape[0], points[s : s + _CHUNK])
    return out


def _tetrahedral(flat, n, points):
    base, d, strides = _cells(flat.reshape(n, n, n, -1), points)
    order = np.argsort(-d, axis=1, kind="stable")  # axes by decreasing fraction
    a = np.take_along_axis(d, order, axis=1)  # a1 >= a2 >= a3
    step = strides[order]  # flat offset of moving along each sorted axis
    v0 = flat[base]
    i1 = base + step[:, 0]
    i2 = i1 + step[:, 1]
    v3 = flat[base + strides.sum()]
    w = np.stack([1 - a[:, 0], a[:, 0] - a[:, 1], a[:, 1] - a[:, 2], a[:, 2]], axis=1)[..., None]
    return w[:, 0] * v0 + w[:, 1] * flat[i1] + w[:, 2] * flat[i2] + w[:, 3] * v3


def _trilinear(flat, n, points):
    base, d, strides = _cells(flat.reshape(n, n, n, -1), points)
    out = np.zeros((points.shape[0], flat.shape[1]), np.float32)
    for corner in range(8):
        bits = np.array([(corner >> k) & 1 for k in range(3)])
        w = np.prod(np.where(bits, d, 1 - d), axis=1)
        out += w[:, None] * flat[base + int(bits @ strides)]
    return out


METHODS = {"tetrahedral": tetrahedral, "trilinear": trilinear}
