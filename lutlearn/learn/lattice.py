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

from lutlearn.luts.interp import tetrahedral_weights

__all__ = ["fit_residual_lattice"]


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
