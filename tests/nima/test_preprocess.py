"""lutlearn.nima.preprocess: idealo's resize bit for bit, and what odd files do."""

import hashlib
import json
import warnings

import numpy as np
import pytest
from PIL import Image

from lutlearn.errors import ImageReadError, LutlearnWarning
from lutlearn.nima.preprocess import nima_pixels, to_network_input
from tests.shared import NIMA as SHARED

needs_shared = pytest.mark.needs(SHARED / "reference_scores.json")


@needs_shared
def test_resized_pixels_match_the_reference_bit_for_bit():
    reference = json.loads((SHARED / "reference_scores.json").read_text())["images"]
    for name, entry in reference.items():
        pixels = nima_pixels(SHARED / "examples" / name)
        assert pixels.shape == (224, 224, 3) and pixels.dtype == np.uint8
        assert hashlib.sha256(pixels.tobytes()).hexdigest() == entry["resized_rgb_uint8_sha256"], name


def test_resize_is_pil_nearest_without_crop(tmp_path):
    codes = np.random.default_rng(0).integers(0, 256, (150, 333, 3), dtype=np.uint8)
    Image.fromarray(codes).save(tmp_path / "a.png")
    want = np.asarray(Image.fromarray(codes).resize((224, 224), Image.NEAREST))
    np.testing.assert_array_equal(nima_pixels(tmp_path / "a.png"), want)


def test_exif_orientation_is_not_applied(tmp_path):
    im = Image.new("RGB", (300, 200), (10, 20, 30))
    im.paste((200, 0, 0), (0, 0, 150, 200))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW"
    im.save(tmp_path / "o.jpg", exif=exif, quality=95)
    pixels = nima_pixels(tmp_path / "o.jpg")
    assert pixels[112, 10, 0] > 150 and pixels[112, 200, 0] < 60  # still left half red


def test_to_network_input_range():
    out = to_network_input(np.array([[0, 255], [127.5, 51]], np.float32))
    np.testing.assert_allclose(out, [[-1, 1], [0, 51 / 127.5 - 1]], atol=1e-7)
    assert out.dtype == np.float32
    assert to_network_input(np.zeros((1, 224, 224, 3), np.uint8)).dtype == np.float32


def test_cmyk_jpeg_uses_pillows_convert(tmp_path):
    cmyk = Image.new("CMYK", (64, 48), (10, 200, 30, 5))
    cmyk.save(tmp_path / "c.jpg")
    want = np.asarray(Image.open(tmp_path / "c.jpg").convert("RGB").resize((224, 224), Image.NEAREST))
    with pytest.warns(LutlearnWarning, match="c.jpg: CMYK converted to RGB without colour management"):
        np.testing.assert_array_equal(nima_pixels(tmp_path / "c.jpg"), want)


def test_16_bit_rgb_png_reads_the_high_byte(tmp_path):
    import cv2

    codes = np.random.default_rng(1).integers(0, 65536, (40, 50, 3), dtype=np.uint16)
    cv2.imwrite(str(tmp_path / "rgb16.png"), codes[..., ::-1])
    want = np.asarray(Image.fromarray((codes >> 8).astype(np.uint8)).resize((224, 224), Image.NEAREST))
    np.testing.assert_array_equal(nima_pixels(tmp_path / "rgb16.png"), want)


def test_16_bit_grey_png_is_scaled_not_clipped(tmp_path):
    codes = np.linspace(0, 65535, 64 * 64).reshape(64, 64).astype(np.uint16)
    Image.fromarray(codes).save(tmp_path / "g16.png")
    assert Image.open(tmp_path / "g16.png").mode == "I;16"
    pixels = nima_pixels(tmp_path / "g16.png")
    want = np.asarray(Image.fromarray(np.rint(codes / 257).astype(np.uint8)).resize((224, 224), Image.NEAREST))
    np.testing.assert_array_equal(pixels[..., 0], want)
    assert np.all(pixels[..., 0] == pixels[..., 2]) and pixels.mean() < 160  # not a white page


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "LA"])
def test_other_modes_use_pillows_convert(tmp_path, mode):
    im = Image.fromarray(np.random.default_rng(2).integers(0, 256, (36, 40, 3), dtype=np.uint8)).convert(mode)
    im.save(tmp_path / "m.png")
    want = np.asarray(Image.open(tmp_path / "m.png").convert("RGB").resize((224, 224), Image.NEAREST))
    np.testing.assert_array_equal(nima_pixels(tmp_path / "m.png"), want)


def test_tiny_image_is_scored_with_a_warning(tmp_path):
    Image.new("RGB", (1, 1), (12, 34, 56)).save(tmp_path / "dot.png")
    with pytest.warns(LutlearnWarning, match=r"dot.png: only 1x1 pixels"):
        pixels = nima_pixels(tmp_path / "dot.png")
    assert (pixels == [12, 34, 56]).all()


def test_normal_image_does_not_warn(tmp_path):
    Image.new("RGB", (64, 32)).save(tmp_path / "ok.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nima_pixels(tmp_path / "ok.png")


def test_not_an_image(tmp_path):
    (tmp_path / "notes.jpg").write_text("hello")
    with pytest.raises(ImageReadError, match=r"notes.jpg: not an image file"):
        nima_pixels(tmp_path / "notes.jpg")


def test_truncated_jpeg(tmp_path):
    noise = np.random.default_rng(3).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / "full.jpg", quality=90)
    data = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match=r"cut.jpg: cannot decode image \(image file is truncated"):
        nima_pixels(tmp_path / "cut.jpg")


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(ImageReadError, match=r"nope.png: no such file"):
        nima_pixels(tmp_path / "nope.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageReadError, match=r"empty.png"):
        nima_pixels(tmp_path / "empty.png")
