"""render: 8-bit bit-identical to per-pixel evaluation on every path (threads, compiled fill, cache reuse, in place);
16-bit and float through the compiled kernel equal to the numpy path and to OpenColorIO; the engine choice."""

import sys
import warnings

import numpy as np
import pytest

from lutlearn.errors import LutlearnError
from lutlearn.images import read_image
from lutlearn.looks.look import COMPILED_MIN_PIXELS, FunctionLook, LatticeLook
from lutlearn.looks.render import SMALL, ColourCache, render
from lutlearn.looks.resolve import resolve_look
from lutlearn.luts import read_lut
from lutlearn.luts.cube import write_cube
from lutlearn.luts.kernel import LutKernel
from lutlearn.luts.lut import LUT3D, identity_grid
from lutlearn.luts.lut1d import LUT1D
from tests.consumers import ocio_apply
from tests.shared import LUTS, PHOTOS

FUJI = LUTS / "abpy_fuji_classic_chrome_srgb_32.cube"
TEAL_ORANGE = LUTS / "rt_creative_teal_orange1.png"


def _noisy(name="kodim05.png", bits=8, seed=0):
    """A Kodak photo with noise: ~300k distinct 8-bit colours (a camera file's density), or 16-bit detail."""
    codes = read_image(PHOTOS / name, codes=True).rgb.astype(np.float32)
    top = 255.0 if bits == 8 else 65535.0
    noisy = codes * np.float32(top / 255) + np.random.default_rng(seed).normal(0, 1.5 * top / 255, codes.shape)
    return np.clip(np.rint(noisy), 0, top).astype(np.uint8 if bits == 8 else np.uint16)


def _luts():
    rng = np.random.default_rng(3)
    return {"fuji .cube 32": lambda: read_lut(FUJI),
            "clipping 9": lambda: LUT3D(rng.random((9, 9, 9, 3), dtype=np.float32) * 1.3 - 0.15),
            "teal-orange 33": lambda: LUT3D.bake(read_lut(TEAL_ORANGE).apply, 33)}


LUTS_BY_NAME = _luts()


def _per_pixel(lut, method, codes, strength=1.0):
    """The look evaluated on every pixel and rounded: what render must reproduce exactly."""
    top = np.float32(255 if codes.dtype == np.uint8 else 65535)
    x = codes.reshape(-1, 3).astype(np.float32) / top
    fx = lut.apply(x, method)
    y = fx if strength == 1.0 else x + np.float32(strength) * (fx - x)
    return np.clip(np.rint(y * top), 0, top).astype(codes.dtype).reshape(codes.shape)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, [str(w.message) for w in caught]


def _check_8bit(name, method, strength):
    lut = LUTS_BY_NAME[name]()
    look = LatticeLook(lut, method, engine="compiled")
    image = _noisy()
    want = _per_pixel(lut, method, image, strength)
    messages = set()
    for kernel in (None, look.kernel()):
        for threads in (1, 2):
            got, caught = _quiet(render, image, look.apply, strength=strength, threads=threads, kernel=kernel)
            np.testing.assert_array_equal(got, want)
            messages.add(tuple(caught))
    assert len(messages) == 1  # the same clipped count whichever path


DEFAULT_8 = [("fuji .cube 32", "tetrahedral", 1.0), ("clipping 9", "trilinear", 0.6),
             ("teal-orange 33", "tetrahedral", 0.6)]


@pytest.mark.parametrize("name, method, strength", DEFAULT_8)
def test_8bit_equals_per_pixel_evaluation(name, method, strength):
    _check_8bit(name, method, strength)


@pytest.mark.slow
@pytest.mark.parametrize("strength", [1.0, 0.6])
@pytest.mark.parametrize("method", ["tetrahedral", "trilinear"])
@pytest.mark.parametrize("name", list(LUTS_BY_NAME))
def test_8bit_equals_per_pixel_evaluation_every_combination(name, method, strength):
    _check_8bit(name, method, strength)


@pytest.mark.slow
@pytest.mark.parametrize("name, method, strength", [("fuji .cube 32", "tetrahedral", 1.0),
                                                    ("clipping 9", "trilinear", 0.6)])
def test_8bit_equals_per_pixel_evaluation_on_every_colour(name, method, strength):
    """All 2^24 8-bit colours in one 4096x4096 image: render equals the look evaluated on each pixel, both fills."""
    lut = LUTS_BY_NAME[name]()
    look = LatticeLook(lut, method, engine="compiled")
    every = np.arange(1 << 24, dtype=np.uint32)
    image = np.stack([every >> 16, (every >> 8) & 255, every & 255], axis=-1).astype(np.uint8).reshape(4096, 4096, 3)
    want = np.concatenate([_per_pixel(lut, method, part, strength) for part in np.array_split(image, 16)])
    for kernel in (None, look.kernel()):
        got, _ = _quiet(render, image, look.apply, strength=strength, kernel=kernel)
        np.testing.assert_array_equal(got, want)


def test_clipping_lut_warns_with_the_same_count_on_every_path():
    lut = LUTS_BY_NAME["clipping 9"]()
    look = LatticeLook(lut, engine="compiled")
    image = _noisy()
    counts = set()
    for kernel in (None, look.kernel()):
        with pytest.warns(UserWarning, match="colours outside") as caught:
            render(image, look.apply, kernel=kernel)
        counts.add(str(caught[0].message))
    assert len(counts) == 1


