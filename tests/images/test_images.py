"""Image I/O: codes in and out at 8 and 16 bits, with ICC, EXIF, DPI and alpha untouched."""

import numpy as np
import pytest
from PIL import Image, ImageCms

from lutlearn.errors import ImageReadError, LutlearnError
from lutlearn.images import read_image, write_image
from lutlearn.images.highbit import png_with_metadata, tiff_as_stored

ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
CASES = [("png", 8), ("png", 16), ("tif", 8), ("tif", 16), ("jpg", 8)]


def _exif(orientation=6):
    exif = Image.Exif()
    exif[274] = orientation  # Orientation: kept as metadata, never applied
    exif[0x010F] = "lutlearn test camera"
    exif.get_ifd(0x8769)[0x9003] = "2024:05:06 07:08:09"  # DateTimeOriginal, in the Exif sub-IFD
    return exif.tobytes()


def _codes(depth, shape=(6, 9, 3), seed=0):
    top = 255 if depth == 8 else 65535
    return np.random.default_rng(seed).integers(0, top + 1, shape).astype(np.uint8 if depth == 8 else np.uint16)


def _tags(exif_bytes):
    exif = Image.Exif()
    exif.load(exif_bytes or b"")
    return exif.get(274), exif.get(0x010F), exif.get_ifd(0x8769).get(0x9003)


@pytest.mark.parametrize("ext, depth", CASES)
def test_metadata_round_trip(tmp_path, ext, depth):
    rgb = _codes(depth)
    path = write_image(tmp_path / f"x.{ext}", rgb, bit_depth=depth, icc_profile=ICC, exif=_exif(), dpi=(300, 200))
    back = read_image(path, codes=True)
    assert back.bit_depth == depth and back.rgb.dtype == rgb.dtype and back.rgb.shape == rgb.shape
    if ext != "jpg":
        np.testing.assert_array_equal(back.rgb, rgb)
    assert back.icc_profile == ICC
    assert np.allclose(back.dpi, (300, 200), atol=0.01)
    assert _tags(back.exif) == (6, "lutlearn test camera", "2024:05:06 07:08:09")  # every format, every depth


@pytest.mark.parametrize("ext, depth", [c for c in CASES if c[0] != "jpg"])
def test_alpha_passes_through_untouched(tmp_path, ext, depth):
    rgb, alpha = _codes(depth), _codes(depth, (6, 9), seed=1)
    back = read_image(write_image(tmp_path / f"a.{ext}", rgb, bit_depth=depth, alpha=alpha), codes=True)
    np.testing.assert_array_equal(back.rgb, rgb)
    np.testing.assert_array_equal(back.alpha, alpha)


@pytest.mark.parametrize("orientation", [2, 3, 6, 8])
@pytest.mark.parametrize("ext, depth", [c for c in CASES if c[0] != "jpg"])
def test_orientation_is_kept_not_applied(tmp_path, ext, depth, orientation):
    rgb = _codes(depth)
    path = write_image(tmp_path / f"o.{ext}", rgb, bit_depth=depth, exif=_exif(orientation))
    back = read_image(path, codes=True)
    np.testing.assert_array_equal(back.rgb, rgb)  # pixels as stored, not turned
    assert _tags(back.exif)[0] == orientation


def test_float_interface_unchanged(tmp_path):
    rgb = np.random.default_rng(2).random((4, 5, 3), dtype=np.float32)
    for depth in (8, 16):
        back = read_image(write_image(tmp_path / f"f{depth}.png", rgb, bit_depth=depth))
        assert back.rgb.dtype == np.float32
        np.testing.assert_allclose(back.rgb, rgb, atol=0.5 / (255 if depth == 8 else 65535) + 1e-7)


def test_codes_of_the_wrong_depth_are_refused(tmp_path):
    with pytest.raises(LutlearnError, match="cannot write uint16 codes as a 8-bit image"):
        write_image(tmp_path / "x.png", _codes(16), bit_depth=8)


@pytest.mark.parametrize("ext, depth", [("png", 8), ("png", 16), ("jpg", 8), ("tif", 8)])
def test_truncated_file_is_an_image_read_error(tmp_path, ext, depth):
    rgb = _codes(depth, (64, 64, 3))
    data = write_image(tmp_path / f"t.{ext}", rgb, bit_depth=depth).read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match=f"{cut}"):
        read_image(cut, codes=True)


def test_png_chunks_replace_existing_ones():
    from io import BytesIO

    buf = BytesIO()
    Image.fromarray(_codes(8)).save(buf, format="PNG", dpi=(72, 72))
    png = png_with_metadata(buf.getvalue(), ICC, None, (300, 300))
    assert png.count(b"pHYs") == 1 and png.count(b"iCCP") == 1
    assert Image.open(BytesIO(png)).info["icc_profile"] == ICC


def test_tiff_as_stored_only_touches_tiffs():
    assert tiff_as_stored(b"\x89PNG\r\n\x1a\n....") == b"\x89PNG\r\n\x1a\n...."
