import numpy as np
import pytest
from PIL import Image

from lutlearn.grades import darkroom
from lutlearn.images import read_jpeg_planes, write_image
from lutlearn.learn.jpeg420 import as_jpeg_sees_it, block_loss, block_samples, from_ycbcr, to_ycbcr
from lutlearn.learn.metrics import delta_e2000
from lutlearn.learn.pairs import load_pairs
from lutlearn.learn.train import FitConfig, fit
from lutlearn.luts.chart import identity_chart


def _jpeg(path, rgb, subsampling):
    Image.fromarray(np.rint(np.clip(rgb, 0, 1) * 255).astype(np.uint8)).save(path, quality=95, subsampling=subsampling)
    return path


def test_ycbcr_round_trip():
    rgb = np.random.default_rng(0).random((100, 3), dtype=np.float32)
    np.testing.assert_allclose(from_ycbcr(to_ycbcr(rgb)), rgb, atol=1e-5)


def test_blocks_are_2x2_in_raster_order():
    before = np.arange(4 * 6 * 3, dtype=np.float32).reshape(4, 6, 3)
    s = block_samples(before, before[..., 0], np.zeros((2, 3, 2), np.float32))
    assert s.x.shape == (6, 4, 3) and len(s) == 6 and s.pixels == 24
    np.testing.assert_array_equal(s.x[1, :, 0], before[[0, 0, 1, 1], [2, 3, 2, 3], 0])


def test_stored_planes_are_read_without_upsampling(tmp_path):
    rgb = identity_chart(4)  # 64x64 of sharply different neighbours
    path = _jpeg(tmp_path / "c.jpg", rgb, 2)
    luma, chroma = read_jpeg_planes(path)
    assert luma.shape == (64, 64) and chroma.shape == (32, 32, 2)
    true = to_ycbcr(np.rint(rgb * 255) / 255)
    block_mean = true[..., 1:].reshape(32, 2, 32, 2, 2).mean(axis=(1, 3))
    assert np.abs(chroma - block_mean).mean() * 255 < 2.0  # quantisation only
    assert np.abs(luma - true[..., 0]).mean() * 255 < 1.5
    assert read_jpeg_planes(_jpeg(tmp_path / "f.jpg", rgb, 0)) is None  # 4:4:4
    write_image(tmp_path / "p.png", rgb)
    assert read_jpeg_planes(tmp_path / "p.png") is None


def test_block_loss_is_zero_for_a_consistent_prediction():
    pred = np.random.default_rng(1).random((8, 3), dtype=np.float32)
    ycc = to_ycbcr(pred).reshape(2, 4, 3)
    batch = (None, ycc[..., 0], ycc[..., 1:].mean(axis=1), np.ones(2, np.float32))
    assert block_loss(pred, batch) < 1e-12
    assert block_loss(pred + 0.01, batch) > 1e-5


@pytest.mark.slow
def test_fitting_a_420_chart_models_the_subsampling(chart8_pair, tmp_path):
    before = chart8_pair[0]
    truth = darkroom(identity_chart(8))
    after = _jpeg(tmp_path / "after.jpg", truth, 2)
    x = np.random.default_rng(2).random((20000, 3), dtype=np.float32)
    errors = {}
    for aware in (True, False):
        samples = load_pairs([(before, after)], jpeg_chroma=aware)
        assert samples.kind == ("jpeg420" if aware else "pixel")
        model = fit(samples, config=FitConfig(max_epochs=25, batch_size=1024, learning_rate=1e-2)).model
        errors[aware] = float(delta_e2000(model.apply(x), darkroom(x)).mean())
    assert errors[True] < 0.7 * errors[False]


def test_as_jpeg_sees_it_averages_chroma_per_block():
    pred = np.random.default_rng(3).random((8, 3), dtype=np.float32)
    out = to_ycbcr(as_jpeg_sees_it(pred)).reshape(2, 4, 3)
    np.testing.assert_allclose(out[..., 0], to_ycbcr(pred).reshape(2, 4, 3)[..., 0], atol=1e-5)
    assert np.ptp(out[..., 1:], axis=1).max() < 1e-5
