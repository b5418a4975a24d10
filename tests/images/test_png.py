"""The fast PNG encoder: every decoder reads back what was written (8/16-bit, alpha, each filter, many strips)."""

import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from lutlearn.images.png import _adler32_combine, write_png
from lutlearn.images.png16 import chunk


def _idat(path) -> bytes:
    data, pos, raw = b"", 8, path.read_bytes()
    while pos < len(raw):
        (length,), kind = struct.unpack(">I", raw[pos : pos + 4]), raw[pos + 4 : pos + 8]
        assert struct.unpack(">I", raw[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(raw[pos + 4 : pos + 8 +
                                                                                                  length])
        if kind == b"IDAT":
            data += raw[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return data


@pytest.mark.parametrize("dtype, alpha, filter, threads", [
    (np.uint8, False, "up", 2), (np.uint8, True, "sub", 3), (np.uint16, False, "up", 2),
    (np.uint16, True, "none", 1), (np.uint16, True, "up", 2)])
def test_every_decoder_reads_back_the_pixels(tmp_path, dtype, alpha, filter, threads):
    rng = np.random.default_rng(0)
    top = np.iinfo(dtype).max
    rgb = rng.integers(0, top + 1, (1100, 700, 3)).astype(dtype)  # 4-12 strips of 4 MB
    a = rng.integers(0, top + 1, (1100, 700)).astype(dtype) if alpha else None
    path = tmp_path / "p.png"
    write_png(path, rgb[:, ::-1], alpha=a, filter=filter, threads=threads)  # any strides
    want = rgb[:, ::-1] if a is None else np.dstack([rgb[:, ::-1], a])
    raw = zlib.decompress(_idat(path))  # one valid zlib stream: its Adler-32 checked
    assert len(raw) == 1100 * (1 + want[0].nbytes)
    back = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(back[..., [2, 1, 0, 3][: back.shape[-1]]], want)
    if dtype == np.uint8:
        np.testing.assert_array_equal(np.asarray(Image.open(path)), want)


def test_metadata_chunks_go_before_the_pixels_and_tiny_images(tmp_path):
    icc = b"fake-profile"
    extra = chunk(b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc))
    write_png(tmp_path / "one.png", np.array([[[1, 2, 3]]], np.uint8), extra=extra)
    im = Image.open(tmp_path / "one.png")
    assert im.info["icc_profile"] == icc and np.asarray(im).tolist() == [[[1, 2, 3]]]
    raw = (tmp_path / "one.png").read_bytes()
    assert raw.index(b"iCCP") < raw.index(b"IDAT")


def test_adler32_combine():
    a, b = bytes(range(256)) * 300, bytes(range(7, 250)) * 999
    assert _adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)
    assert _adler32_combine(1, zlib.adler32(b), len(b)) == zlib.adler32(b)


def test_bad_arguments():
    with pytest.raises(ValueError, match="uint8 or uint16"):
        write_png("x.png", np.zeros((2, 2, 3), np.float32))
    with pytest.raises(ValueError, match="filter must be one of"):
        write_png("x.png", np.zeros((2, 2, 3), np.uint8), filter="paeth")
