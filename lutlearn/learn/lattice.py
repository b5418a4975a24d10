"""The residual correction lattice: tetrahedral lookup and its least-squares fit.

The accuracy option puts an L³ lattice of residuals on top of the MLP:
``model(x) = mlp(x) + tetrahedral(lattice, x)``. Given the trained MLP, the
best lattice is a linear least-squares problem (lattice regression, Garcia &
Gupta 2009): each sample's prediction is a weighted sum of the 4 nodes of its
tetrahedron, so

    minimise  Σ_i w_i ‖Σ_k a_ik R_k − r_i‖²  +  λ Σ_(k,j neighbours) ‖R_k − R_j‖²  +  ε ‖R‖²

where ``r_i = y_i − mlp(x_i)``. The smoothness term carries the correction
into nodes that no sample touches (photo pairs); the small ridge makes it fade
back to the MLP alone within a few nodes of the data (decay length about
sqrt(λ/ε) ≈ 3 nodes), so a correction learned on dark colours is not
extrapolated to bright ones. Tetrahedral weights are used because that is
how a baked ``.cube`` is applied: baked at the lattice's own size, the LUT
nodes are ``mlp(node) + R``, exactly what was fitted.

Photo pairs (:mod:`lutlearn.learn.photofit`) use the same lattice with *absolute*, noise-aware
priors instead (:func:`solve_lattice`):

:func:`fit_residual_lattice` scales its smoothness and ridge
terms by the mean data weight per node, so the balance between data and prior
is the same for a noiseless chart and a grainy JPEG photo. Here the data term
is weighted by the pixel noise precision, and the priors are absolute:

    minimise  Σ_i w_i ‖Σ_k a_ik R_k − r_i‖² / σ²            (data, pixel noise σ)
            + Σ ‖R_(k−1) − 2 R_k + R_(k+1)‖² / τ_s²          (curvature along r, g, b: ~τ_s)
            + Σ_k ‖R_k − P_k‖² / τ_r²                      (far from data: the prior P, default 0)

so a node backed by a thousand clean pixels follows them exactly, and a node
backed by two grainy pixels follows its neighbours and, beyond them, the prior
(the base network, or a simple global model). The same tetrahedral weights as a
``.cube`` consumer's are used (:func:`lutlearn.luts.interp.tetrahedral_weights`),
so a LUT baked at the lattice size reproduces the solution exactly.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from lutlearn.learn.blas import one_blas_thread, solver_threads
from lutlearn.learn.robust import regular_sample
from lutlearn.luts.interp import tetrahedral_weights

__all__ = [
    "curvature_operator",
    "data_gram",
    "fit_residual_lattice",
    "multilevel_parts",
    "multilevel_preconditioner",
    "neighbour_operator",
    "noise_sample",
    "noise_sigma",
    "normal_matrix",
    "normal_prior",
    "preconditioner_from_parts",
    "prior_parts",
    "solve_lattice",
    "solve_lattice_design",
    "solve_normal",
]


def fit_residual_lattice(x: np.ndarray, r: np.ndarray, w: np.ndarray, n: int,
                         smoothness: float = 1e-3, ridge: float = 1e-4) -> np.ndarray:
    """Least-squares residual lattice.

    Args:
        x: float32 (M, 3) inputs.
        r: float32 (M, 3) residuals to explain (target − MLP).
        w: float32 (M,) sample weights.
        n: nodes per axis.
        smoothness: λ, relative to the mean data weight per node.
        ridge: ε, relative likewise.

    Returns:
        float32 (n, n, n, 3) residual lattice indexed [b, g, r].
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import cg

    nodes = n**3
    idx, a = tetrahedral_weights(np.asarray(x, np.float32), n)
    w = np.asarray(w, np.float64) / np.mean(w)
    rows = np.repeat(np.arange(len(x)), 4)
    design = sp.csr_matrix(((a * np.sqrt(w)[:, None]).ravel(), (rows, idx.ravel())), shape=(len(x), nodes))
    scale = w.sum() / nodes  # regularisers are relative to the data weight a node gets on average
    diff = neighbour_operator(n)
    normal = (design.T @ design + smoothness * scale * (diff.T @ diff) + ridge * scale * sp.identity(nodes)).tocsr()
    rhs = np.asarray(design.T @ (np.asarray(r, np.float64) * np.sqrt(w)[:, None]))
    jacobi = sp.diags(1.0 / normal.diagonal())  # SPD and diagonally strong: CG converges in a few hundred steps
    with one_blas_thread():  # a few hundred small CG steps: extra BLAS threads only spin
        solution = np.stack([cg(normal, rhs[:, c], M=jacobi, rtol=1e-8, maxiter=5000)[0] for c in range(3)], axis=1)
    return solution.astype(np.float32).reshape(n, n, n, 3)