def test_a_cache_reused_over_images_never_evaluates_a_colour_twice():
    lut = read_lut(FUJI)
    look = LatticeLook(lut, engine="compiled")
    cache = ColourCache(look.apply, 1.0, look.kernel())
    images = [_noisy("kodim05.png"), read_image(PHOTOS / "kodim14.png", codes=True).rgb, _noisy("kodim23.png", seed=1)]
    for image in images + [images[0][:100]]:
        np.testing.assert_array_equal(render(image, look.apply, cache=cache), _per_pixel(lut, "tetrahedral", image))
    evaluated = cache.evaluated
    assert evaluated == np.unique(np.concatenate([i.reshape(-1, 3) for i in images]), axis=0).shape[0]
    render(images[0], look.apply, cache=cache)
    assert cache.evaluated == evaluated


@pytest.mark.parametrize("shape", [(1, 1, 3), (7, 3), (0, 3), (5, 1, 3), (0, 4, 3)])
def test_odd_shapes(shape):
    lut = read_lut(FUJI)
    image = np.random.default_rng(0).integers(0, 256, shape).astype(np.uint8)
    got = render(image, lut.apply)
    assert got.shape == shape
    np.testing.assert_array_equal(got, _per_pixel(lut, "tetrahedral", image))


def test_small_and_non_contiguous_images():
    lut = read_lut(FUJI)
    image = _noisy()
    assert image.shape[0] * image.shape[1] // 2 < 2 * SMALL  # both branches of the distinct-colour search
    for view in (image[:, ::2], image[::3], image[100:300, 50:700]):
        np.testing.assert_array_equal(render(view, lut.apply), _per_pixel(lut, "tetrahedral", view))


@pytest.mark.parametrize("bits", [8, 16])
def test_render_in_place(bits):
    look = LatticeLook(read_lut(FUJI), engine="compiled")
    image = _noisy(bits=bits)
    want = render(image, look.apply, kernel=look.kernel())
    got = render(image, look.apply, kernel=look.kernel(), out=image)
    assert got is image
    np.testing.assert_array_equal(image, want)
    with pytest.raises(LutlearnError, match="C-contiguous"):
        render(image, look.apply, out=image[:, ::2])


@pytest.mark.parametrize("name", ["fuji .cube 32", "clipping 9"])
@pytest.mark.parametrize("method", ["tetrahedral", "trilinear"])
def test_16bit_and_float_kernel_equal_the_numpy_path(name, method):
    lut = LUTS_BY_NAME[name]()
    look = LatticeLook(lut, method, engine="compiled")
    image = _noisy("kodim14.png", bits=16)
    numpy_out, numpy_warnings = _quiet(render, image, look.apply, strength=0.8)
    kernel_out, kernel_warnings = _quiet(render, image, look.apply, strength=0.8, kernel=look.kernel())
    np.testing.assert_array_equal(kernel_out, numpy_out)
    assert kernel_warnings == numpy_warnings and bool(numpy_warnings) == (name == "clipping 9")
    floats = image[:200].astype(np.float32) / np.float32(65535) * np.float32(1.1) - np.float32(0.05)
    np.testing.assert_array_equal(render(floats, look.apply, kernel=look.kernel()), render(floats, look.apply))


@pytest.mark.parametrize("photo", ["kodim05.png", "kodim23.png"])
def test_compiled_16bit_and_8bit_match_opencolorio(photo, tmp_path):
    """OpenColorIO (tetrahedral, float) on the same .cube: 16-bit within 2 codes of 65535, 8-bit within 1 of 255."""
    cubes = [FUJI, write_cube(LUT3D.bake(read_lut(TEAL_ORANGE).apply, 33), tmp_path / "to.cube", decimals=7)]
    for cube in cubes:
        look = LatticeLook(read_lut(cube), engine="compiled")
        image16, image8 = _noisy(photo, bits=16), _noisy(photo)
        ours16 = render(image16, look.apply, kernel=look.kernel())
        theirs16 = ocio_apply(cube, image16.astype(np.float32) / 65535) * 65535
        assert np.abs(ours16 - theirs16).max() <= 2
        ours8 = render(image8, look.apply, kernel=look.kernel())
        assert np.abs(ours8 - ocio_apply(cube, image8.astype(np.float32) / 255) * 255).max() <= 1


def test_engine_choice(monkeypatch):
    lut = read_lut(FUJI)
    assert LatticeLook(lut, engine="numpy").kernel(10**9) is None
    assert isinstance(LatticeLook(lut, engine="compiled").kernel(), LutKernel)
    assert LatticeLook(LUT1D.identity(16), engine="compiled").kernel() is None  # 1D curves stay with numpy
    assert FunctionLook(lambda c: c).kernel(10**9) is None
    auto = LatticeLook(lut)
    assert isinstance(auto.kernel(), LutKernel)  # JAX is imported in this process already
    assert auto.kernel() is auto.kernel()  # made once
    monkeypatch.delitem(sys.modules, "jax")
    assert LatticeLook(lut).kernel(COMPILED_MIN_PIXELS - 1) is None  # a fresh process: not worth JAX's import
    with pytest.raises(LutlearnError, match="engine must be one of"):
        LatticeLook(lut, engine="gpu")


def test_bake_turns_a_model_into_a_lattice_look(small_model):
    model, path = small_model
    assert isinstance(resolve_look(path), FunctionLook)
    baked = resolve_look(path, bake=33, engine="numpy")
    assert isinstance(baked, LatticeLook) and baked.lut.size == 33 and baked.engine == "numpy"
    x = identity_grid(9).reshape(-1, 3) * np.float32(0.97)
    assert np.abs(baked.apply(x) - model.apply(x)).max() < 5e-3  # the LUT's interpolation error
    assert resolve_look(FUJI, engine="compiled").engine == "compiled"
    with pytest.raises(LutlearnError, match="bake size"):
        resolve_look(path, bake=1)
