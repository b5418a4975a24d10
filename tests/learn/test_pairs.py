import warnings

import numpy as np
import pytest
from PIL import Image

from lutlearn.errors import LutlearnError, LutlearnWarning
from lutlearn.images import write_image
from lutlearn.learn.pairs import collapse, load_pairs


def _ramp(h=32, w=48):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x / (w - 1), y / (h - 1), (x + y) / (h + w - 2)], axis=-1).astype(np.float32)


def test_collapse_means_and_counts_8bit():
    x = np.array([[0, 0, 0], [1, 1, 1], [0, 0, 0], [0, 0, 0]], np.float32)
    y = np.array([[0.1, 0.2, 0.3], [1, 1, 1], [0.3, 0.2, 0.1], [0.2, 0.2, 0.2]], np.float32)
    s = collapse(x, y)
    assert len(s) == 2
    np.testing.assert_allclose(s.y[0], [0.2, 0.2, 0.2], atol=1e-6)
    assert s.w.tolist() == [3.0, 1.0]


def test_collapse_16bit_keys_are_exact():
    x = np.array([[1 / 65535, 0, 0], [2 / 65535, 0, 0], [1 / 65535, 0, 0]], np.float32)
    y = np.array([[0, 0, 0], [1, 1, 1], [1, 1, 1]], np.float32)
    s = collapse(x, y)
    assert len(s) == 2 and s.w.tolist() == [2.0, 1.0]
    np.testing.assert_allclose(s.y[0], [0.5, 0.5, 0.5])


def test_collapse_keeps_distinct_chart_untouched():
    x = np.random.default_rng(0).permutation(np.arange(4096)).astype(np.float32)
    x = np.stack([x % 16, (x // 16) % 16, x // 256], axis=1) / 255.0
    s = collapse(x, x * 0.5)
    assert len(s) == 4096 and (s.w == 1).all()
    np.testing.assert_allclose(s.y, s.x * 0.5)


def test_pairs_from_files_match_pixels(tmp_path):
    before = _ramp()
    write_image(tmp_path / "b.png", before)
    write_image(tmp_path / "a.png", before[..., ::-1])
    s = load_pairs([(tmp_path / "b.png", tmp_path / "a.png")])
    np.testing.assert_allclose(s.y, s.x[:, ::-1], atol=1e-6)
    assert s.pixels == 32 * 48
    assert len(s.sources[0]["before"]["sha256"]) == 64


def test_size_mismatch_is_an_error_naming_the_file_and_the_option(tmp_path):
    write_image(tmp_path / "b.png", _ramp())
    write_image(tmp_path / "a.png", _ramp(64, 96))
    with pytest.raises(LutlearnError, match=r"a\.png: size 96x64 differs .* --method photo"):
        load_pairs([(tmp_path / "b.png", tmp_path / "a.png")])


def test_match_size_resamples_with_a_warning(tmp_path):
    write_image(tmp_path / "b.png", _ramp(32, 48))
    write_image(tmp_path / "a.png", _ramp(64, 96))
    with pytest.warns(LutlearnWarning, match="resampled from 96x64 to 48x32"):
        s = load_pairs([(tmp_path / "b.png", tmp_path / "a.png")], match_size=True)
    assert np.abs(s.y - s.x).mean() < 0.02  # same smooth ramp at another resolution


def test_single_colour_image_is_refused(tmp_path):
    flat = np.full((16, 16, 3), 0.5, np.float32)
    write_image(tmp_path / "b.png", flat)
    write_image(tmp_path / "a.png", flat)
    with pytest.raises(LutlearnError, match="only 1 distinct colours"):
        load_pairs([(tmp_path / "b.png", tmp_path / "a.png")])


def test_transparent_pixels_are_left_out_with_a_warning(tmp_path):
    rgb = _ramp()
    alpha = np.ones(rgb.shape[:2], np.float32)
    alpha[:, :8] = 0
    write_image(tmp_path / "b.png", rgb, alpha=alpha)
    write_image(tmp_path / "a.png", rgb)
    with pytest.warns(LutlearnWarning, match="alpha channel ignored; 256 fully transparent"):
        s = load_pairs([(tmp_path / "b.png", tmp_path / "a.png")])
    assert s.pixels == 32 * 40


def test_palette_grey_and_cmyk_inputs_are_converted(tmp_path):
    rgb8 = (np.clip(_ramp(), 0, 1) * 255).astype(np.uint8)
    Image.fromarray(rgb8).convert("P").save(tmp_path / "p.png")
    Image.fromarray(rgb8).convert("L").save(tmp_path / "l.png")
    Image.fromarray(rgb8).convert("CMYK").save(tmp_path / "c.jpg")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = load_pairs([(tmp_path / "p.png", tmp_path / "p.png"), (tmp_path / "l.png", tmp_path / "c.jpg")])
    assert any("CMYK converted to RGB" in str(w.message) for w in caught)
    assert len(s) > 16
