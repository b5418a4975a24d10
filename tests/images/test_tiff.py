"""TIFF through tifffile: container settings kept, all EXIF written (read back by Pillow and tifffile), fallbacks."""

import numpy as np
import pytest
import tifffile
from PIL import Image, TiffImagePlugin

from lutlearn.images import write_image
from lutlearn.images.container import Container
from lutlearn.images.tiff import read_tiff, write_tiff


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F], exif[0x0110], exif[0x0131], exif[0x0132] = "Make", "Model", "Editor 1.0", "2026:11:30 12:00:00"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2026:11:29 10:11:12"  # DateTimeOriginal
    sub[0x829A] = TiffImagePlugin.IFDRational(1, 250)  # ExposureTime
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    return exif.tobytes()


def _pillow_exif(path) -> Image.Exif:
    with Image.open(path) as im:
        exif = im.getexif()
        exif.get_ifd(0x8769), exif.get_ifd(0x8825)
        return exif


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("alpha", [False, True])
def test_round_trip_with_all_exif_icc_and_dpi(tmp_path, dtype, alpha):
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, np.iinfo(dtype).max + 1, (40, 30, 3)).astype(dtype)
    a = rng.integers(0, np.iinfo(dtype).max + 1, (40, 30)).astype(dtype) if alpha else None
    path = tmp_path / "t.tif"
    write_tiff(path, rgb, alpha=a, icc_profile=b"icc-bytes", exif=_exif(), dpi=(300, 240))
    samples, extra, container, icc, dpi = read_tiff(path)
    np.testing.assert_array_equal(samples, rgb if a is None else np.dstack([rgb, a]))
    assert extra == int(alpha) and icc == b"icc-bytes" and dpi == (300.0, 240.0)
    assert container.compression == ("none" if dtype == np.uint8 else "deflate")  # the defaults with no input TIFF
    exif = _pillow_exif(path)
    assert exif[0x0112] == 6 and exif[0x010F] == "Make" and exif[0x0131] == "Editor 1.0"
    assert exif[0x0132] == "2026:11:30 12:00:00"
    assert exif.get_ifd(0x8769)[0x9003] == "2026:11:29 10:11:12"
    assert float(exif.get_ifd(0x8769)[0x829A]) == 1 / 250
    assert exif.get_ifd(0x8825)[1] == "N"
    with tifffile.TiffFile(path) as tif:  # tifffile reads the sub-IFD too
        assert tif.pages.first.tags["ExifTag"].value["DateTimeOriginal"] == "2026:11:29 10:11:12"


@pytest.mark.parametrize("compression, predictor", [("none", 1), ("deflate", 2), ("deflate", 1), ("lzma", 1)])
def test_the_input_container_is_kept(tmp_path, compression, predictor):
    rgb = np.random.default_rng(2).integers(0, 65536, (1000, 400, 3)).astype(np.uint16)  # 2.4 MB
    write_tiff(tmp_path / "o.tif", rgb, container=Container("TIFF", compression, predictor))
    with tifffile.TiffFile(tmp_path / "o.tif") as tif:
        page = tif.pages.first
        assert read_tiff(tmp_path / "o.tif")[2] == Container("TIFF", compression, predictor)
        assert (len(page.dataoffsets) > 1) == (compression != "none")  # compressed in several strips
        np.testing.assert_array_equal(page.asarray(), rgb)


def test_a_codec_tifffile_cannot_write_becomes_deflate_with_a_warning(tmp_path):
    try:
        import imagecodecs  # noqa: F401
        pytest.skip("imagecodecs is installed: LZW is written as LZW")
    except ImportError:
        pass
    rgb = np.zeros((8, 8, 3), np.uint8)
    with pytest.warns(UserWarning, match="cannot write lzw TIFF here.*wrote deflate"):
        write_tiff(tmp_path / "o.tif", rgb, container=Container("TIFF", "lzw", 2))
    assert read_tiff(tmp_path / "o.tif")[2] == Container("TIFF", "deflate", 2)
    # through write_image the warning names the output asked for, not the temporary file it is written to
    with pytest.warns(UserWarning, match=r"^\S*out\.tif: cannot write lzw") as caught:
        write_image(tmp_path / "out.tif", rgb, bit_depth=8, container=Container("TIFF", "lzw", 2))
    assert ".tmp" not in str(caught[0].message)


def test_planar_and_grey_files_are_read_and_others_left_to_the_general_reader(tmp_path):
    rgb = np.random.default_rng(3).integers(0, 256, (3, 20, 30)).astype(np.uint8)
    tifffile.imwrite(tmp_path / "planar.tif", rgb, photometric="rgb", planarconfig="separate")
    np.testing.assert_array_equal(read_tiff(tmp_path / "planar.tif")[0], np.moveaxis(rgb, 0, -1))
    tifffile.imwrite(tmp_path / "grey.tif", rgb[0], photometric="minisblack")
    assert read_tiff(tmp_path / "grey.tif")[0].shape == (20, 30)
    Image.fromarray(rgb[0], "L").convert("P").save(tmp_path / "palette.tif")
    Image.fromarray(np.moveaxis(rgb, 0, -1)).convert("CMYK").save(tmp_path / "cmyk.tif")
    assert read_tiff(tmp_path / "palette.tif") is None and read_tiff(tmp_path / "cmyk.tif") is None
    Image.fromarray(np.moveaxis(rgb, 0, -1)).save(tmp_path / "lzw.tif", compression="tiff_lzw")
    try:
        import imagecodecs  # noqa: F401
    except ImportError:  # tifffile cannot decode LZW without it
        assert read_tiff(tmp_path / "lzw.tif") is None
    else:
        assert read_tiff(tmp_path / "lzw.tif")[2].compression == "lzw"
