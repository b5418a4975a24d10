"""The image-size limit: refused from the header, before any decoding; set by LUTLEARN_MAX_PIXELS."""

import time

import numpy as np
import pytest

from lutlearn.errors import ImageReadError, LutlearnError
from lutlearn.images import image_size, read_image
from lutlearn.images.limits import check_pixels, default_max_pixels, max_pixels, open_checked
from tests.hostile import corpus

BOMBS = {"png_50000x50000": ("big.png", lambda: corpus.png_declared(50000, 50000, complete=False)),
         "jpeg_65000x65000": ("big.jpg", lambda: corpus.jpeg_declared(65000, 65000)),
         "tiff_60000x60000": ("big.tif", lambda: corpus.tiff_declared(60000, 60000)),
         "png_441mpx_1mb": ("big.png", lambda: corpus.png_declared(21000, 21000))}


@pytest.mark.parametrize("kind", BOMBS)
def test_declared_size_refused_from_the_header(tmp_path, kind):
    name, make = BOMBS[kind]
    p = tmp_path / name
    p.write_bytes(make())
    t0 = time.perf_counter()
    says = r"exceeds the limit of 100 Mpx \(set LUTLEARN_MAX_PIXELS to raise it\)"
    for read in (lambda: read_image(p), lambda: image_size(p)):
        with pytest.raises(ImageReadError, match=says):
            read()
    assert time.perf_counter() - t0 < 2.0


def test_under_the_limit_opens_and_decodes(tmp_path):
    p = tmp_path / "ok.png"
    p.write_bytes(corpus.small_png())  # 96 x 64 = 6144 pixels
    with open_checked(p, limit=6144) as im:
        im.load()
        assert im.size == (96, 64)
    with pytest.raises(ImageReadError, match="6144 pixels"):
        with open_checked(p, limit=6143):
            pass


def test_the_environment_sets_the_limit(tmp_path, monkeypatch):
    p = tmp_path / "ok.png"
    p.write_bytes(corpus.small_png())
    monkeypatch.setenv("LUTLEARN_MAX_PIXELS", "5000")
    with pytest.raises(ImageReadError, match="exceeds the limit of 5000 pixels"):
        read_image(p)
    monkeypatch.setenv("LUTLEARN_MAX_PIXELS", "7k")
    assert read_image(p).rgb.shape == (64, 96, 3)


def test_notes_for_cmyk_and_animation(tmp_path):
    for name, data, says in (("c.jpg", corpus.cmyk_jpeg(), "CMYK"), ("a.gif", corpus.animated_gif(), "first frame")):
        p = tmp_path / name
        p.write_bytes(data)
        notes = []
        with open_checked(p, notes=notes):
            pass
        assert len(notes) == 1 and says in notes[0]
        assert [n for n in read_image(p).notes if says in n]


@pytest.mark.parametrize("data, says", [(b"", "empty file"), (b"not an image" * 10, "not an image")])
def test_empty_and_junk(tmp_path, data, says):
    p = tmp_path / "x.png"
    p.write_bytes(data)
    with pytest.raises(ImageReadError, match=says):
        with open_checked(p):
            pass


def test_env_parsing(monkeypatch):
    for text, value in (("250M", 250_000_000), ("250e6", 250_000_000), ("1_000", 1000), ("40 mpx", 40_000_000)):
        monkeypatch.setenv("LUTLEARN_MAX_PIXELS", text)
        assert max_pixels() == value
    for text in ("lots", "0", "-5"):
        monkeypatch.setenv("LUTLEARN_MAX_PIXELS", text)
        with pytest.raises(LutlearnError, match="LUTLEARN_MAX_PIXELS"):
            max_pixels()
    monkeypatch.delenv("LUTLEARN_MAX_PIXELS")
    assert max_pixels() == default_max_pixels() <= 100_000_000


def test_no_pillow_bomb_warning_below_the_limit(tmp_path, recwarn):
    p = tmp_path / "wide.png"
    p.write_bytes(corpus.png_declared(20000, 2, complete=True))
    with open_checked(p, limit=10**9) as im:
        im.load()
    assert not [w for w in recwarn if "DecompressionBomb" in str(w.category)]
    check_pixels((10, 10), "x", limit=100)


def test_a_16bit_png_is_decoded_once_and_exactly(tmp_path):
    import cv2

    codes = (np.arange(64 * 96 * 3, dtype=np.uint32) * 97 % 65536).astype(np.uint16).reshape(64, 96, 3)
    cv2.imwrite(str(tmp_path / "deep.png"), codes[..., ::-1].copy())
    image = read_image(tmp_path / "deep.png", codes=True)
    assert image.bit_depth == 16 and (image.rgb == codes).all()
    (tmp_path / "cut.png").write_bytes((tmp_path / "deep.png").read_bytes()[:4000])
    with pytest.raises(ImageReadError, match="cut.png: cannot decode image"):
        read_image(tmp_path / "cut.png")


def test_pixels_that_decode_to_more_than_6_bytes_count_in_proportion(tmp_path):
    rgba16 = tmp_path / "rgba16.png"
    rgba16.write_bytes(corpus.png_declared(10000, 8000, bit_depth=16, colour="rgba", complete=False))
    with pytest.raises(ImageReadError, match=r"10000x8000 pixels \(80 Mpx; 8 bytes a pixel count as 106.667 Mpx\) "
                                             r"exceeds the limit of 100 Mpx"):
        image_size(rgba16)
    rgb16 = tmp_path / "rgb16.png"
    rgb16.write_bytes(corpus.png_declared(10000, 8000, bit_depth=16, complete=False))
    assert image_size(rgb16) == (10000, 8000)  # 6 bytes a pixel: counted as it is
