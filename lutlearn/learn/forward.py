"""The export as a linear operator on the residual lattice: fit what the after file really holds.

Two steps of a typical export are linear in the graded image:

- **resampling** to the after frame: each after pixel is a weighted sum of
  before pixels (area weights when shrinking);
- **4:2:0 chroma subsampling**: luma is kept per pixel, chroma as the mean of
  each 2x2 block; the decoder then interpolates chroma back to every pixel
  (libjpeg's "fancy" upsampling: 3/4 of the nearer stored sample, 1/4 of the
  next, in each direction), so what a block of the decoded file holds is its
  stored sample blurred with its neighbours' (:func:`upsampling_operator`).

Composed with the tetrahedral interpolation of the lattice (each before pixel
is a weighted sum of 4 lattice nodes), the after file's luma per pixel and
chroma per block are *linear* in the lattice, so the lattice can be solved by
least squares against them directly: colours that only occur in texture or at
colour edges are then constrained by what the file holds (their block or
area averages), instead of being fitted to smeared values.

The rest of the export (DCT quantisation, the editor's exact filter, the
vignette) is not linear; it is handled by Gauss-Newton: the residual is always
computed by the full simulation (:meth:`lutlearn.learn.exportsim.PairGrid.simulate_export`),
and this linear operator only serves as its Jacobian.

The quantisation stays inside the simulation, rounded as the encoder rounds it,
although the residual then jumps by a whole quantiser step wherever the current
look moves a DCT coefficient across a step. Alternatives measured worse on
``scripts/eval_pairs.py``'s half-size JPEG row (Velvia / Portra / Kodachrome,
0.38 / 0.64 / 0.46 ΔE with the rounded simulation), each with the file's own
coefficients (read exactly, not recovered from the decoded planes):

- a dead-zone residual, the distance of each predicted coefficient from the
  file's quantisation interval: exact at the true look (0.10 codes RMS against
  0.75), but it pulls little once a coefficient is inside its interval, and the
  fit stays near its first estimate: 0.69 / 0.92 / 0.69 (in the Gauss-Newton
  steps only: 0.46 / 0.75 / 0.54);
- the interval's mean under a Gaussian around the prediction (σ 2 or 6 codes):
  0.55 / 0.68 / 0.55 and 0.51 / 0.73 / 0.52;
- rounding smoothed by a Gaussian of 0.15 quantiser steps: 0.51 / 0.81 / 0.57;
- the interval's centre where the file's coefficient is not zero, the dead zone
  where it is: 0.72 / 0.93 / 0.70.

Across many coefficients whose true values sit anywhere within their steps,
rounded residuals average to the look's error: they pull toward the look
like a least-squares residual, and nothing above does as well.

In YCbCr the luma rows involve only the Y table and the chroma rows only the
Cb and Cr tables, so the three channels are solved independently.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from lutlearn.luts.interp import tetrahedral_weights

__all__ = ["YCBCR", "ForwardDesign", "area_operator", "block_operator", "forward_design", "gauss_newton_lattice"]

# A 4:2:0 block's chroma row weighs as one of its 4 pixels: the file's error on a stored chroma sample
# (its quantisation) is not made smaller by the 4 pixels behind it. Measured on scripts/eval_pairs.py
# (3 seeds): 1 against 2 takes the half-size rows from 0.41/0.70/0.52 to 0.41/0.69/0.49 and the JPEG rows
# from 0.34/0.53/0.38 to 0.32/0.53/0.36; 4 is worse (0.47/0.71/0.57), 0.5 mixed.
CHROMA_BLOCK_WEIGHT = 1.0
YCBCR = np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]], np.float64)


def _axis_area(n_out: int, n_in: int, scale: float, offset: float):
    """Sparse (n_out, n_in) area weights along one axis.

    Output pixel u (centre coords) covers input edge-coordinates
    [(u - 0.5) * scale + offset + 0.5, (u + 0.5) * scale + offset + 0.5], clamped to the input.
    """
    import scipy.sparse as sp

    rows, cols, vals = [], [], []
    for u in range(n_out):
        lo = (u - 0.5) * scale + offset + 0.5
        hi = (u + 0.5) * scale + offset + 0.5
        lo, hi = max(lo, 0.0), min(hi, float(n_in))
        if hi <= lo:
            lo, hi = min(max(lo, 0.0), n_in - 1e-3), min(max(lo, 0.0), n_in - 1e-3) + 1e-3
        q0, q1 = int(np.floor(lo)), int(np.ceil(hi))
        for q in range(q0, min(q1, n_in)):
            ov = min(hi, q + 1) - max(lo, q)
            if ov > 0:
                rows.append(u)
                cols.append(q)
                vals.append(ov / (hi - lo))
    return sp.csr_matrix((vals, (rows, cols)), shape=(n_out, n_in))


def area_operator(after_to_before: np.ndarray, after_shape: tuple[int, int], before_shape: tuple[int, int]):
    """Sparse (Ha*Wa, Hb*Wb) exact area resampling for an axis-aligned scale + shift.

    Args:
        after_to_before: (2, 3) affine map from after pixel coords to before pixel coords
            (no rotation or shear).
        after_shape, before_shape: (H, W) of the two grids.

    Returns:
        scipy.sparse CSR operator acting on row-major flattened single-channel images.
    """
    import scipy.sparse as sp

    ha, wa = after_shape
    hb, wb = before_shape
    kx = _axis_area(wa, wb, after_to_before[0, 0], after_to_before[0, 2])
    ky = _axis_area(ha, hb, after_to_before[1, 1], after_to_before[1, 2])
    return sp.kron(ky, kx, format="csr")


def block_operator(shape: tuple[int, int]):
    """Sparse (blocks, H*W): the mean of each 2x2 block (edge blocks average what they hold)."""
    import scipy.sparse as sp

    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w]
    bw = (w + 1) // 2
    block = ((ys // 2) * bw + xs // 2).ravel()
    n_blocks = ((h + 1) // 2) * bw
    counts = np.bincount(block, minlength=n_blocks)
    return sp.csr_matrix((1.0 / counts[block], (block, np.arange(h * w))), shape=(n_blocks, h * w))


def _axis_upsampling(n: int):
    """Sparse (n, ceil(n/2)): libjpeg's fancy 2x upsampling along one axis (edge samples repeated)."""
    import scipy.sparse as sp

    m = (n + 1) // 2
    u = np.arange(n)
    near = u // 2
    far = np.clip(np.where(u % 2 == 0, near - 1, near + 1), 0, m - 1)
    rows = np.concatenate([u, u])
    return sp.csr_matrix((np.r_[np.full(n, 0.75), np.full(n, 0.25)], (rows, np.r_[near, far])), shape=(n, m))


