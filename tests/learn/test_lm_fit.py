"""The Levenberg-Marquardt trainer of the photo-pair base network (lutlearn.learn.train.lm_fit)."""

import numpy as np
import pytest

from lutlearn.grades import darkroom
from lutlearn.learn.model import MLPSpec
from lutlearn.learn.robust_fit import FitOptions
from lutlearn.learn.train import lm_fit
from lutlearn.learn.train.lbfgs_fit import fit_mlp, init_numpy, pseudo_huber

rng = np.random.default_rng(3)
X = rng.random((3000, 3))
Y = darkroom(X.astype(np.float32)).astype(np.float64)
W = rng.uniform(0.5, 2.0, len(X))


@pytest.mark.parametrize("spec", [MLPSpec(), MLPSpec(hidden=(6, 5), hidden_activation="tanh"),
                                  MLPSpec(hidden=(7,), output_activation="identity")],
                         ids=["3-32-3", "two-hidden-tanh", "identity-output"])
def test_the_gauss_newton_gradient_is_the_loss_gradient(spec):
    """JᵀWe from the blockwise per-sample Jacobian equals the finite-difference gradient of the loss."""
    x, y, w = X[:200], Y[:200], W[:200] / W[:200].sum()
    params = {k: [np.asarray(v, np.float64) for v in vs] for k, vs in init_numpy(spec, y.mean(0), seed=1).items()}
    params["b"][-1] = params["b"][-1] + 0.3  # every ReLU output alive here, so the loss is smooth
    hs, ds, out, dout = lm_fit._predict(params, x, spec)
    e = out - y
    iw = w[:, None] / np.sqrt(1.0 + e * e / 0.02**2) / 3.0
    _, g, n_shared, k = lm_fit._gauss_newton_system(params, hs, ds, dout, e, iw)
    numeric = np.empty_like(g)
    for i in range(len(g)):
        step = np.zeros_like(g)
        step[i] = 1e-6
        up, down = (pseudo_huber(lm_fit._predict(lm_fit._step_params(params, s, n_shared, k), x, spec)[2] - y,
                                 w, 0.02)[0] for s in (step, -step))
        numeric[i] = (up - down) / 2e-6
    np.testing.assert_allclose(g, numeric, rtol=1e-4, atol=1e-9 * np.abs(numeric).max())


def test_the_gauss_newton_matrix_is_jtwj_of_the_per_sample_jacobian():
    """A from the blockwise system equals Σ_c J_cᵀ W_c J_c of finite-difference Jacobians of the outputs."""
    spec = MLPSpec()
    x, y, w = X[:150], Y[:150], W[:150] / W[:150].sum()
    params = {k: [np.asarray(v, np.float64) for v in vs] for k, vs in init_numpy(spec, y.mean(0), seed=2).items()}
    params["b"][-1] = params["b"][-1] + 0.3
    hs, ds, out, dout = lm_fit._predict(params, x, spec)
    e = out - y
    iw = w[:, None] / np.sqrt(1.0 + e * e / 0.02**2) / 3.0
    a, _, n_shared, k = lm_fit._gauss_newton_system(params, hs, ds, dout, e, iw)
    jac = np.empty((len(x), 3, len(a)))
    for i in range(len(a)):
        step = np.zeros(len(a))
        step[i] = 1e-6
        up = lm_fit._predict(lm_fit._step_params(params, step, n_shared, k), x, spec)[2]
        down = lm_fit._predict(lm_fit._step_params(params, -step, n_shared, k), x, spec)[2]
        jac[:, :, i] = (up - down) / 2e-6
    expected = sum(jac[:, c].T @ (iw[:, c:c + 1] * jac[:, c]) for c in range(3))
    np.testing.assert_allclose(a, expected, rtol=1e-3, atol=1e-6 * np.abs(expected).max())


def test_lm_converges_further_than_lbfgs_from_the_same_start():
    start = init_numpy(MLPSpec(), np.average(Y, axis=0, weights=W), seed=0)
    _, lm = lm_fit.fit_mlp_lm(X, Y, W, MLPSpec(), max_iter=20, init_params=start)
    _, lbfgs = fit_mlp(X, Y, W, MLPSpec(), max_iter=1000, init_params=start)
    assert lm["iterations"] <= 20
    assert lm["loss"] < 0.8 * lbfgs["loss"]


def test_a_minimum_ends_the_iterations_early():
    """A target the network can reproduce exactly (another network's output) is found, and then it stops."""
    spec = MLPSpec(hidden=(4,), output_activation="identity")
    x = rng.random((400, 3))
    teacher = lm_fit.LearnedModel(spec=spec, params=init_numpy(spec, np.full(3, 0.5), seed=5))
    y = teacher.predict(x).astype(np.float64)
    model, info = lm_fit.fit_mlp_lm(x, y, np.ones(400), spec, max_iter=500, seed=2)
    assert info["iterations"] < 500
    assert np.abs(model.predict(x) - y).max() < 1e-4


def test_an_unknown_trainer_is_refused():
    with pytest.raises(ValueError, match="trainer"):
        FitOptions(trainer="adam")


def test_only_small_networks_are_fitted_by_lm():
    assert lm_fit.suits(MLPSpec()) and not lm_fit.suits(MLPSpec(hidden=(64, 64)))
    with pytest.raises(ValueError, match="more than"):
        lm_fit.fit_mlp_lm(X[:10], Y[:10], W[:10], MLPSpec(hidden=(64, 64)))
