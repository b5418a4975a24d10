import numpy as np
import pytest

from lutlearn.errors import HaldError
from lutlearn.images import read_image
from lutlearn.luts import read_lut, write_lut
from lutlearn.luts.chart import chart_bit_depth, identity_chart, write_chart
from lutlearn.luts.hald import hald_level, hald_to_table, table_to_hald
from lutlearn.luts.lut import LUT3D, identity_grid


@pytest.mark.slow
def test_level16_chart_holds_every_8bit_colour_once_red_fastest(tmp_path):
    path = write_chart(tmp_path / "chart.png", 16)
    image = read_image(path)
    assert image.rgb.shape == (4096, 4096, 3) and image.bit_depth == 8
    codes = np.rint(image.rgb.reshape(-1, 3) * 255).astype(np.int64)
    index = codes[:, 0] + 256 * codes[:, 1] + 65536 * codes[:, 2]
    assert (index == np.arange(1 << 24)).all()  # red fastest, then green, then blue; each colour once


def test_chart_spot_values_follow_hald_order():
    chart = identity_chart(12)  # 1728x1728, 144 nodes per axis
    n = 144
    np.testing.assert_allclose(chart[0, 1] * (n - 1), [1, 0, 0], atol=1e-4)
    np.testing.assert_allclose(chart[0, n] * (n - 1), [0, 1, 0], atol=1e-4)
    np.testing.assert_allclose(chart[12, 0] * (n - 1), [0, 0, 1], atol=1e-4)  # row 12 starts node index 144*144


@pytest.mark.parametrize("level", [2, 4, 8, 12])
def test_written_chart_reads_back_as_identity_lut(tmp_path, level):
    path = write_chart(tmp_path / f"c{level}.png", level)
    depth = read_image(path).bit_depth
    assert depth == chart_bit_depth(level) == (8 if level in (2, 4) else 16)
    lut = read_lut(path)
    assert lut.size == level * level
    tol = 0.5 / 65535 if depth == 16 else 1e-7
    np.testing.assert_allclose(lut.table, identity_grid(level * level), atol=tol + 1e-7)


def test_hald_table_round_trip():
    table = np.random.default_rng(0).random((16, 16, 16, 3), dtype=np.float32)
    np.testing.assert_array_equal(hald_to_table(table_to_hald(table)), table)


def test_hald_16bit_export_round_trip(tmp_path):
    lut = LUT3D(np.random.default_rng(1).random((64, 64, 64, 3), dtype=np.float32))
    back = read_lut(write_lut(lut, tmp_path / "look.png"))
    np.testing.assert_allclose(back.table, lut.table, atol=0.5 / 65535 + 1e-7)


@pytest.mark.parametrize("side, msg", [(100, "not one"), (1728 * 2, "not one")])
def test_bad_hald_sides(side, msg):
    with pytest.raises(HaldError, match=msg):
        hald_level(side)


def test_hald_needs_square_node_count():
    with pytest.raises(HaldError, match="not a square"):
        table_to_hald(np.zeros((33, 33, 33, 3), np.float32))


def test_level_out_of_range():
    with pytest.raises(HaldError, match="2..16"):
        identity_chart(17)