def upsampling_operator(shape: tuple[int, int]):
    """Sparse (H*W, blocks): a 4:2:0 JPEG decoder's chroma at each pixel from the stored samples.

    libjpeg (and so Pillow, browsers and most editors) decodes with "fancy"
    upsampling: each pixel takes 3/4 of its own block's sample and 1/4 of the
    nearer neighbour's, in each direction. Checked against Pillow's decoder in
    ``tests/learn/test_forward.py``.
    """
    import scipy.sparse as sp

    h, w = shape
    return sp.kron(_axis_upsampling(h), _axis_upsampling(w), format="csr")


@dataclasses.dataclass
class ForwardDesign:
    """Linear export operator of one pair for an n^3 lattice.

    Attributes:
        pixels: sparse (H*W, n^3): lattice -> each grid pixel's exported value (one channel).
        blocks: sparse (blocks, n^3) block means, or None when chroma is not subsampled.
        block_op: sparse (blocks, H*W) the block-mean operator, or None.
        colours: the grid colours when ``pixels`` is their plain tetrahedral design (then
            pixel rows can be merged by colour before solving), else None.
    """

    pixels: object
    blocks: object | None
    block_op: object | None
    colours: np.ndarray | None = None  # (H*W, 3) when ``pixels`` is the plain lattice design of these colours
    blur: object | None = None  # sparse (blocks, blocks): what a decoded block's mean chroma takes from each
    # stored sample (``blocks`` is the stored samples' design: the file's chroma is ``blur @ blocks @ table``)
    merged: tuple | None = None  # (digest of the weights, :func:`_merge_by_colour`'s rows for them): the weights
    # hold between Gauss-Newton steps, and so do the merged rows (0.3 s a step for a 2-Mpx grid)

    def merged_rows(self, w: np.ndarray, n: int):
        """:func:`_merge_by_colour` of :attr:`colours` under pixel weights ``w``, kept while ``w`` is the same."""
        key = (n, hashlib.blake2b(np.ascontiguousarray(w).tobytes(), digest_size=16).digest())
        if self.merged is None or self.merged[0] != key:
            self.merged = key, _merge_by_colour(self.colours, w, n)
        return self.merged[1]


