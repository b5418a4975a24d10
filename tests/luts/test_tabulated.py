"""The numpy 16-bit kernel by code tables: the reference's codes and clipped counts, bit for bit."""

import numpy as np
import pytest

from lutlearn.codes import from_codes
from lutlearn.looks.look import LatticeLook
from lutlearn.looks.render import render
from lutlearn.luts import read_lut
from lutlearn.luts.lut1d import LUT1D
from lutlearn.luts.tabulated import apply_codes, tabulate
from tests.luts.test_kernel import FUJI, LUTS_BY_NAME, _reference
from tests.shared import LUTS, require_path

VELVIA = LUTS / "rt_fuji_velvia_50.png"


def _codes() -> np.ndarray:
    """Random 16-bit pixels, plus every code on the grey axis and on each channel alone (cell edges, 0, 65535)."""
    rng = np.random.default_rng(3)
    ramp = np.arange(65536, dtype=np.uint16)
    single = np.zeros((3 * 65536, 3), np.uint16)
    for c in range(3):
        single[c * 65536 : (c + 1) * 65536, c] = ramp
    return np.concatenate([rng.integers(0, 65536, (200_000, 3), dtype=np.uint16),
                           np.repeat(ramp[:, None], 3, 1), single])


@pytest.mark.parametrize("name", [*LUTS_BY_NAME, "fuji cube", "velvia hald"])
@pytest.mark.parametrize("method", ["tetrahedral", "trilinear"])
@pytest.mark.parametrize("strength", [1.0, 0.6])
def test_equals_the_reference_codes_and_clipped_count(name, method, strength):
    if name == "fuji cube":
        lut = read_lut(require_path(FUJI))
    elif name == "velvia hald":
        lut = read_lut(require_path(VELVIA))
    else:
        lut = LUTS_BY_NAME[name]
    codes = _codes()
    want, want_clipped = _reference(lut, method, from_codes(codes), strength, 16)
    got = np.empty_like(codes)
    clipped = apply_codes(tabulate(lut, method), codes, got, strength)
    assert np.array_equal(got, want)
    assert clipped == want_clipped


def test_render_uses_it_for_16_bit_and_keeps_the_general_path_elsewhere():
    look = LatticeLook(LUTS_BY_NAME["clipping 9"], "tetrahedral", engine="numpy")
    image = _codes()[:70_000].reshape(700, 100, 3)
    with pytest.warns(Warning, match="clipped"):
        want = render(image, look.apply, threads=1)
    with pytest.warns(Warning, match="clipped"):
        got = render(image, look.apply, threads=2, kernel=look.tabulated())
    assert np.array_equal(got, want)
    in_place = image.copy()
    with pytest.warns(Warning, match="clipped"):
        render(in_place, look.apply, kernel=look.tabulated(), out=in_place)
    assert np.array_equal(in_place, want)
    eight = (image >> 8).astype(np.uint8)  # 8-bit images keep their colour cache; floats the direct path
    with pytest.warns(Warning, match="clipped"):
        assert np.array_equal(render(eight, look.apply, kernel=look.tabulated()), render(eight, look.apply))
    floats = from_codes(image)  # floats are never clipped
    assert np.array_equal(render(floats, look.apply, kernel=look.tabulated()), render(floats, look.apply))


def test_a_1d_lut_has_no_tables():
    curve = LUT1D(np.sqrt(np.linspace(0, 1, 64, dtype=np.float32))[:, None].repeat(3, 1).copy())
    assert LatticeLook(curve).tabulated() is None
    with pytest.raises(TypeError):
        tabulate(curve)
    with pytest.raises(ValueError):
        tabulate(LUTS_BY_NAME["in range 33"], "nearest")
