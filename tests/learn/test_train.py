import numpy as np
import pytest

from lutlearn.errors import LutlearnError
from lutlearn.grades import darkroom
from lutlearn.learn.metrics import delta_e2000
from lutlearn.learn.model import MLPSpec, dead_outputs, init
from lutlearn.learn.pairs import Samples
from lutlearn.learn.train import FitConfig, fit

rng = np.random.default_rng(0)
X = rng.random((20000, 3), dtype=np.float32)
SAMPLES = Samples(X, darkroom(X), np.ones(len(X), np.float32))
QUICK = FitConfig(max_epochs=15, batch_size=256, learning_rate=1e-2)


def _heldout_de(result, samples=SAMPLES):
    v = result.val_idx
    return float(delta_e2000(result.model.apply(samples.x[v]), samples.y[v]).mean())


def test_jax_fit_learns_the_darkroom_grade():
    result = fit(SAMPLES, MLPSpec(), QUICK._replace(max_epochs=40))
    assert _heldout_de(result) < 1.0
    assert result.val_loss[result.best_epoch - 1] == min(result.val_loss)


def test_jax_fit_is_deterministic_under_seed():
    a = fit(SAMPLES, MLPSpec(), QUICK._replace(max_epochs=3, seed=7))
    b = fit(SAMPLES, MLPSpec(), QUICK._replace(max_epochs=3, seed=7))
    c = fit(SAMPLES, MLPSpec(), QUICK._replace(max_epochs=3, seed=8))
    for wa, wb in zip(a.model.params["w"], b.model.params["w"]):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.model.params["w"][0], c.model.params["w"][0])


def test_a_dead_relu_output_is_revived_not_left_dead():
    import jax

    spec = MLPSpec()
    params = init(jax.random.PRNGKey(0), spec)
    params["b"][-1] = params["b"][-1].at[0].set(-20.0)  # red output dead on every input
    assert dead_outputs(params, X, spec) == [0]
    with pytest.warns(UserWarning, match="output unit.*R.*revived"):
        result = fit(SAMPLES, spec, QUICK, init_params=params)
    assert dead_outputs(result.model.params, X, spec) == []
    assert any("revived" in n for n in result.notes)
    assert _heldout_de(result) < 3.0


def test_ctrl_c_keeps_the_best_model_so_far():
    def interrupt(epoch, total, train_loss, val_loss):
        if epoch == 3:
            raise KeyboardInterrupt

    result = fit(SAMPLES, MLPSpec(), QUICK, progress=interrupt)
    assert result.interrupted and len(result.train_loss) == 3
    assert result.best_epoch >= 1 and np.isfinite(result.model.predict(X[:10])).all()


def test_lattice_option_reduces_error_on_a_detailed_look():
    y = darkroom(X) + 0.03 * np.sin(12 * X[:, [1, 2, 0]])  # fine structure a 3-32-3 net cannot follow
    samples = Samples(X, np.clip(y, 0, 1).astype(np.float32), np.ones(len(X), np.float32))
    plain = fit(samples, MLPSpec(), QUICK._replace(max_epochs=30))
    latticed = fit(samples, MLPSpec(lattice=9), QUICK._replace(max_epochs=30))
    assert _heldout_de(latticed, samples) < 0.8 * _heldout_de(plain, samples)


def test_sklearn_backend_returns_the_same_model_type_with_identity_output():
    small = Samples(X[:3000], SAMPLES.y[:3000], SAMPLES.w[:3000])
    result = fit(small, MLPSpec(), FitConfig(backend="sklearn"))
    assert result.model.spec.output_activation == "identity"
    assert any("identity" in n for n in result.notes)
    assert 1 <= len(result.train_loss) <= 30
    assert _heldout_de(result, small) < 15


@pytest.mark.parametrize("spec, config, msg", [
    (MLPSpec(), FitConfig(backend="torch"), "backend must be one of"),
    (MLPSpec(), FitConfig(learning_rate=-1), "'learning_rate' setting is out of range"),
    (MLPSpec(lattice=9), FitConfig(backend="sklearn"), "classic recipe only"),
    (MLPSpec(output_activation="softmax"), FitConfig(), "unknown activation"),
])
def test_bad_settings(spec, config, msg):
    with pytest.raises(LutlearnError, match=msg):
        fit(SAMPLES, spec, config)
