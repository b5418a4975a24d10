"""What the fit report shows: each panel holds the data it claims to."""

import numpy as np
import pytest

from lutlearn.images import read_image, write_image
from lutlearn.learn.fitting import fit_files
from lutlearn.learn.metrics import delta_e2000
from lutlearn.learn.report import coverage_mosaic, report_figure
from lutlearn.learn.train import FitConfig
from tests.shared import PHOTOS

QUICK = FitConfig(max_epochs=6, epoch_samples=1 << 14, batch_size=1024, learning_rate=1e-2)


def test_coverage_mosaic_marks_covered_cells_only():
    x = np.array([[0.0, 0.0, 0.0], [0.99, 0.5, 0.2]], np.float32)  # two cells of the 4-bin cube
    mosaic = coverage_mosaic(x, bins=4)  # 2x2 tiles of 4x4 cells, one tile per blue level
    grey = (mosaic == np.float32(0.12)).all(axis=-1)
    assert mosaic.shape == (8, 8, 3) and (~grey).sum() == 2
    # black: blue level 0 (tile 0, top-left), red 0, green 0 (green runs upward: bottom row of the tile)
    assert not grey[3, 0] and mosaic[3, 0].tolist() == pytest.approx([0.125, 0.125, 0.125])
    # (0.99, 0.5, 0.2): blue level 0, red cell 3, green cell 2 -> row 3 - 2 = 1, column 3
    assert not grey[1, 3] and mosaic[1, 3].tolist() == pytest.approx([0.875, 0.625, 0.125])


@pytest.fixture(scope="module")
def photo_fit(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    before = read_image(PHOTOS / "kodim05.png").rgb[:96, :128]
    after = np.clip(before**1.4 * np.array([1.0, 0.95, 0.8], np.float32), 0, 1)
    pair = (d / "b.png", d / "a.png")
    write_image(pair[0], before)
    write_image(pair[1], after, bit_depth=16)
    summary = fit_files([pair], [d / "m.npz"], config=QUICK)
    return summary, pair, before


def test_report_panels_show_the_fit(photo_fit):
    summary, pair, before = photo_fit
    fig = report_figure(summary.model, summary.result, summary.samples, [pair])
    curve, shown_before, shown_after, predicted, delta_e, coverage = fig.axes[:6]
    line = curve.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), summary.result.train_loss)
    assert {text.get_text() for text in curve.get_legend().get_texts()} >= {"train", "validation"}
    np.testing.assert_allclose(shown_before.get_images()[0].get_array(), before, atol=1 / 255)
    expected = np.clip(summary.model.apply(read_image(pair[0]).rgb), 0, 1)
    np.testing.assert_allclose(predicted.get_images()[0].get_array(), expected, atol=1e-6)
    de = delta_e2000(expected, read_image(pair[1]).rgb)
    np.testing.assert_allclose(delta_e.get_images()[0].get_array(), de, rtol=1e-6)
    assert f"mean {de.mean():.2f}" in delta_e.get_title()
    np.testing.assert_array_equal(coverage.get_images()[0].get_array(), coverage_mosaic(summary.samples.flat_x))
    assert f"{len(summary.samples)} colours" in fig._suptitle.get_text()
    assert shown_before.get_title() == "before: b.png"
