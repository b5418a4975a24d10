"""The traced bodies of the compiled LUT kernels (:mod:`lutlearn.luts.kernel`): jax.numpy, bit-exact to numpy.

Each body turns a strip of pixels into output pixels in two fused loops: the
first reads the codes, finds each pixel's cell and its tetrahedron (or cube)
vertices and weights -- with :func:`lutlearn.luts.interp._simplex` and
``_corners``, the same split as the numpy kernel -- and stores them; the
second gathers the table rows, sums, blends with the original colour and
rounds back to codes.

Exactness. The results equal the numpy reference (``LUT3D.apply`` with
:mod:`lutlearn.luts.interp`, then :func:`lutlearn.looks.render.look_codes`)
bit for bit, not merely closely:

- XLA's CPU backend contracts ``a * b + c`` into one fused multiply-add, which
  rounds once instead of twice, and rewrites a division by a broadcast scalar
  as a multiplication by its reciprocal. Either changes the last bit of a
  float and so, rarely, a rounded code (8 390 of 4.2 M 16-bit pixels one code
  off when left alone). Every product that numpy rounds on its own passes
  through :func:`rounded`, an integer XOR with a zero that XLA only learns at
  run time, which nothing can be contracted across; ``code / top`` divides by
  ``top + c * 0``, a divisor XLA cannot prove to be a broadcast, so the true,
  correctly rounded division stays (:func:`divide`).
- A Resolve shaper or a non-default input domain is not traced at all: the
  lattice coordinate of every channel code is tabulated by the numpy code
  itself (``tables``), and the kernel gathers it.
- No reduction inside the loops (counting clipped pixels there made XLA split
  them and recompute the gathers, 6x slower): a LUT whose values all lie in
  [0, 1] cannot clip (the weights are non-negative and sum to 1, the blend is
  convex), so its kernel rounds to codes itself; any other returns the scaled
  floats and numpy rounds and counts them (:func:`lutlearn.codes.round_scaled`).

Only :mod:`lutlearn.luts.kernel` imports this module (it imports JAX).
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import lax

from lutlearn.luts.interp import _corners, _simplex

__all__ = ["build", "divide", "lattice", "rounded"]


def rounded(x, zero):
    """``x`` itself, but opaque to the compiler: the product ``x`` is rounded on its own, never fused."""
    return lax.bitcast_convert_type(lax.bitcast_convert_type(x, jnp.int32) ^ zero, jnp.float32)


def divide(codes, top: float):
    """Integer codes (M, 3) -> float32 ``code / top``, correctly rounded like numpy's division."""
    c = codes.astype(jnp.float32)
    return c / (jnp.float32(top) + c * 0.0)


def _cells(p, n: int, zero):
    """Lattice coordinates (M, 3) -> flat cell origin (M,) int32 and fractions (M, 3), as interp._cells."""
    f = rounded(jnp.minimum(jnp.maximum(p, 0.0), 1.0) * jnp.float32(n - 1), zero)
    i0 = jnp.minimum(f.astype(jnp.int32), n - 2)
    f = f - i0.astype(jnp.float32)
    return i0[:, 2] * (n * n) + i0[:, 1] * n + i0[:, 0], f


def lattice(rows, p, n: int, method: str, zero):
    """Interpolate the table ``rows`` (N³, 4) at lattice coordinates ``p`` (M, 3) -> float32 (M, 3).

    An ``optimization_barrier`` on the vertices and weights makes XLA store
    them (M, 4 or 8) instead of recomputing the tetrahedron for every gathered
    value; in strips of 2^18 pixels they stay in the cache.
    """
    base, f = _cells(p, n, zero)
    split = _simplex if method == "tetrahedral" else _corners
    vertices, weights = split(base, f[:, 0], f[:, 1], f[:, 2], n, **({"xp": jnp} if split is _simplex else {}))
    v, w = lax.optimization_barrier((jnp.stack(vertices, 1), jnp.stack(weights, 1)))
    out = None
    for k in range(v.shape[1]):  # left to right, each product rounded: numpy's order
        term = rounded(rows[v[:, k]][:, :3] * w[:, k, None], zero)
        out = term if out is None else out + term
    return out


def _blend(x, out, strength, zero):
    """``x + strength * (out - x)``, as render's numpy blend (``strength`` is a run-time scalar)."""
    return x + rounded(strength * (out - x), zero)


def build(kind: str, n: int, method: str, blend: bool, top: float, exact_range: bool, tabulated: bool):
    """The kernel body for one combination of static choices, to be jitted.

    Args:
        kind: "codes" ((M, 3) uint8/uint16 in), "packed8" ((M,) uint32 ``r | g << 8 | b << 16`` in)
            or "floats" ((M, 3) float32 in).
        n: lattice nodes per axis.
        method: "tetrahedral" or "trilinear".
        blend: strength below 1 (the blend is traced).
        top: 255 or 65535 (codes, packed8).
        exact_range: the LUT's values lie in [0, 1]: round to codes in the kernel;
            otherwise return the values scaled by ``top``, unrounded.
        tabulated: the lattice coordinate of each channel code comes from
            ``tables`` (3, top + 1); otherwise it is ``code / top``.

    Returns:
        A function of (rows, tables, strength, zero, pixels) for "codes" and
        "packed8", of (rows, strength, zero, rgb, lattice_rgb) for "floats".
    """

    def from_codes(rows, tables, strength, zero, idx):
        p = jnp.stack([tables[c][idx[:, c]] for c in range(3)], axis=1) if tabulated else divide(idx, top)
        out = lattice(rows, p, n, method, zero)
        if blend:
            out = _blend(divide(idx, top), out, strength, zero)
        if exact_range:
            return jnp.clip(jnp.rint(out * jnp.float32(top)), 0.0, top)
        return out * jnp.float32(top)

    def codes_kernel(rows, tables, strength, zero, codes):
        out = from_codes(rows, tables, strength, zero, codes.astype(jnp.int32))
        return out.astype(codes.dtype) if exact_range else out

    def packed8_kernel(rows, tables, strength, zero, packed):
        idx = jnp.stack([(packed >> s) & 255 for s in (0, 8, 16)], axis=1).astype(jnp.int32)
        out = from_codes(rows, tables, strength, zero, idx)
        if not exact_range:
            return out
        v = out.astype(jnp.uint32)
        return v[:, 0] | (v[:, 1] << 8) | (v[:, 2] << 16) | jnp.uint32(1 << 24)

    def floats_kernel(rows, strength, zero, rgb, lattice_rgb):
        out = lattice(rows, lattice_rgb, n, method, zero)
        return _blend(rgb, out, strength, zero) if blend else out

    return {"codes": codes_kernel, "packed8": packed8_kernel, "floats": floats_kernel}[kind]
