"""The compiled kernels (lutlearn.luts.kernel) are bit-identical to the numpy reference, clipping included.

The reference is what ``render`` computes without a kernel: ``x = code / top``,
``LUT3D.apply(x)`` (lutlearn.luts.interp), the blend and :func:`to_codes`.
Default run: half a million 8-bit colours and 16-bit codes and floats for
the kinds of LUT that take different paths in the kernel (in range or
clipping, default domain, domain, shaper); ``--slow``: every 8-bit colour,
every combination.
"""

import importlib

import numpy as np
import pytest

from lutlearn.codes import round_scaled, to_codes
from lutlearn.looks.render import blend
from lutlearn.luts import read_lut
from lutlearn.luts.kernel import STRIP, compile_lut, kernel_codes, kernel_floats, kernel_packed8
from lutlearn.luts.lut import LUT3D, identity_grid
from lutlearn.luts.lut1d import LUT1D
from lutlearn.luts.shaper import ShaperLUT
from tests.shared import LUTS, require_path

kernel_module = importlib.import_module("lutlearn.luts.kernel")

FUJI = LUTS / "abpy_fuji_classic_chrome_srgb_32.cube"


def _luts():
    rng = np.random.default_rng(1)
    smooth = np.clip(identity_grid(33) ** np.float32(0.8) + rng.normal(0, 0.01, (33, 33, 33, 3)), 0, 1)
    sqrt = LUT1D(np.sqrt(np.linspace(0, 1, 256, dtype=np.float32))[:, None].repeat(3, 1).copy())
    return {
        "in range 33": LUT3D(smooth.astype(np.float32)),
        "clipping 9": LUT3D(rng.random((9, 9, 9, 3), dtype=np.float32) * 1.2 - 0.1),
        "domain 17": LUT3D(rng.random((17, 17, 17, 3), dtype=np.float32), domain_min=[-0.1, 0, 0.05],
                           domain_max=[1.3, 1.1, 0.9]),
        "shaper + 17": ShaperLUT(sqrt, LUT3D(rng.random((17, 17, 17, 3), dtype=np.float32))),
    }


LUTS_BY_NAME = _luts()


def _reference(lut, method, x, strength, bits):
    """(codes, clipped) of the numpy path, or the float values when ``bits`` is None."""
    out = blend(x, lut.apply(x, method), strength)
    return out if bits is None else to_codes(out, bits)


def _in_strips(run, kernel, data, strength, bits):
    """Run a kernel strip by strip (the last one padded, as render does) -> (results, clipped)."""
    outs, clipped = [], 0
    for a in range(0, len(data), STRIP):
        piece = data[a : a + STRIP]
        m = len(piece)
        if m < STRIP:
            piece = np.concatenate([piece, np.zeros((STRIP - m,) + piece.shape[1:], piece.dtype)])
        out = np.asarray(run(kernel, piece, 1.0 if strength is None else strength))[:m]
        if not kernel.in_range and out.dtype == np.float32 and bits is not None:
            out, c = round_scaled(out.copy(), bits)
            clipped += c
        outs.append(out)
    return np.concatenate(outs), clipped


def _check(lut, method, strength, colours8, codes16, floats):
    kernel = compile_lut(lut, method)
    # 8-bit colours, packed as the colour cache holds them
    got8, clipped8 = _in_strips(kernel_packed8, kernel, colours8, strength, 8)
    if got8.ndim == 1:
        assert (got8 >> 24 == 1).all()
        got8 = got8.view(np.uint8).reshape(-1, 4)[:, :3]
    rgb8 = colours8.view(np.uint8).reshape(-1, 4)[:, :3]
    want8, want_clipped8 = _reference(lut, method, rgb8.astype(np.float32) / np.float32(255), strength, 8)
    np.testing.assert_array_equal(got8, want8)
    assert clipped8 == want_clipped8
    # 16-bit codes
    got16, clipped16 = _in_strips(kernel_codes, kernel, codes16, strength, 16)
    want16, want_clipped16 = _reference(lut, method, codes16.astype(np.float32) / np.float32(65535), strength, 16)
    np.testing.assert_array_equal(got16, want16)
    assert clipped16 == want_clipped16
    # floats, unclipped
    gotf = np.asarray(kernel_floats(kernel, floats, strength))
    np.testing.assert_array_equal(gotf, _reference(lut, method, floats, strength, None))
    return want_clipped16


