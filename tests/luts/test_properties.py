"""Property tests (hypothesis) for the laws the LUT code must keep."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lutlearn.learn.pairs import collapse
from lutlearn.luts.cube import format_cube, parse_cube
from lutlearn.luts.interp import lookup
from lutlearn.luts.lut import LUT3D, identity_grid

sizes = st.integers(min_value=2, max_value=9)
unit = st.floats(min_value=0, max_value=1, width=32)


@settings(max_examples=40, deadline=None)
@given(size=sizes, shape=st.lists(st.integers(1, 4), min_size=0, max_size=3), data=st.data())
def test_identity_lut_returns_its_input_in_any_shape(size, shape, data):
    rgb = data.draw(arrays(np.float32, (*shape, 3), elements=unit))
    out = LUT3D.identity(size).apply(rgb)
    assert out.shape == rgb.shape
    np.testing.assert_allclose(out, rgb, atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(size=sizes, seed=st.integers(0, 2**31 - 1))
def test_methods_agree_at_the_nodes(size, seed):
    table = np.random.default_rng(seed).random((size, size, size, 3), dtype=np.float32)
    lut, nodes = LUT3D(table), identity_grid(size).reshape(-1, 3)
    np.testing.assert_allclose(lut.apply(nodes, "tetrahedral"), table.reshape(-1, 3), atol=1e-5)
    np.testing.assert_allclose(lut.apply(nodes, "trilinear"), table.reshape(-1, 3), atol=1e-5)
    np.testing.assert_allclose(lookup(table, nodes), table.reshape(-1, 3), atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(size=sizes, seed=st.integers(0, 2**31 - 1), decimals=st.integers(6, 9))
def test_cube_round_trip_is_lossless_to_the_written_decimals(size, seed, decimals):
    table = np.random.default_rng(seed).uniform(-0.5, 1.5, (size, size, size, 3)).astype(np.float32)
    lut = LUT3D(table, title="prop", domain_min=[0, -0.1, 0], domain_max=[1, 1, 2])
    back = parse_cube(format_cube(lut, decimals).splitlines())
    np.testing.assert_allclose(back.table, lut.table, atol=0.5 * 10.0**-decimals + 1e-7)
    np.testing.assert_allclose(back.domain_min, lut.domain_min)
    np.testing.assert_allclose(back.domain_max, lut.domain_max)
    assert back.title == "prop"


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_collapse_preserves_pixel_count_and_mean(data):
    n = data.draw(st.integers(1, 200))
    codes = data.draw(arrays(np.uint8, (n, 3), elements=st.integers(0, 3)))
    x = codes.astype(np.float32) / 255
    y = data.draw(arrays(np.float32, (n, 3), elements=unit))
    s = collapse(x, y)
    assert s.w.sum() == n and len(s) == len(np.unique(codes, axis=0))
    np.testing.assert_allclose((s.y * s.w[:, None]).sum(axis=0), y.astype(np.float64).sum(axis=0), rtol=1e-4, atol=1e-4)
