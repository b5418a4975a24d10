"""Applying looks: exactness oracles, real photos against ffmpeg / OpenColorIO / Pillow, files."""


import numpy as np
import pytest

from lutlearn.errors import LutlearnError
from lutlearn.images import read_image, write_image
from lutlearn.looks.apply import apply_batch, apply_to_file, plan_outputs
from lutlearn.looks.look import FunctionLook, LatticeLook
from lutlearn.looks.render import ColourCache, render
from lutlearn.looks.resolve import resolve_look
from lutlearn.luts import read_lut
from lutlearn.luts.cube import write_cube
from lutlearn.luts.lut import LUT3D, identity_grid
from tests.consumers import ffmpeg_haldclut, ffmpeg_lut3d, ocio_apply, pillow_color3dlut
from tests.shared import LUTS, PHOTOS

REAL_CUBE = LUTS / "abpy_fuji_classic_chrome_srgb_32.cube"
HALDS = sorted(LUTS.glob("*.png"))


def _photo(name="kodim05.png"):
    return read_image(PHOTOS / name, codes=True).rgb


def _exact8(lut, codes, method="tetrahedral"):
    """The look evaluated in float on every pixel, rounded: what render must reproduce exactly."""
    out = lut.apply(codes.astype(np.float32) / np.float32(255), method)
    return np.clip(np.rint(out * np.float32(255)), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("method", ["tetrahedral", "trilinear"])
def test_identity_returns_every_8bit_colour_exactly(method):
    every = np.arange(1 << 24, dtype=np.uint32).view(np.uint8).reshape(-1, 4)[:, :3].reshape(4096, 4096, 3)
    look = LatticeLook(LUT3D.identity(33), method)
    np.testing.assert_array_equal(render(every, look.apply), every)


@pytest.mark.parametrize("size", [2, 17, 32, 33])
def test_identity_returns_16bit_input_exactly(size):
    rng = np.random.default_rng(size)
    ramp = np.arange(65536, dtype=np.uint16)
    codes = np.concatenate([np.stack([ramp, ramp[::-1], np.roll(ramp, 999)], -1),
                            rng.integers(0, 65536, (300_000, 3)).astype(np.uint16)])
    np.testing.assert_array_equal(render(codes, LUT3D.identity(size).apply), codes)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_channel_swap_lut_swaps_channels(dtype):
    swap = LUT3D(identity_grid(5)[..., ::-1].copy())
    codes = _photo()[:64].astype(dtype) * (257 if dtype == np.uint16 else 1)
    np.testing.assert_array_equal(render(codes, swap.apply), codes[..., ::-1])


def test_render_equals_per_pixel_evaluation_and_cache_is_reusable():
    lut, codes = read_lut(REAL_CUBE), _photo()
    cache = ColourCache(lut.apply)
    first = render(codes, lut.apply, cache=cache)
    np.testing.assert_array_equal(first, _exact8(lut, codes))
    evaluated = cache.evaluated
    np.testing.assert_array_equal(render(codes, lut.apply, cache=cache, threads=1), first)
    assert cache.evaluated == evaluated  # nothing new to compute the second time


def test_strength_blends_with_the_original():
    lut, codes = read_lut(REAL_CUBE), _photo()[:100]
    np.testing.assert_array_equal(render(codes, lut.apply, strength=0.0), codes)
    x = codes.astype(np.float32) / 255
    half = np.rint((x + 0.5 * (lut.apply(x) - x)) * 255)
    np.testing.assert_array_equal(render(codes, lut.apply, strength=0.5), half.astype(np.uint8))
    with pytest.raises(LutlearnError, match="strength must be in 0..1"):
        render(codes, lut.apply, strength=1.5)


def test_a_cache_serves_only_its_own_look_and_strength():
    """A cache made for another look or strength is refused, not silently used (it once was: an inverted image
    came back from render(img, identity, strength=0, cache=ColourCache(invert, 1)))."""
    codes = _photo()[:50]
    invert = LUT3D(1.0 - identity_grid(2))
    with pytest.raises(LutlearnError, match="another look or strength"):
        render(codes, lambda c: c, strength=0.0, cache=ColourCache(invert.apply, 1.0))
    with pytest.raises(LutlearnError, match="another look or strength"):
        render(codes, invert.apply, strength=0.5, cache=ColourCache(invert.apply, 1.0))
    cache = ColourCache(invert.apply, 0.5)  # the same look through another bound method of it is the same look
    np.testing.assert_array_equal(render(codes, invert.apply, strength=0.5, cache=cache),
                                  render(codes, invert.apply, strength=0.5))


def test_clipped_colours_are_counted_in_a_warning():
    codes = np.array([[[10, 200, 250]]], np.uint8)
    with pytest.warns(UserWarning, match="1 colours outside"):
        out = render(codes, lambda c: c * 2)
    assert out.tolist() == [[[20, 255, 255]]]


@pytest.mark.parametrize("photo", ["kodim05.png", "kodim14.png", "kodim23.png"])
@pytest.mark.parametrize("method", ["tetrahedral", "trilinear"])
def test_real_cube_matches_ffmpeg_and_opencolorio(photo, method):
    codes = _photo(photo)
    ours = render(codes, LatticeLook(read_lut(REAL_CUBE), method).apply)
    # ffmpeg's 8-bit path truncates to 8 bits: within 1 code, never above ours
    diff = ours.astype(int) - ffmpeg_lut3d(REAL_CUBE, codes, method)
    assert diff.min() >= 0 and diff.max() <= 1
    # its float path and OpenColorIO agree with the unrounded result, so ours is within rounding (0.5 code)
    for theirs in (ffmpeg_lut3d(REAL_CUBE, codes, method, float_output=True),
                   ocio_apply(REAL_CUBE, codes.astype(np.float32) / 255, method)):
        assert np.abs(ours - theirs * 255).max() <= 0.5 + 1e-3


def test_trilinear_matches_pillow_color3dlut():
    lut, codes = read_lut(REAL_CUBE), _photo("kodim19.png")
    ours = render(codes, LatticeLook(lut, "trilinear").apply)
    assert np.abs(ours.astype(int) - pillow_color3dlut(lut, codes)).max() <= 1


@pytest.mark.parametrize("hald", HALDS, ids=[h.stem for h in HALDS])
def test_real_hald_looks_match_ffmpeg_haldclut(hald):
    photo = PHOTOS / f"kodim{HALDS.index(hald) * 3 + 1:02d}.png"
    codes = _photo(photo.name)
    ours = render(codes, resolve_look(hald).apply)
    assert np.abs(ours.astype(int) - ffmpeg_haldclut(hald, codes)).max() <= 1


def test_apply_to_file_keeps_depth_alpha_and_metadata(tmp_path):
    codes = _photo()[:40, :50]
    alpha = np.random.default_rng(0).integers(0, 65536, codes.shape[:2]).astype(np.uint16)
    src = write_image(tmp_path / "in.png", codes.astype(np.uint16) * 257, bit_depth=16, alpha=alpha,
                      dpi=(240, 240))
    lut = read_lut(REAL_CUBE)
    out = read_image(apply_to_file(src, LatticeLook(lut), tmp_path / "out.png"), codes=True)
    assert out.bit_depth == 16 and out.dpi == read_image(src).dpi
    np.testing.assert_array_equal(out.alpha, alpha)
    expected = np.rint(lut.apply(codes.astype(np.float32) / 255) * 65535)
    assert np.abs(out.rgb.astype(int) - expected).max() <= 1


def test_model_file_look_is_evaluated_exactly(small_model):
    model, path = small_model
    look = resolve_look(path)
    codes = _photo()[:50]
    expected = np.clip(np.rint(model.apply(codes.astype(np.float32) / 255) * 255), 0, 255)
    np.testing.assert_array_equal(render(codes, look.apply), expected)


def test_resolver_errors():
    with pytest.raises(LutlearnError, match="no look named 'no_such_look'"):
        resolve_look("no_such_look")
    with pytest.raises(LutlearnError, match="no such look file"):
        resolve_look("missing.cube")
    with pytest.raises(LutlearnError, match="not a look file"):
        resolve_look(str(PHOTOS / "LICENSE.md"))


def test_function_look_and_never_overwriting_the_input(tmp_path):
    src = write_image(tmp_path / "p.png", _photo()[:8, :8])
    invert = FunctionLook(lambda c: 1 - c, name="invert")
    out = read_image(apply_to_file(src, invert, tmp_path / "q.png"), codes=True).rgb
    np.testing.assert_array_equal(out, 255 - _photo()[:8, :8])
    with pytest.raises(LutlearnError, match="would overwrite the input"):
        apply_to_file(src, invert, src)
    with pytest.raises(LutlearnError, match="pass --overwrite"):
        apply_to_file(src, invert, tmp_path / "q.png", overwrite=False)


def test_grey_icc_profile_is_not_copied_to_rgb_output(tmp_path):
    from PIL import Image, ImageCms

    grey_icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()  # not an RGB profile
    src = tmp_path / "g.png"
    Image.fromarray(np.full((4, 4), 100, np.uint8), "L").save(src, icc_profile=grey_icc)
    with pytest.warns(UserWarning, match="ICC profile was not copied"):
        out = apply_to_file(src, LatticeLook(LUT3D.identity(2)), tmp_path / "o.png")
    assert read_image(out).icc_profile is None


def test_16bit_to_jpeg_needs_an_explicit_bit_depth(tmp_path):
    src = write_image(tmp_path / "p.png", np.zeros((4, 4, 3), np.uint16), bit_depth=16)
    look = LatticeLook(LUT3D.identity(2))
    with pytest.raises(LutlearnError, match="pass --bit-depth 8"):
        apply_to_file(src, look, tmp_path / "p.jpg")
    assert read_image(apply_to_file(src, look, tmp_path / "p.jpg", bit_depth=8)).bit_depth == 8


def test_written_cube_is_read_by_ffmpeg_identically(tmp_path):
    lut = LUT3D(np.random.default_rng(7).random((9, 9, 9, 3), dtype=np.float32))
    path = write_cube(lut, tmp_path / "r.cube", decimals=7)
    codes = _photo()[:64]
    ours = lut.apply(codes.astype(np.float32) / 255)
    np.testing.assert_allclose(ffmpeg_lut3d(path, codes, float_output=True), ours, atol=1e-5)


def _batch(tmp_path, n):
    """n flat 8x8 photos, photo k of the grey level 40 k + 5, to be written to tmp_path/out."""
    photos = [write_image(tmp_path / f"p{k}.png", np.full((8, 8, 3), 40 * k + 5, np.uint8)) for k in range(n)]
    return plan_outputs(photos, out_dir=tmp_path / "out")


def test_a_batch_reports_every_kind_of_per_file_failure_and_does_the_rest(tmp_path):
    pairs = _batch(tmp_path, 5)

    def odd(c):
        if np.isclose(c, 45 / 255).any():
            raise MemoryError()
        if np.isclose(c, 85 / 255).any():
            raise KeyError("a bug")
        return 1 - c

    (tmp_path / "p3.png").write_bytes(b"")  # unreadable
    seen = []
    result = apply_batch(pairs, FunctionLook(odd), jobs=2, on_done=lambda s, d, e: seen.append((s.name, e)))
    assert [s.name for s, _ in result.written] == ["p0.png", "p4.png"]
    failed = dict((s.name, m) for s, m in result.failed)
    assert "out of memory" in failed["p1.png"] and "KeyError" in failed["p2.png"] and "empty" in failed["p3.png"]
    assert all(m.startswith(str(tmp_path)) for m in failed.values())
    assert [name for name, _ in seen] == [f"p{k}.png" for k in range(5)]  # in input order
    assert result.summary() == "applied to 2 of 5 files; 3 failed"


def test_a_stopped_batch_finishes_what_it_began_and_starts_nothing_more(tmp_path):
    pairs = _batch(tmp_path, 6)
    began = []

    def slow(c):
        began.append(1)
        import time

        time.sleep(0.3)
        return c

    result = apply_batch(pairs, FunctionLook(slow), jobs=2, stop=lambda: len(began) > 0)
    assert result.stopped and 1 <= len(result.written) <= 2 and not result.failed
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(d.name for _, d in result.written)
    assert result.summary().startswith(f"interrupted: applied to {len(result.written)} of 6 files")