# ---- photo pairs: absolute, noise-aware priors (curvature + ridge) and a multilevel preconditioner
def neighbour_operator(n: int):
    """Sparse (P, n^3) difference operator over lattice nodes adjacent along r, g or b."""
    import scipy.sparse as sp

    grid = np.arange(n**3).reshape(n, n, n)
    pairs = np.concatenate([
        np.stack([grid[:, :, :-1].ravel(), grid[:, :, 1:].ravel()], 1),
        np.stack([grid[:, :-1, :].ravel(), grid[:, 1:, :].ravel()], 1),
        np.stack([grid[:-1, :, :].ravel(), grid[1:, :, :].ravel()], 1)])
    ones = np.ones(len(pairs))
    return sp.csr_matrix((np.concatenate([ones, -ones]), (np.tile(np.arange(len(pairs)), 2), pairs.T.ravel())),
                         shape=(len(pairs), n**3))


NOISE_SAMPLE = 300_000  # a noise level is estimated from at most this many residuals (:func:`noise_sample`)


def noise_sample(n: int) -> slice:
    """The regular subsample of ``n`` residuals that :func:`noise_sigma` estimates the noise from (all of
    them up to :data:`NOISE_SAMPLE`): a caller that takes it first computes no other residuals."""
    return regular_sample(n, NOISE_SAMPLE)


def noise_sigma(residual: np.ndarray, w: np.ndarray | None = None, floor: float = 1.0 / 255.0) -> float:
    """Robust per-pixel noise level (sRGB units) from residuals (P, 3): 1.4826 MAD over all channels."""
    keep = noise_sample(len(residual))  # a regular subsample gives the same robust scale
    residual, w = residual[keep], None if w is None else np.asarray(w)[keep]
    r = np.abs(residual - np.median(residual, axis=0)).ravel()
    if w is None:
        mad = np.median(r)
    else:
        ww = np.repeat(np.asarray(w, np.float64), residual.shape[1])
        order = np.argsort(r)
        cdf = np.cumsum(ww[order])
        mad = r[order][np.searchsorted(cdf, 0.5 * cdf[-1])]
    return float(max(1.4826 * mad, floor))


def curvature_operator(n: int):
    """Sparse (P, n^3) second differences R[k-1] - 2 R[k] + R[k+1] along r, g and b."""
    import scipy.sparse as sp

    grid = np.arange(n**3).reshape(n, n, n)
    trip = np.concatenate([
        np.stack([grid[:, :, :-2].ravel(), grid[:, :, 1:-1].ravel(), grid[:, :, 2:].ravel()], 1),
        np.stack([grid[:, :-2, :].ravel(), grid[:, 1:-1, :].ravel(), grid[:, 2:, :].ravel()], 1),
        np.stack([grid[:-2, :, :].ravel(), grid[1:-1, :, :].ravel(), grid[2:, :, :].ravel()], 1)])
    rows = np.tile(np.arange(len(trip)), 3)
    vals = np.concatenate([np.ones(len(trip)), -2 * np.ones(len(trip)), np.ones(len(trip))])
    return sp.csr_matrix((vals, (rows, trip.T.ravel())), shape=(len(trip), n**3))


PRIOR_ORDER = 2


@functools.lru_cache(maxsize=8)
def normal_prior(n: int, tau_s: float, tau_r: float):
    """The priors' part of the normal matrix (CSR; shared, never modified: callers add to it)."""
    import scipy.sparse as sp

    diff = neighbour_operator(n) if PRIOR_ORDER == 1 else curvature_operator(n)
    return ((diff.T @ diff) / tau_s**2 + sp.identity(n**3) / tau_r**2).tocsr()


def normal_matrix(design, w: np.ndarray, n: int, *, sigma: float, tau_s: float, tau_r: float, gram=None):
    """Sparse normal matrix of :func:`solve_lattice_design`: Dᵀ W D / σ² + priors (CSR, n^3 x n^3).

    ``gram``: Dᵀ W D from :func:`data_gram` of the same design and weights, if the caller has it.
    """
    if gram is None:
        gram = data_gram(design, w)
    return (gram * (1.0 / sigma**2) + normal_prior(n, tau_s, tau_r)).tocsr()