def forward_design(grid, n: int) -> ForwardDesign:
    """The linear export operator of a :class:`lutlearn.learn.exportsim.PairGrid`.

    Modelled: identity registration, and a before image shrunk onto the after grid
    without rotation (:attr:`lutlearn.learn.exportsim.PairGrid.area_op`); 4:2:0 chroma when the after
    file is such a JPEG on that grid. Otherwise (an enlarged or rotated frame) the
    operator is the lattice interpolation of the grid's own colours (the Jacobian is
    taken as the identity).
    """
    import scipy.sparse as sp

    reg = grid.registration
    hb, wb = grid.before.shape[:2]
    idx, a = tetrahedral_weights(grid.before.reshape(-1, 3), n)
    phi = sp.csr_matrix((a.ravel(), (np.repeat(np.arange(hb * wb), 4), idx.ravel())), shape=(hb * wb, n**3))
    colours = None
    if reg.is_identity:
        pixels, colours = phi, grid.before.reshape(-1, 3)
    elif grid.area_op is not None:  # area weights also stand in for the editor's filter (its exact weights,
        pixels = grid.area_op @ phi      # 5-10x more non-zeros, measured no better as a Jacobian)
    else:  # not modelled (an enlarged or rotated frame): the design of the grid's own colours
        idx, a = tetrahedral_weights(grid.x.reshape(-1, 3), n)
        m = grid.x.shape[0] * grid.x.shape[1]
        pixels = sp.csr_matrix((a.ravel(), (np.repeat(np.arange(m), 4), idx.ravel())), shape=(m, n**3))
        return ForwardDesign(pixels, None, None, grid.x.reshape(-1, 3))
    pixels = pixels.tocsr()
    if grid.codec is not None and grid.codec.subsampling == 2:
        op = block_operator(grid.shape)  # a decoded block's mean chroma = its stored sample blurred by the decoder
        blur = (op @ upsampling_operator(grid.shape)).tocsr()
        return ForwardDesign(pixels, (op @ pixels).tocsr(), op, colours, blur)
    return ForwardDesign(pixels, None, None, colours)


def _merge_by_colour(colours: np.ndarray, w: np.ndarray, n: int, bits: int = 7):
    """Rows of pixels whose colours share a 2^-bits cell, merged: (design at the weighted mean colours,
    pixel -> merged row index, merged weights). Within a cell of 2 codes the lattice design is linear,
    so the merged row is exact for the weighted mean of the pixels' rows."""
    import scipy.sparse as sp

    from lutlearn.learn.robust import colour_keys

    keep = w > 0
    keys = np.where(keep, colour_keys(colours, bits), -1)
    uniq, inverse = np.unique(keys, return_inverse=True)
    sw = np.bincount(inverse, weights=w, minlength=len(uniq))
    mean = np.stack([np.bincount(inverse, weights=w * colours[:, c], minlength=len(uniq)) for c in range(3)], 1)
    mean = mean / np.maximum(sw, 1e-300)[:, None]
    if uniq[0] == -1:
        sw[0] = 0.0  # untrusted pixels
    idx, a = tetrahedral_weights(mean.astype(np.float32), n)
    design = sp.csr_matrix((a.ravel(), (np.repeat(np.arange(len(uniq)), 4), idx.ravel())), shape=(len(uniq), n**3))
    return design, inverse, sw