def _codes16(count, seed=0):
    ramp = np.arange(65536, dtype=np.uint16)
    rng = np.random.default_rng(seed)
    return np.concatenate([np.stack([ramp, ramp[::-1], np.roll(ramp, 999)], -1),
                           rng.integers(0, 65536, (count, 3)).astype(np.uint16)])


def _floats(count, seed=0):
    return np.random.default_rng(seed).random((count, 3), dtype=np.float32) * np.float32(1.2) - np.float32(0.1)


FAST = [("in range 33", "tetrahedral", 1.0), ("in range 33", "trilinear", 0.7), ("clipping 9", "tetrahedral", 0.7),
        ("domain 17", "trilinear", 1.0), ("shaper + 17", "tetrahedral", 1.0)]


@pytest.mark.parametrize("name, method, strength", FAST)
def test_kernel_equals_numpy_on_half_a_million_colours(name, method, strength):
    colours8 = np.random.default_rng(2).permutation(1 << 24)[: 1 << 19].astype(np.uint32)
    clipped = _check(LUTS_BY_NAME[name], method, strength, colours8, _codes16(1 << 19), _floats(1 << 17))
    assert (clipped > 0) == (name == "clipping 9")  # the clipping path is really taken


@pytest.mark.slow
@pytest.mark.parametrize("strength", [1.0, 0.7])
@pytest.mark.parametrize("method", ["tetrahedral", "trilinear"])
@pytest.mark.parametrize("name", [*LUTS_BY_NAME, "fuji .cube 32"])
def test_kernel_equals_numpy_on_every_8bit_colour(name, method, strength):
    lut = read_lut(require_path(FUJI)) if name.startswith("fuji") else LUTS_BY_NAME[name]
    _check(lut, method, strength, np.arange(1 << 24, dtype=np.uint32), _codes16(1 << 22, 3), _floats(1 << 21, 3))


def test_identity_kernel_returns_its_input():
    kernel = compile_lut(LUT3D.identity(33))
    codes = _codes16(STRIP - 65536)
    np.testing.assert_array_equal(np.asarray(kernel_codes(kernel, codes)), codes)
    every = np.arange(STRIP, dtype=np.uint32) * np.uint32(61)  # spread over the cube
    np.testing.assert_array_equal(np.asarray(kernel_packed8(kernel, every)), every | np.uint32(1 << 24))


def test_compiled_executables_are_kept_on_disk(tmp_path):
    lut = LUTS_BY_NAME["in range 33"]
    codes = _codes16(1000)
    first = np.asarray(kernel_codes(compile_lut(lut, cache_dir=tmp_path), codes))
    saved = sorted(tmp_path.iterdir())
    assert len(saved) == 1 and saved[0].name.startswith("lutkernel-")
    half = LUT3D(lut.table * np.float32(0.5))  # another table of the same shape: the same executable
    want = _reference(half, "tetrahedral", codes.astype(np.float32) / np.float32(65535), 1.0, 16)[0]
    np.testing.assert_array_equal(np.asarray(kernel_codes(compile_lut(half, cache_dir=tmp_path), codes)), want)
    assert sorted(tmp_path.iterdir()) == saved  # loaded, not compiled again
    saved[0].write_bytes(b"damaged")
    np.testing.assert_array_equal(np.asarray(kernel_codes(compile_lut(lut, cache_dir=tmp_path), codes)), first)


def test_an_executable_of_other_kernel_code_is_not_loaded(tmp_path, monkeypatch):
    """The cache key holds the kernel's source: after an upgrade, a stale (slower, or wrong) executable is not used."""
    codes = _codes16(1000)
    kernel_codes(compile_lut(LUTS_BY_NAME["in range 33"], cache_dir=tmp_path), codes)
    before = sorted(tmp_path.iterdir())
    monkeypatch.setattr(kernel_module, "_source_digest", lambda: "another lutlearn")
    kernel_codes(compile_lut(LUTS_BY_NAME["in range 33"], cache_dir=tmp_path), codes)
    assert len(sorted(tmp_path.iterdir())) == len(before) + 1


def test_compile_lut_refuses_other_luts():
    with pytest.raises(TypeError, match="LUT3D or ShaperLUT"):
        compile_lut(LUT1D.identity(16))
    with pytest.raises(ValueError, match="interpolation"):
        compile_lut(LUT3D.identity(3), "nearest")