def data_gram(design, w: np.ndarray):
    """Sparse Dᵀ W D (CSR): the data's part of the normal matrix, before the noise level and the priors."""
    import scipy.sparse as sp

    scaled = sp.diags(np.sqrt(np.asarray(w, np.float64))) @ design
    return (scaled.T @ scaled).tocsr()


@functools.lru_cache(maxsize=8)
def _prolongation(n: int):
    """Sparse (n^3, m^3) trilinear map from an m = (n+1)/2 lattice to the n lattice (n odd)."""
    import scipy.sparse as sp

    m = (n + 1) // 2
    rows, cols, vals = [], [], []
    for i in range(n):
        if i % 2 == 0:
            rows.append(i), cols.append(i // 2), vals.append(1.0)
        else:
            rows += [i, i]
            cols += [i // 2, i // 2 + 1]
            vals += [0.5, 0.5]
    p1 = sp.csr_matrix((vals, (rows, cols)), shape=(n, m))
    return sp.kron(sp.kron(p1, p1), p1).tocsr()


@functools.lru_cache(maxsize=4)
def _levels(n: int):
    """The prolongations of :func:`multilevel_preconditioner` (n -> (n+1)/2 -> ...) and their transposes, as CSR."""
    p1 = _prolongation(n)
    p2 = _prolongation((n + 1) // 2)
    p12 = (p1 @ p2).tocsr()
    return p1, p1.T.tocsr(), p2, p12, p12.T.tocsr()


def multilevel_preconditioner(normal, n: int):
    """Additive three-level preconditioner for the lattice normal matrix (n odd, e.g. 33 -> 17 -> 9).

    Jacobi on the fine lattice, Jacobi on the Galerkin 17^3 operator, and an exact
    (dense Cholesky) solve on the 9^3 operator. The curvature prior makes plain
    Jacobi-CG need ~250 iterations; with this about 25. Falls back to Jacobi
    for even sizes or tiny lattices.
    """
    return preconditioner_from_parts([(1.0, multilevel_parts(normal, n))], n)


def multilevel_parts(matrix, n: int):
    """What :func:`multilevel_preconditioner` takes from a matrix: its diagonal, the diagonal of its
    Galerkin 17^3 operator and its dense 9^3 operator (None for sizes it does not coarsen).

    All three are linear in the matrix, so the parts of DᵀWD/σ² + priors are the scaled sum of the
    parts of DᵀWD and of the priors: :func:`preconditioner_from_parts` for a new σ needs no sparse
    triple products.
    """
    if n % 2 == 0 or n < 9 or ((n + 1) // 2) % 2 == 0:
        return matrix.diagonal(), None, None
    p1, _, _, p12, p12t = _levels(n)
    coarse = np.asarray(p1.multiply(matrix @ p1).sum(axis=0)).ravel()  # diag(p1ᵀ M p1), without forming it
    return matrix.diagonal(), coarse, (p12t @ (matrix @ p12)).toarray()


@functools.lru_cache(maxsize=8)
def prior_parts(n: int, tau_s: float, tau_r: float):
    """:func:`multilevel_parts` of :func:`normal_prior` (shared, never modified)."""
    return multilevel_parts(normal_prior(n, tau_s, tau_r), n)


def preconditioner_from_parts(terms, n: int):
    """The preconditioner of Σ scale · matrix, from ``terms`` = [(scale, multilevel_parts(matrix)), ...]."""
    import scipy.linalg
    import scipy.sparse as sp
    from scipy.sparse.linalg import LinearOperator

    diagonal, coarse, coarsest = (sum(scale * part[i] for scale, part in terms) if terms[0][1][i] is not None else None
                                  for i in range(3))
    dinv = 1.0 / diagonal
    if coarse is None:
        return sp.diags(dinv)
    p1, p1t, _, p12, p12t = _levels(n)
    chol = scipy.linalg.cho_factor(coarsest)
    d1inv = 1.0 / coarse

    def apply(r):
        return dinv * r + p1 @ (d1inv * (p1t @ r)) + p12 @ scipy.linalg.cho_solve(chol, p12t @ r)

    return LinearOperator((n**3, n**3), matvec=apply, dtype=np.float64)


def solve_normal(normal, design, target: np.ndarray, w: np.ndarray, *, sigma: float, tau_r: float | None = None,
                 prior: np.ndarray | None = None, x0: np.ndarray | None = None, rtol: float = 1e-5,
                 precond=None) -> np.ndarray:
    """Solve a prepared normal system for one channel's targets by preconditioned CG.

    ``precond`` defaults to :func:`multilevel_preconditioner` (pass one to reuse it across channels).
    """
    from scipy.sparse.linalg import cg

    rhs = design.T @ (np.asarray(w, np.float64) * target / sigma**2)
    if prior is not None:
        rhs = rhs + np.asarray(prior, np.float64) / tau_r**2
    if precond is None:
        precond = multilevel_preconditioner(normal, round(normal.shape[0] ** (1 / 3)))
    return cg(normal, rhs, x0=x0, M=precond, rtol=rtol, maxiter=2000)[0]


def solve_lattice_design(design, target: np.ndarray, w: np.ndarray, n: int, *, sigma: float, tau_s: float,
                         tau_r: float, prior: np.ndarray | None = None, x0: np.ndarray | None = None) -> np.ndarray:
    """One channel of the regularised lattice least squares for any linear design.

    minimise Σ_i w_i (design_i · t − target_i)² / σ² + smoothness / τ_s² + ‖t − prior‖² / τ_r².

    Args:
        design: sparse (M, n^3) rows (tetrahedral weights, possibly resampled or block-averaged).
        target: float (M,) values the rows should reproduce.
        w: float (M,) weights (pixels behind each row, times robust weights).
        n: nodes per axis; sigma, tau_s, tau_r: see :func:`solve_lattice`.
        prior: optional (n^3,) fallback values; x0: optional CG start.

    Returns:
        float64 (n^3,) node values.
    """
    normal = normal_matrix(design, w, n, sigma=sigma, tau_s=tau_s, tau_r=tau_r)
    return solve_normal(normal, design, target, w, sigma=sigma, tau_r=tau_r, prior=prior, x0=x0)


def solve_lattice(x: np.ndarray, r: np.ndarray, w: np.ndarray, n: int, *, sigma: float, tau_s: float = 0.004,
                  tau_r: float = 0.03, prior: np.ndarray | None = None, x0: np.ndarray | None = None) -> np.ndarray:
    """Least-squares residual lattice with noise-aware, absolute regularisation.

    Args:
        x: float32 (M, 3) sample colours (pixels or colour-bin means).
        r: float32 (M, 3) residuals to explain (target − base model).
        w: float (M,) pixels behind each sample (times any robust weight).
        n: nodes per axis.
        sigma: per-pixel noise standard deviation (sRGB units), see :func:`noise_sigma`.
        tau_s: expected difference between neighbouring nodes (sRGB units).
        tau_r: expected distance of a node from ``prior`` (sRGB units).
        prior: optional float (n, n, n, 3) values the lattice falls back to far from
            the data (default zeros: the base model alone).
        x0: optional starting table for CG.

    Returns:
        float32 (n, n, n, 3) residual lattice indexed [b, g, r].
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import cg

    nodes = n**3
    idx, a = tetrahedral_weights(np.asarray(x, np.float32), n)
    w = np.asarray(w, np.float64) / sigma**2
    rows = np.repeat(np.arange(len(x)), 4)
    design = sp.csr_matrix(((a * np.sqrt(w)[:, None]).ravel(), (rows, idx.ravel())), shape=(len(x), nodes))
    normal = (design.T @ design + normal_prior(n, tau_s, tau_r)).tocsr()
    rhs = np.asarray(design.T @ (np.asarray(r, np.float64) * np.sqrt(w)[:, None]))
    if prior is not None:
        rhs = rhs + prior.reshape(nodes, 3) / tau_r**2
    precond = multilevel_preconditioner(normal, n)
    start = None if x0 is None else x0.reshape(nodes, 3)

    def channel(c):
        return cg(normal, rhs[:, c], x0=None if start is None else start[:, c], M=precond, rtol=1e-5, maxiter=2000)[0]

    pool = ThreadPoolExecutor(max_workers=solver_threads())  # the channels side by side (same result)
    try:
        sol = np.stack(list(pool.map(channel, range(3))), axis=1)
    finally:  # on an error or an interrupt, what has not started yet is not run
        pool.shutdown(cancel_futures=True)
    return sol.astype(np.float32).reshape(n, n, n, 3)