def gauss_newton_lattice(designs, residuals, weights, tables, n, *, sigma, tau_s, tau_r, rtol=1e-5,
                         workers: int | None = None, systems: dict | None = None):
    """One Gauss-Newton step for the residual lattice under the linear export model.

    For each pair, the residual ``after − simulate_export(current look)`` (H, W, 3)
    is turned into linearised targets for the lattice: in YCbCr, luma per pixel
    and chroma per block (or RGB per pixel without chroma subsampling), plus
    the design applied to the current table. The new table minimises the
    weighted squared error of the design against those targets plus the
    lattice priors (:func:`lutlearn.learn.lattice.solve_lattice_design`).

    Args:
        designs: per pair, a :class:`ForwardDesign`.
        residuals: per pair, float32 (H, W, 3) after − simulated export.
        weights: per pair, float32 (H, W) pixel weights.
        tables: current residual table (n, n, n, 3) [b, g, r] in RGB.
        n: nodes per axis.
        sigma: per-pixel noise (sRGB units); tau_s, tau_r: priors.
        workers: threads that set up and solve the luma and chroma systems side by side (default:
            2, or 1 where the process may run on one CPU only); the result does not depend on it.
        systems: a dict the caller keeps across steps: each system's DᵀWD (the costly part of
            its normal matrix) and its coarse operators for the preconditioner are kept in it,
            and a later step with the same designs and weights reuses them instead of building
            them again (the same result, sooner); σ and the priors may change between steps.

    Returns:
        The new table, float32 (n, n, n, 3), RGB.
    """
    import scipy.sparse as sp

    from lutlearn.learn.blas import solver_threads
    from lutlearn.learn.lattice import (
        data_gram,
        multilevel_parts,
        normal_matrix,
        preconditioner_from_parts,
        prior_parts,
        solve_normal,
    )

    to = YCBCR  # always solve in YCbCr: luma rows per pixel, chroma rows per block where the file subsampled it
    cur = tables.reshape(-1, 3).astype(np.float64) @ to.T  # current table in the solve's colour space
    rows = {c: ([], [], [], []) for c in range(3)}  # designs, targets, weights, decoder blurs (or None)
    for d, res, w in zip(designs, residuals, weights):
        r = res.reshape(-1, 3).astype(np.float64) @ to.T
        wf = w.reshape(-1).astype(np.float64)
        merged_rows = None
        for c in range(3):
            blur = None
            if c > 0 and d.blocks is not None:
                design, target, blur = d.blocks, d.block_op @ r[:, c], d.blur
                whole = (d.block_op @ (wf > 0).astype(np.float64)) > 0.999  # every pixel of the block trusted
                if blur is not None:  # ... and of every block the decoder mixes into it
                    whole = (blur @ whole.astype(np.float64)) > 0.999
                wc = CHROMA_BLOCK_WEIGHT * (d.block_op @ wf) * whole
                target = target + (design @ cur[:, c] if blur is None else blur @ (design @ cur[:, c]))
            elif d.colours is not None:  # plain pixel rows: merge pixels of (nearly) the same colour first
                if merged_rows is None:
                    merged_rows = d.merged_rows(wf, n)
                design, inverse, wc = merged_rows
                target = np.bincount(inverse, weights=wf * r[:, c], minlength=len(wc)) / np.maximum(wc, 1e-300)
                target = target + design @ cur[:, c]
            else:
                design, target, wc = d.pixels, r[:, c] + d.pixels @ cur[:, c], wf
            rows[c][0].append(design)
            rows[c][1].append(target)
            rows[c][2].append(wc)
            rows[c][3].append(blur)
    # key -> (the pairs' designs, held so that their ids stay theirs; stacked design; decoder blur;
    #         DᵀWD and its preconditioner parts, or None)
    kept = {} if systems is None else systems
    channels = []  # per channel: design, weights, targets, and the key of its system
    blurs = []
    for c in range(3):
        w, target = np.concatenate(rows[c][2]), np.concatenate(rows[c][1])
        # Cb and Cr always share design, decoder blur and weights: stacked and factored once
        key = (tuple(map(id, rows[c][0])), hashlib.blake2b(w.tobytes(), digest_size=16).digest())
        if key not in kept:
            kept[key] = rows[c][0], sp.vstack(rows[c][0]).tocsr(), _decoder_blur(rows[c][0], rows[c][3]), None
        _, design, blur, _ = kept[key]
        channels.append((design, w, target, key))
        blurs.append(blur)
    for key in [k for k in kept if k not in {ch[3] for ch in channels}]:
        del kept[key]  # only the systems of the latest step are kept

    out = np.empty((n**3, 3))
    stop = threading.Event()  # an error or an interrupt: the workers do not begin another step

    def prepare(key, design, w, blurred):
        if kept[key][3] is None:
            gram = data_gram(design, w)
            kept[key] = (*kept[key][:3], (gram, multilevel_parts(gram, n)))
        gram, parts = kept[key][3]
        # a blurred system is solved on its operator (_solve_blurred): its normal matrix is never needed
        normal = None if blurred else normal_matrix(design, w, n, sigma=sigma, tau_s=tau_s, tau_r=tau_r, gram=gram)
        precond = preconditioner_from_parts([(1.0 / sigma**2, parts), (1.0, prior_parts(n, tau_s, tau_r))], n)
        return normal, precond

    def solve(c, prepared):
        normal, precond = prepared.result()
        if stop.is_set():
            return
        design, w, target, _ = channels[c]
        if blurs[c] is not None:  # rows seen through a JPEG decoder's chroma blur
            out[:, c] = _solve_blurred(design, blurs[c], target, w, n, sigma=sigma, tau_s=tau_s,
                                       tau_r=tau_r, x0=cur[:, c], rtol=rtol, precond=precond)
        else:
            out[:, c] = solve_normal(normal, design, target, w, sigma=sigma, x0=cur[:, c], rtol=rtol, precond=precond)

    # Luma and chroma are independent systems, and scipy's sparse products and mat-vecs release the GIL:
    # two threads set up (DᵀWD, normal matrix, preconditioner) and solve them side by side, with the same
    # arithmetic (so the same result) as one after the other.
    pool = ThreadPoolExecutor(max_workers=workers or solver_threads())
    try:
        prepared = {}
        for (design, w, _, key), blur in zip(channels, blurs):
            if key not in prepared:
                prepared[key] = pool.submit(prepare, key, design, w, blur is not None)
        for f in [pool.submit(solve, c, prepared[channels[c][3]]) for c in range(3)]:
            f.result()
    except BaseException:
        stop.set()
        kept.clear()  # nothing half-built is kept
        raise
    finally:
        pool.shutdown(cancel_futures=True)
    return (out @ np.linalg.inv(to).T).astype(np.float32).reshape(n, n, n, 3)


