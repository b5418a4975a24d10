import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lutlearn.errors import LutlearnError
from lutlearn.learn.model import MLPSpec, dead_outputs, forward, init, parse_hidden, preactivation, to_numpy
from lutlearn.learn.train.sklearn_fit import classic_regressor, from_sklearn

X = np.random.default_rng(0).random((4096, 3), dtype=np.float32)


@pytest.mark.parametrize("hidden", [(32,), (64, 64), (8,)])
@pytest.mark.parametrize("seed", range(10))
def test_init_never_starts_a_dead_relu_output(hidden, seed):
    params = init(jax.random.PRNGKey(seed), MLPSpec(hidden=hidden), y_mean=[0.5, 0.01, 0.0])
    pre = preactivation(to_numpy(params), X, MLPSpec(hidden=hidden))
    assert (pre > 0).mean(axis=0).min() > 0.99  # every output unit alive on (nearly) the whole cube
    assert dead_outputs(params, X, MLPSpec(hidden=hidden)) == []


def test_dead_output_is_detected():
    spec = MLPSpec()
    params = to_numpy(init(jax.random.PRNGKey(0), spec))
    params["b"][-1] = np.array([0.5, -50.0, 0.5], np.float32)
    assert dead_outputs(params, X, spec) == [1]
    assert (forward(params, X, spec)[:, 1] == 0).all()


@pytest.mark.parametrize("spec", [MLPSpec(), MLPSpec(hidden=(16, 8), hidden_activation="tanh")])
def test_a_colours_output_does_not_depend_on_the_colours_evaluated_beside_it(spec):
    # ``lutlearn apply`` caches a look's output per colour across photos: a colour must get the same bits
    # alone and anywhere in a batch (a BLAS product rounds its edge-tile rows differently)
    params = to_numpy(init(jax.random.PRNGKey(5), spec))
    batch = forward(params, X[:1001], spec)
    for i in range(0, 996, 37):
        assert np.array_equal(forward(params, X[i:i + 1], spec), batch[i:i + 1])
        assert np.array_equal(forward(params, X[i:i + 5], spec), batch[i:i + 5])


@pytest.mark.parametrize("spec", [MLPSpec(), MLPSpec(hidden=(16, 8), hidden_activation="tanh", lattice=5)])
def test_numpy_and_jax_forward_agree(spec):
    params = init(jax.random.PRNGKey(3), spec)
    if spec.lattice:
        params["lattice"] = 0.01 * jax.random.normal(jax.random.PRNGKey(4), params["lattice"].shape)
    ours = forward(to_numpy(params), X, spec, np)
    theirs = np.asarray(jax.jit(lambda p, x: forward(p, x, spec, jnp))(params, X))
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert ours.shape == (4096, 3) and ours.dtype == np.float32


def test_lattice_interpolation_is_exact_at_nodes():
    from lutlearn.luts.interp import lookup
    from lutlearn.luts.lut import LUT3D, identity_grid

    table = np.random.default_rng(2).random((5, 5, 5, 3), dtype=np.float32)
    nodes = identity_grid(5).reshape(-1, 3)
    np.testing.assert_allclose(lookup(table, nodes), table.reshape(-1, 3), atol=1e-6)
    x = np.random.default_rng(3).random((5000, 3), dtype=np.float32)  # between nodes: the LUT kernel's tetrahedral
    np.testing.assert_allclose(lookup(table, x), LUT3D(table).apply(x), atol=1e-5)
    np.testing.assert_allclose(np.asarray(lookup(jnp.asarray(table), jnp.asarray(x), jnp)), lookup(table, x), atol=1e-5)


def test_sklearn_resets_relu_output_to_identity_and_we_predict_what_it_predicts():
    y = np.stack([X[:, 0] ** 2, X[:, 1], 1 - X[:, 2]], axis=1)
    reg = classic_regressor(hidden=(8,), seed=0)
    assert reg.out_activation_ == "relu"  # the classic recipe sets this before fit ...
    reg.set_params(max_iter=3)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X, y)
    assert reg.out_activation_ == "identity"  # ... and fit() silently overwrites it
    model = from_sklearn(reg)
    assert model.spec.output_activation == "identity"
    np.testing.assert_allclose(model.predict(X), reg.predict(X), atol=1e-5)
    assert (reg.predict(X) < 0).any() or (model.predict(X) >= 0).all()  # identity output may go negative


@pytest.mark.parametrize("text, expected", [("32", (32,)), ("64,64", (64, 64)), (" 16, 8 ", (16, 8))])
def test_parse_hidden(text, expected):
    assert parse_hidden(text) == expected


@pytest.mark.parametrize("text", ["", "a", "0", "32,-1"])
def test_parse_hidden_rejects(text):
    with pytest.raises(LutlearnError, match="--hidden"):
        parse_hidden(text)
