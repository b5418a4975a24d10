"""lutlearn.nima.loss.emd_loss on hand-computed cases."""

import math

import numpy as np
import pytest

from lutlearn.nima import emd_loss


def _onehot(i, k=10):
    v = np.zeros(k, np.float32)
    v[i] = 1.0
    return v


def test_identical_distributions_have_zero_loss():
    votes = np.array([7, 15, 25, 41, 67, 41, 12, 11, 4, 1], np.float32)  # AVA 42040
    assert float(emd_loss(votes[None], (votes / votes.sum())[None])) == pytest.approx(0.0, abs=1e-7)


def test_one_bin_apart():
    # CDFs differ by 1 in bin 1 only: sqrt(1/10)
    assert float(emd_loss(_onehot(0)[None], _onehot(1)[None])) == pytest.approx(math.sqrt(0.1), rel=1e-6)


def test_opposite_ends():
    # CDFs differ by 1 in bins 1..9: sqrt(9/10)
    assert float(emd_loss(_onehot(0), _onehot(9))) == pytest.approx(math.sqrt(0.9), rel=1e-6)


def test_half_mass_moved():
    # target (0.5, 0.5, 0, 0) vs pred (0, 0.5, 0.5, 0): CDF gaps (0.5, 0.5, 0, 0) -> sqrt(0.5 / 4)
    got = emd_loss([[0.5, 0.5, 0.0, 0.0]], [[0.0, 0.5, 0.5, 0.0]])
    assert float(got) == pytest.approx(math.sqrt(0.125), rel=1e-6)


def test_batch_mean_and_count_normalisation():
    target = np.stack([_onehot(0) * 224, _onehot(0) * 3])  # vote counts, normalised inside
    pred = np.stack([_onehot(1), _onehot(9)])
    want = (math.sqrt(0.1) + math.sqrt(0.9)) / 2
    assert float(emd_loss(target, pred)) == pytest.approx(want, rel=1e-6)


def test_r1_is_mean_absolute_cdf_gap():
    assert float(emd_loss(_onehot(0), _onehot(3), r=1.0)) == pytest.approx(0.3, rel=1e-6)


def test_symmetric_and_differentiable():
    import jax

    a, b = np.full(10, 0.1, np.float32), np.linspace(1, 2, 10).astype(np.float32)
    b /= b.sum()
    assert float(emd_loss(a, b)) == pytest.approx(float(emd_loss(b, a)), rel=1e-5)
    grad = jax.grad(lambda p: emd_loss(a, p))(b)
    assert np.isfinite(np.asarray(grad)).all()


def test_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        emd_loss(np.ones((2, 10)), np.ones((2, 5)))