def _decoder_blur(designs, blurs):
    """One sparse blur for rows stacked from several pairs (identity for a pair without one), or None."""
    import scipy.sparse as sp

    if all(b is None for b in blurs):
        return None
    return sp.block_diag([b if b is not None else sp.identity(d.shape[0]) for d, b in zip(designs, blurs)],
                         format="csr")


def _solve_blurred(design, blur, target, w, n, *, sigma, tau_s, tau_r, x0, rtol, precond):
    """Least squares of ``blur @ design`` against ``target`` (+ the priors), by CG on the operator.

    ``blur @ design`` has ~9x the non-zeros of ``design`` (each decoded block mixes 9 stored
    samples), so its normal matrix is never formed: the operator applies the design, the blur,
    the weights and their transposes in turn (transposes as views, no copies); the preconditioner
    (``precond``) is the unblurred system's.
    """
    from scipy.sparse.linalg import LinearOperator, cg

    from lutlearn.learn.lattice import normal_prior

    prior = normal_prior(n, tau_s, tau_r)
    ws = np.asarray(w, np.float64) / sigma**2

    def weighed(v):
        return design.T @ (blur.T @ (ws * v))

    op = LinearOperator((n**3, n**3), matvec=lambda x: weighed(blur @ (design @ x)) + prior @ x, dtype=np.float64)
    return cg(op, weighed(target), x0=x0, M=precond, rtol=rtol, maxiter=2000)[0]
