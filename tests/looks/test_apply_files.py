"""Applying a look to files stores the output as the input was, and passes ICC, EXIF and DPI through.

Uncompressed TIFF stays uncompressed, deflate stays deflate (with its
predictor), a JPEG keeps its quantisation tables, subsampling and progressive
mode unless a quality is asked for; PNG is fast or small with the same pixels.
The pixels equal ``render`` on the decoded codes, whichever engine computed them.
"""

import numpy as np
import pytest
import tifffile
from PIL import Image, ImageCms, JpegImagePlugin

from lutlearn.images import read_image
from lutlearn.looks.apply import apply_batch, apply_to_file
from lutlearn.looks.look import LatticeLook
from lutlearn.looks.render import render
from lutlearn.luts import read_lut
from tests.shared import LUTS, PHOTOS

CUBE = LUTS / "abpy_fuji_classic_chrome_srgb_32.cube"
ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x0112], exif[0x010F], exif[0x0110] = 6, "Camera", "Model 1"
    exif.get_ifd(0x8769)[0x9003] = "2026:11:29 10:11:12"  # DateTimeOriginal, in the Exif sub-IFD
    return exif.tobytes()


def _tags(exif_bytes):
    exif = Image.Exif()
    exif.load(exif_bytes or b"")
    return exif.get(0x0112), exif.get(0x010F), exif.get(0x0110), exif.get_ifd(0x8769).get(0x9003)


def _photo16(seed=0):
    codes = np.asarray(Image.open(PHOTOS / "kodim05.png").convert("RGB"))[:256, :384].astype(np.uint16) * 257
    return codes + np.random.default_rng(seed).integers(0, 257, codes.shape).astype(np.uint16)


def _tiff(path, pixels, **kw):
    from lutlearn.images.tiff import _exif_tags

    tags, _ = _exif_tags(_exif())
    tifffile.imwrite(path, pixels, photometric="rgb", metadata=None, iccprofile=ICC, resolution=(300.0, 300.0),
                     resolutionunit="INCH", extratags=[t for t in tags if t[0] == 0x0112], **kw)
    return path


def _page(path):
    with tifffile.TiffFile(path) as tif:
        page = tif.pages.first
        return int(page.compression), int(page.predictor), len(page.dataoffsets)


@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_uncompressed_16bit_tiff_stays_uncompressed(tmp_path, engine):
    src = _tiff(tmp_path / "in.tif", _photo16())
    look = LatticeLook(read_lut(CUBE), engine=engine)
    out = apply_to_file(src, look, tmp_path / "out.tif")
    assert _page(out)[:2] == (1, 1)
    back = read_image(out, codes=True)
    np.testing.assert_array_equal(back.rgb, render(_photo16(), look.apply))
    assert back.icc_profile == ICC and back.dpi == (300.0, 300.0) and _tags(back.exif)[0] == 6


@pytest.mark.parametrize("depth", [8, 16])
def test_deflate_tiff_stays_deflate_with_its_predictor_and_all_exif(tmp_path, depth):
    pixels = _photo16() if depth == 16 else (_photo16() >> 8).astype(np.uint8)
    src = tmp_path / "in.tif"
    tifffile.imwrite(src, pixels, photometric="rgb", compression="zlib", predictor=2, rowsperstrip=16)
    from lutlearn.images import write_image

    write_image(src, pixels, bit_depth=depth, exif=_exif(), icc_profile=ICC, dpi=(240, 240),
                container=read_image(src).container)  # the same file, now with every EXIF tag
    out = apply_to_file(src, LatticeLook(read_lut(CUBE)), tmp_path / "out.tif")
    assert _page(out)[:2] == (8, 2)
    back = read_image(out, codes=True)
    assert _tags(back.exif) == (6, "Camera", "Model 1", "2026:11:29 10:11:12")
    assert back.icc_profile == ICC and back.dpi == (240.0, 240.0)


