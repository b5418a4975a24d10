"""Interpolation kernels: identity, channel order, nodes, clamping, and a scalar reference."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lutlearn.luts import interp
from lutlearn.luts.lut import LUT3D, identity_grid

METHODS = sorted(interp.METHODS)


def _tetra_scalar(table, rgb):
    """Textbook tetrahedral interpolation of one colour (the six-case form)."""
    n = table.shape[0]
    x = np.clip(np.asarray(rgb, np.float64), 0, 1) * (n - 1)
    i = np.minimum(x.astype(int), n - 2)
    fr, fg, fb = x - i
    c = lambda dr, dg, db: table[i[2] + db, i[1] + dg, i[0] + dr].astype(np.float64)  # noqa: E731
    if fr >= fg >= fb:
        return (1 - fr) * c(0, 0, 0) + (fr - fg) * c(1, 0, 0) + (fg - fb) * c(1, 1, 0) + fb * c(1, 1, 1)
    if fr >= fb >= fg:
        return (1 - fr) * c(0, 0, 0) + (fr - fb) * c(1, 0, 0) + (fb - fg) * c(1, 0, 1) + fg * c(1, 1, 1)
    if fb >= fr >= fg:
        return (1 - fb) * c(0, 0, 0) + (fb - fr) * c(0, 0, 1) + (fr - fg) * c(1, 0, 1) + fg * c(1, 1, 1)
    if fg >= fr >= fb:
        return (1 - fg) * c(0, 0, 0) + (fg - fr) * c(0, 1, 0) + (fr - fb) * c(1, 1, 0) + fb * c(1, 1, 1)
    if fg >= fb >= fr:
        return (1 - fg) * c(0, 0, 0) + (fg - fb) * c(0, 1, 0) + (fb - fr) * c(0, 1, 1) + fr * c(1, 1, 1)
    return (1 - fb) * c(0, 0, 0) + (fb - fg) * c(0, 0, 1) + (fg - fr) * c(0, 1, 1) + fr * c(1, 1, 1)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("size", [2, 3, 5, 17, 32, 33, 65])
def test_identity_returns_input(method, size):
    x = np.random.default_rng(size).random((3000, 3), dtype=np.float32)
    np.testing.assert_allclose(interp.METHODS[method](identity_grid(size), x), x, atol=2e-6)


@pytest.mark.parametrize("method", METHODS)
def test_channel_swap(method):
    swap = identity_grid(9)[..., ::-1]  # output (b, g, r)
    x = np.random.default_rng(0).random((1000, 3), dtype=np.float32)
    np.testing.assert_allclose(interp.METHODS[method](swap, x), x[:, ::-1], atol=2e-6)


def test_methods_agree_at_nodes():
    table = np.random.default_rng(1).random((7, 7, 7, 3), dtype=np.float32)
    nodes = identity_grid(7).reshape(-1, 3)
    tet, tri = interp.tetrahedral(table, nodes), interp.trilinear(table, nodes)
    np.testing.assert_allclose(tet, table.reshape(-1, 3), atol=1e-6)
    np.testing.assert_allclose(tri, tet, atol=1e-6)


def test_tetrahedral_matches_scalar_reference_including_ties():
    rng = np.random.default_rng(2)
    table = rng.random((5, 5, 5, 3), dtype=np.float32)
    x = rng.random((400, 3), dtype=np.float32)
    x[:100, 1] = x[:100, 0]  # r == g
    x[100:150] = np.round(x[100:150] * 8) / 8  # on cell faces and nodes
    ref = np.array([_tetra_scalar(table, p) for p in x])
    np.testing.assert_allclose(interp.tetrahedral(table, x), ref, atol=2e-6)


@pytest.mark.parametrize("method", METHODS)
def test_points_outside_are_clamped(method):
    table = np.random.default_rng(3).random((4, 4, 4, 3), dtype=np.float32)
    out = interp.METHODS[method](table, np.array([[-1, -1, -1], [2, 2, 2], [0.5, -3, 7]], np.float32))
    np.testing.assert_allclose(out[0], table[0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(out[1], table[-1, -1, -1], atol=1e-6)
    np.testing.assert_allclose(out[2], interp.METHODS[method](table, np.array([[0.5, 0, 1]], np.float32))[0])


@pytest.mark.parametrize("method", METHODS)
def test_packed_table_and_chunking_give_the_same_result(method):
    table = np.random.default_rng(4).random((6, 6, 6, 3), dtype=np.float32)
    x = np.random.default_rng(5).random((interp._CHUNK * 2 + 17, 3), dtype=np.float32)
    whole = interp.METHODS[method](interp.pack(table), x)
    np.testing.assert_array_equal(whole[-17:], interp.METHODS[method](table, x[-17:]))


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=0, max_size=3), method=st.sampled_from(METHODS))
def test_apply_keeps_any_leading_shape(shape, method):
    x = np.random.default_rng(0).random((*shape, 3)).astype(np.float32)
    out = LUT3D.identity(4).apply(x, method)
    assert out.shape == x.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, x, atol=2e-6)
