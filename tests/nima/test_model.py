"""lutlearn.nima.model: layer formulations agree, padding variants, shapes."""

import jax
import numpy as np
import pytest
from jax import lax

from lutlearn.nima import model
from lutlearn.nima.weights import random_params

DN = ("NHWC", "HWIO", "NHWC")


def _rand(shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


@pytest.mark.parametrize("padding", model.PADDINGS)
@pytest.mark.parametrize("stride", [1, 2])
def test_depthwise_shifted_equals_grouped(padding, stride):
    x, w, b = _rand((2, 10, 12, 5)), _rand((3, 3, 1, 5), 1), _rand((5,), 2)
    shifted = model.depthwise_shifted(x, w, b, stride=stride, padding=padding)
    grouped = model.depthwise_grouped(x, w, b, stride=stride, padding=padding)
    assert shifted.shape == (2, 10 // stride, 12 // stride, 5)
    np.testing.assert_allclose(shifted, grouped, atol=1e-5)


def test_keras216_pads_symmetrically_at_stride_2():
    x, w, b = _rand((1, 8, 8, 3)), _rand((3, 3, 3, 4), 1), np.zeros(4, np.float32)
    want = lax.conv_general_dilated(x, w, (2, 2), ((1, 1), (1, 1)), dimension_numbers=DN)
    np.testing.assert_allclose(model.stem_conv(x, w, b), np.clip(want, 0, 6), atol=1e-6)


def test_tfkeras_is_tensorflow_same_padding_at_stride_2():
    x, w, b = _rand((1, 8, 8, 3)), _rand((3, 3, 3, 4), 1), np.zeros(4, np.float32)
    want = lax.conv_general_dilated(x, w, (2, 2), "SAME", dimension_numbers=DN)  # pads 0 before, 1 after
    got = model.stem_conv(x, w, b, padding="tfkeras")
    np.testing.assert_allclose(got, np.clip(want, 0, 6), atol=1e-6)
    assert not np.allclose(got, model.stem_conv(x, w, b, padding="keras216"))


def test_variants_agree_at_stride_1():
    x, w, b = _rand((1, 6, 6, 4)), _rand((3, 3, 1, 4), 1), _rand((4,), 2)
    np.testing.assert_allclose(model.depthwise_shifted(x, w, b, stride=1, padding="tfkeras"),
                               model.depthwise_shifted(x, w, b, stride=1, padding="keras216"))


def test_pointwise_is_a_1x1_conv():
    x, w, b = _rand((2, 3, 4, 6)), _rand((6, 5), 1), _rand((5,), 2)
    want = lax.conv_general_dilated(x, w[None, None], (1, 1), "VALID", dimension_numbers=DN) + b
    np.testing.assert_allclose(model.pointwise(x, w, b), np.clip(want, 0, 6), atol=1e-5)


def test_relu6_clips():
    assert np.asarray(model.relu6(np.array([-1.0, 3.0, 7.0]))).tolist() == [0.0, 3.0, 6.0]


def test_forward_shapes_and_softmax():
    probs = np.asarray(jax.jit(model.forward)(random_params(0), _rand((2, 224, 224, 3))))
    assert probs.shape == (2, 10) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("kwargs, match", [({"padding": "same"}, "padding"), ({"depthwise": "fft"}, "depthwise")])
def test_forward_rejects_unknown_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        model.forward(random_params(0), _rand((1, 32, 32, 3)), **kwargs)
