"""The 16-bit PNG encoder: exact against libpng's decoders, any layout of the codes, memory flat in the image."""

import tracemalloc

import cv2
import numpy as np
import pytest
from PIL import Image

from lutlearn.images.png16 import metadata_chunks, write_png16


def _codes(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 65536, shape, dtype=np.uint16)


def _decode(path):
    arr = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)  # libpng, as OpenCV ships it
    return arr[..., [2, 1, 0, 3][: arr.shape[-1]]]


@pytest.mark.parametrize("shape, layout", [((1, 1, 3), "c"), ((7, 5, 3), "c"), ((64, 96, 4), "c"),
                                           ((64, 96, 3), "reversed"), ((64, 96, 4), "fortran"),
                                           ((60, 30000, 3), "c")])  # the last: 3 blocks of rows
def test_exact_for_any_shape_and_layout(tmp_path, shape, layout):
    codes = _codes(shape)
    view = {"c": codes, "reversed": codes[:, ::-1], "fortran": np.asfortranarray(codes)}[layout]
    write_png16(tmp_path / "x.png", view)
    np.testing.assert_array_equal(_decode(tmp_path / "x.png"), view)


def test_metadata_chunks_come_before_the_pixels(tmp_path):
    exif = b"Exif\0\0II*\0\x08\0\0\0\0\0"
    write_png16(tmp_path / "x.png", _codes((8, 8, 3)), metadata_chunks(None, exif, (300, 150)))
    with Image.open(tmp_path / "x.png") as im:
        assert tuple(round(v) for v in im.info["dpi"]) == (300, 150)
        assert im.info["exif"] == exif
    data = (tmp_path / "x.png").read_bytes()
    assert data.index(b"pHYs") < data.index(b"eXIf") < data.index(b"IDAT")


def test_memory_is_flat_in_the_image_size(tmp_path):
    y, x = np.mgrid[0:1500, 0:2000]
    codes = np.stack([x * 31, y * 43, (x + y) * 18], axis=-1).astype(np.uint16)  # 18 MB, quick to compress
    tracemalloc.start()
    write_png16(tmp_path / "big.png", codes)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 << 20, f"peak {peak / 1e6:.1f} MB while writing a {codes.nbytes / 1e6:.0f}-MB image"
    np.testing.assert_array_equal(_decode(tmp_path / "big.png"), codes)


def test_a_damaged_16bit_png_is_one_lutlearn_error_not_libpngs(tmp_path, capfd):
    from lutlearn.errors import ImageReadError
    from lutlearn.images import read_image

    write_png16(tmp_path / "x.png", _codes((64, 96, 3)))
    data = (tmp_path / "x.png").read_bytes()
    at = data.index(b"IDAT") + 40
    (tmp_path / "flipped.png").write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:])
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    for name, says in (("flipped.png", "CRC mismatch in a b'IDAT' chunk"), ("cut.png", "truncated")):
        with pytest.raises(ImageReadError, match=f"{name}: cannot decode image .*{says}"):
            read_image(tmp_path / name)
    assert "libpng" not in capfd.readouterr().err
