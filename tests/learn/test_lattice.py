import numpy as np
import pytest

from lutlearn.learn.lattice import (
    _levels,
    data_gram,
    fit_residual_lattice,
    multilevel_parts,
    multilevel_preconditioner,
    normal_matrix,
    preconditioner_from_parts,
    prior_parts,
)
from lutlearn.luts.interp import lookup, tetrahedral_weights
from lutlearn.luts.lut import LUT3D, identity_grid

rng = np.random.default_rng(0)


@pytest.mark.parametrize("n", [2, 5, 17])
def test_weights_are_a_partition_of_unity_over_4_corners(n):
    x = rng.random((2000, 3), dtype=np.float32)
    idx, w = tetrahedral_weights(x, n)
    assert idx.shape == (2000, 4) and (idx >= 0).all() and (idx < n**3).all()
    np.testing.assert_allclose(w.sum(axis=1), 1, atol=1e-6)
    assert (w >= -1e-7).all()
    # the weights reproduce linear functions exactly, as any interpolation on the lattice must
    nodes = identity_grid(n).reshape(-1, 3)
    np.testing.assert_allclose((w[..., None] * nodes[idx]).sum(axis=1), x, atol=1e-5)


def test_least_squares_recovers_a_lattice_function():
    table = 0.05 * rng.standard_normal((9, 9, 9, 3)).astype(np.float32)
    x = rng.random((60000, 3), dtype=np.float32)
    fitted = fit_residual_lattice(x, lookup(table, x), np.ones(len(x), np.float32), 9, smoothness=1e-6, ridge=1e-9)
    np.testing.assert_allclose(fitted, table, atol=2e-3)


def test_correction_fades_where_there_is_no_data():
    x = rng.random((20000, 3), dtype=np.float32) * 0.3  # dark colours only, as in one photo
    fitted = fit_residual_lattice(x, np.full((20000, 3), 0.1, np.float32), np.ones(20000, np.float32), 9)
    assert abs(lookup(fitted, np.array([[0.1, 0.1, 0.1]], np.float32))[0, 0] - 0.1) < 0.01
    assert abs(lookup(fitted, np.array([[1.0, 1.0, 1.0]], np.float32))[0, 0]) < 0.05  # far away: close to 0


def test_baked_at_its_own_size_the_lut_nodes_are_the_fitted_model(darkroom_model):
    import dataclasses

    from lutlearn.learn.model import MLPSpec

    model = darkroom_model.model
    table = 0.01 * rng.standard_normal((9, 9, 9, 3)).astype(np.float32)
    latticed = dataclasses.replace(model, spec=model.spec._replace(lattice=9), params={**model.params, "lattice": table})
    nodes = identity_grid(9).reshape(-1, 3)
    np.testing.assert_allclose(latticed.bake(9).table.reshape(-1, 3), np.clip(latticed.predict(nodes), 0, 1), atol=1e-6)
    assert isinstance(latticed.bake(9), LUT3D) and latticed.spec == MLPSpec(lattice=9)


def test_the_preconditioner_of_a_new_noise_level_comes_from_kept_parts():
    """multilevel_parts is linear in the matrix and holds its Galerkin coarse operators, so the
    preconditioner of DᵀWD/σ² + priors for any σ is built from DᵀWD's parts and the priors' parts."""
    import scipy.sparse as sp

    n = 17
    x = rng.random((5000, 3), dtype=np.float32)
    idx, a = tetrahedral_weights(x, n)
    design = sp.csr_matrix((a.ravel(), (np.repeat(np.arange(len(x)), 4), idx.ravel())), shape=(len(x), n**3))
    w = rng.uniform(0.5, 2.0, len(x))
    gram = data_gram(design, w)
    for sigma in (0.01, 0.05):
        normal = normal_matrix(design, w, n, sigma=sigma, tau_s=0.004, tau_r=0.03)
        diagonal, coarse, coarsest = multilevel_parts(normal, n)
        p1, p1t, p2, _, _ = _levels(n)
        galerkin = (p1t @ normal @ p1).tocsr()  # the coarse operators, formed the long way
        np.testing.assert_allclose(coarse, galerkin.diagonal(), rtol=1e-12)
        np.testing.assert_allclose(coarsest, (p2.T @ galerkin @ p2).toarray(), rtol=1e-12,
                                   atol=1e-9 * abs(coarsest).max())
        terms = [(1 / sigma**2, multilevel_parts(gram, n)), (1.0, prior_parts(n, 0.004, 0.03))]
        kept = preconditioner_from_parts(terms, n)
        v = rng.standard_normal(n**3)
        np.testing.assert_allclose(kept @ v, multilevel_preconditioner(normal, n) @ v, rtol=1e-9)
