"""Reference grades: shapes, range, smoothness, the demo's darkroom pinned, monochrome laws."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lutlearn.grades import GRADES, darkroom, ops
from lutlearn.luts.lut import identity_grid

BUNDLE_SOURCES = ["warm_film_fade", "cool_matte", "teal_orange", "bleach_bypass", "cross_process", "high_key_pastel",
                  "vivid_slide", "faded_print", "split_toning", "sepia", "mono_high_contrast", "mono_low_contrast"]


def test_grades_table():
    assert set(BUNDLE_SOURCES) | {"darkroom"} <= set(GRADES)
    for name, grade in GRADES.items():
        assert grade.__name__ == name
        assert grade.__doc__ and len(grade.__doc__.strip().splitlines()[0]) > 20, name


def test_darkroom_pinned():
    """The demo's grade is unchanged by the move into the grades package (values from the original module)."""
    x = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.2, 0.5, 0.8], [0.9, 0.3, 0.1]], np.float32)
    expected = [[0.00813794, 0.05426173, 0.01822112], [1.0, 1.0, 1.0], [0.36407497, 0.45066485, 0.68540823],
                [0.72171777, 0.41378716, 0.12061793]]
    np.testing.assert_allclose(darkroom(x), expected, atol=2e-6)


@pytest.mark.parametrize("name", sorted(GRADES))
@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 4, 3)])
def test_shape_dtype_range(name, shape):
    x = np.random.default_rng(0).uniform(0, 1, shape).astype(np.float32)
    y = GRADES[name](x)
    assert y.shape == shape and y.dtype == np.float32
    assert np.isfinite(y).all() and y.min() >= 0.0 and y.max() <= 1.0


@pytest.mark.parametrize("name", sorted(GRADES))
def test_smooth(name):
    """Lipschitz-bounded on a fine lattice: neighbouring nodes 1/32 apart move by at most 4/32."""
    y = GRADES[name](identity_grid(33))
    for axis in range(3):
        step = np.abs(np.diff(y, axis=axis)).max()
        assert step <= 4.0 / 32, (name, axis, step)


@pytest.mark.parametrize("name", ["sepia", "mono_high_contrast", "mono_low_contrast"])
def test_monochrome_grades_ignore_chroma(name):
    """Colours of one grey value map to one output; the mono grades give r == g == b."""
    x = identity_grid(9).reshape(-1, 3)
    y = GRADES[name](x)
    if name != "sepia":
        np.testing.assert_array_equal(y[:, 0], y[:, 1])
        np.testing.assert_array_equal(y[:, 1], y[:, 2])
    greys = np.repeat(np.linspace(0, 1, 11, dtype=np.float32)[:, None], 3, 1)
    assert (np.diff(GRADES[name](greys)[:, 1]) >= 0).all()  # monotonic on the grey axis


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1, width=32), min_size=3, max_size=3), st.floats(0, 2))
def test_saturation_keeps_luma(rgb, amount):
    x = np.array(rgb, np.float32)
    np.testing.assert_allclose(ops.luma(ops.saturation(x, amount)), ops.luma(x), atol=1e-5)


def test_s_curve_fixes_ends_and_is_monotonic():
    x = np.linspace(0, 1, 101, dtype=np.float32)
    for a in (-1.0, -0.5, 0.0, 0.5, 1.0):
        y = ops.s_curve(x, a)
        assert y[0] == 0 and abs(y[-1] - 1) < 1e-6 and (np.diff(y) >= 0).all()


def test_hue_rotate_keeps_greys():
    greys = np.repeat(np.linspace(0, 1, 5, dtype=np.float32)[:, None], 3, 1)
    np.testing.assert_allclose(ops.hue_rotate(greys, 40.0), greys, atol=1e-6)
