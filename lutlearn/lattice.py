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
"""

from __future__ import annotations

import numpy as np

__all__ = ["tetrahedral_weights", "lookup", "fit_residual_lattice"]


def tetrahedral_weights(x, n: int, xp=np):
    """Nodes and weights of each point's tetrahedron in an n³ lattice.

    Args:
        x: float (M, 3) RGB in [0, 1] (clamped).
        n: nodes per axis.
        xp: numpy or jax.numpy.

    Returns:
        (idx, w): int32 (M, 4) flat node indices into a [b, g, r] C-order
        table and float (M, 4) weights summing to 1.
    """
    f = xp.clip(x, 0.0, 1.0) * (n - 1)
    lower = xp.minimum(xp.floor(f), n - 2)
    d = f - lower
    i0 = lower.astype(xp.int32)
    strides = xp.asarray([1, n, n * n], dtype=xp.int32)
    base = (i0 * strides).sum(axis=1)
    k1 = xp.argmax(d, axis=1)
    k3 = xp.argmin(d, axis=1)
    k3 = xp.where(k3 == k1, (k1 + 2) % 3, k3)  # all fractions equal: any distinct order works
    k2 = 3 - k1 - k3
    a1 = xp.take_along_axis(d, k1[:, None], axis=1)[:, 0]
    a2 = xp.take_along_axis(d, k2[:, None], axis=1)[:, 0]
    a3 = xp.take_along_axis(d, k3[:, None], axis=1)[:, 0]
    i1 = base + strides[k1]
    idx = xp.stack([base, i1, i1 + strides[k2], base + n * n + n + 1], axis=1)
    w = xp.stack([1 - a1, a1 - a2, a2 - a3, a3], axis=1)
    return idx, w


def lookup(table, x, xp=np):
    """Tetrahedral lookup of ``x`` (M, 3) in ``table`` (n, n, n, C) [b, g, r] -> (M, C)."""
    idx, w = tetrahedral_weights(x, table.shape[0], xp)
    flat = table.reshape(-1, table.shape[-1])
    return (w[..., None] * flat[idx]).sum(axis=1)


def _neighbour_pairs(n: int) -> np.ndarray:
    """(P, 2) flat indices of lattice nodes adjacent along r, g or b."""
    grid = np.arange(n**3).reshape(n, n, n)
    pairs = [np.stack([grid[:, :, :-1].ravel(), grid[:, :, 1:].ravel()], 1),
             np.stack([grid[:, :-1, :].ravel(), grid[:, 1:, :].ravel()], 1),
             np.stack([grid[:-1, :, :].ravel(), grid[1:, :, :].ravel()], 1)]
    return np.concatenate(pairs)


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
    pairs = _neighbour_pairs(n)
    ones = np.ones(len(pairs))
    diff = sp.csr_matrix((np.concatenate([ones, -ones]), (np.tile(np.arange(len(pairs)), 2), pairs.T.ravel())),
                         shape=(len(pairs), nodes))
    normal = (design.T @ design + smoothness * scale * (diff.T @ diff) + ridge * scale * sp.identity(nodes)).tocsr()
    rhs = np.asarray(design.T @ (np.asarray(r, np.float64) * np.sqrt(w)[:, None]))
    jacobi = sp.diags(1.0 / normal.diagonal())  # SPD and diagonally strong: CG converges in a few hundred steps
    solution = np.stack([cg(normal, rhs[:, c], M=jacobi, rtol=1e-8, maxiter=5000)[0] for c in range(3)], axis=1)
    return solution.astype(np.float32).reshape(n, n, n, 3)