def test_jpeg_keeps_its_tables_subsampling_and_progressive_mode(tmp_path):
    im = Image.open(PHOTOS / "kodim14.png").convert("RGB")
    src = tmp_path / "in.jpg"
    im.save(src, quality=70, subsampling=1, progressive=True, icc_profile=ICC, exif=_exif(), dpi=(200, 200))
    look = LatticeLook(read_lut(CUBE))
    out = apply_to_file(src, look, tmp_path / "kept.jpg")
    with Image.open(src) as a, Image.open(out) as b:
        assert b.quantization == a.quantization
        assert JpegImagePlugin.get_sampling(b) == 1 and b.info.get("progressive")
        assert b.info["icc_profile"] == ICC and b.info["dpi"] == (200, 200)
    assert _tags(read_image(out).exif) == (6, "Camera", "Model 1", "2026:11:29 10:11:12")
    asked = apply_to_file(src, look, tmp_path / "q95.jpg", quality=95)
    with Image.open(asked) as c, Image.open(src) as a:
        assert c.quantization != a.quantization and JpegImagePlugin.get_sampling(c) == 0


def test_png_fast_and_small_hold_the_same_pixels_and_metadata(tmp_path):
    src = tmp_path / "in.png"
    Image.open(PHOTOS / "kodim05.png").save(src, icc_profile=ICC, exif=_exif(), dpi=(300, 300))
    look = LatticeLook(read_lut(CUBE))
    fast = apply_to_file(src, look, tmp_path / "fast.png")
    small = apply_to_file(src, look, tmp_path / "small.png", png="small")
    want = render(np.asarray(Image.open(src)), look.apply)
    for out in (fast, small):
        back = read_image(out, codes=True)
        np.testing.assert_array_equal(back.rgb, want)
        np.testing.assert_array_equal(np.asarray(Image.open(out)), want)  # Pillow reads it too
        assert back.icc_profile == ICC and np.allclose(back.dpi, (300, 300), atol=0.01)
        assert _tags(back.exif) == (6, "Camera", "Model 1", "2026:11:29 10:11:12")
    assert small.stat().st_size < fast.stat().st_size


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_png_decoded_by_opencv_equals_pillow(tmp_path, mode):
    im = Image.open(PHOTOS / "kodim23.png").convert(mode)
    im.save(tmp_path / "p.png")
    got = read_image(tmp_path / "p.png", codes=True)
    want = np.asarray(im)
    np.testing.assert_array_equal(got.rgb, want[..., :3])
    if mode == "RGBA":
        np.testing.assert_array_equal(got.alpha, want[..., 3])


def test_float_tiff_through_the_compiled_kernel_equals_numpy(tmp_path):
    floats = (_photo16().astype(np.float32) / np.float32(65535)) * np.float32(1.1) - np.float32(0.05)
    src = tmp_path / "f.tif"
    tifffile.imwrite(src, floats, photometric="rgb")
    outs = [apply_to_file(src, LatticeLook(read_lut(CUBE), engine=e), tmp_path / f"{e}.tif", bit_depth=16)
            for e in ("numpy", "compiled")]
    np.testing.assert_array_equal(*(read_image(o, codes=True).rgb for o in outs))


def test_lzw_tiff_is_read_and_written_lzw_or_deflate_with_a_warning(tmp_path):
    src = tmp_path / "lzw.tif"
    Image.open(PHOTOS / "kodim05.png").crop((0, 0, 200, 100)).save(src, compression="tiff_lzw")
    try:
        import imagecodecs  # noqa: F401
    except ImportError:
        with pytest.warns(UserWarning, match="cannot write lzw TIFF here.*deflate"):
            out = apply_to_file(src, LatticeLook(read_lut(CUBE)), tmp_path / "out.tif")
        assert _page(out)[0] == 8
    else:
        assert _page(apply_to_file(src, LatticeLook(read_lut(CUBE)), tmp_path / "out.tif"))[0] == 5


def test_a_batch_of_16bit_tiffs_and_jpegs(tmp_path):
    srcs = [_tiff(tmp_path / f"t{k}.tif", _photo16(k)) for k in range(2)]
    Image.open(PHOTOS / "kodim05.png").save(tmp_path / "j.jpg", quality=80)
    srcs.append(tmp_path / "j.jpg")
    (tmp_path / "out").mkdir()
    pairs = [(p, tmp_path / "out" / p.name) for p in srcs]
    result = apply_batch(pairs, LatticeLook(read_lut(CUBE), engine="compiled"), jobs=2)
    assert not result.failed and len(result.written) == 3
    assert [_page(d)[0] for _, d in pairs[:2]] == [1, 1]
