"""The .cube reader and writer: real files, Resolve shaper files, and every malformed case."""


import numpy as np
import pytest

from lutlearn.errors import CubeParseError, LutlearnWarning
from lutlearn.luts.cube import format_cube, parse_cube, read_cube, write_cube
from lutlearn.luts.lut import LUT3D
from lutlearn.luts.lut1d import LUT1D
from lutlearn.luts.shaper import ShaperLUT
from tests.consumers import ocio_apply
from tests.shared import LUTS, ROOT

DATA = ROOT / "tests" / "data"
REAL_CUBE = LUTS / "abpy_fuji_classic_chrome_srgb_32.cube"


def _identity_rows(n):
    return [" ".join(f"{v:.6f}" for v in row) for row in LUT3D.identity(n).table.reshape(-1, 3)]


def test_real_even_sized_cube():
    lut = read_cube(REAL_CUBE)
    assert isinstance(lut, LUT3D) and lut.size == 32 and lut.has_default_domain
    assert lut.table.min() >= 0 and lut.table.max() <= 1
    grey = lut.apply(np.array([0.5, 0.5, 0.5], np.float32))
    assert np.ptp(grey) < 0.01 and grey[0] > 0.6  # neutral, brightened (PROVENANCE: 128 -> 180)


def test_title_comments_crlf_domain_any_order():
    lut = read_cube(DATA / "swap_domain_crlf.cube")
    assert lut.title == "swap # not a comment"
    assert lut.domain_max.tolist() == [2, 2, 2]
    np.testing.assert_allclose(lut.apply(np.array([0.2, 1.0, 1.8], np.float32)), [0.9, 0.5, 0.1], atol=1e-6)


def test_crlf_text_from_disk(tmp_path):
    path = tmp_path / "crlf.cube"
    path.write_bytes(("TITLE \"x\"\r\nLUT_3D_SIZE 2\r\n" + "\r\n".join(_identity_rows(2)) + "\r\n").encode())
    assert read_cube(path).title == "x"


def test_resolve_input_range_keyword():
    lut = parse_cube(["LUT_3D_SIZE 2", "LUT_3D_INPUT_RANGE 0.0 4.0", *_identity_rows(2)])
    assert lut.domain_min.tolist() == [0, 0, 0] and lut.domain_max.tolist() == [4, 4, 4]


def test_one_dimensional_cube():
    curve = read_cube(DATA / "invert_1d.cube")
    assert isinstance(curve, LUT1D) and curve.size == 3 and curve.title == "invert"
    np.testing.assert_allclose(curve.apply(np.array([[0.0, 0.25, 1.0]], np.float32)), [[1.0, 0.75, 0.0]])


def test_resolve_shaper_then_3d():
    lut = read_cube(DATA / "shaper_square.cube")
    assert isinstance(lut, ShaperLUT) and lut.shaper.size == 5 and lut.size == 3
    x = np.array([[0.5, 0.25, 1.0]], np.float32)
    np.testing.assert_allclose(lut.apply(x), [[0.25, 0.0625, 1.0]], atol=1e-6)  # shaper: x² at its nodes


def test_shaper_cube_agrees_with_opencolorio():
    x = np.random.default_rng(0).random((2000, 3), dtype=np.float32)
    ours = read_cube(DATA / "shaper_square.cube").apply(x)
    np.testing.assert_allclose(ours, ocio_apply(DATA / "shaper_square.cube", x), atol=2e-6)


@pytest.mark.parametrize("lut", [
    LUT3D(np.random.default_rng(1).random((5, 5, 5, 3), dtype=np.float32), title="r",
          domain_min=[0, -0.5, 0], domain_max=[1, 1.5, 2]),
    LUT1D(np.random.default_rng(2).random((7, 3), dtype=np.float32), domain_min=[0.1] * 3, domain_max=[0.9] * 3),
    ShaperLUT(LUT1D(np.linspace(0, 1, 9, dtype=np.float32)[:, None].repeat(3, 1), domain_max=[2] * 3),
              LUT3D(np.random.default_rng(3).random((3, 3, 3, 3), dtype=np.float32))),
], ids=["3d", "1d", "shaper"])
def test_write_read_round_trip(tmp_path, lut):
    back = read_cube(write_cube(lut, tmp_path / "x.cube", decimals=7))
    assert type(back) is type(lut)
    x = np.random.default_rng(4).random((500, 3), dtype=np.float32)
    np.testing.assert_allclose(back.apply(x), lut.apply(x), atol=1e-6)
    assert format_cube(back, 7) == format_cube(lut, 7)


def test_unknown_keywords_before_data_are_ignored():
    assert parse_cube(["LUT_IN_VIDEO_RANGE", "LUT_3D_SIZE 2", *_identity_rows(2)]).size == 2


def test_stray_1d_input_range_warns_and_is_ignored():
    with pytest.warns(LutlearnWarning, match="LUT_1D_INPUT_RANGE without LUT_1D_SIZE"):
        lut = parse_cube(["LUT_3D_SIZE 2", "LUT_1D_INPUT_RANGE 0 1.095", *_identity_rows(2)])
    assert lut.has_default_domain


ROWS = _identity_rows(2)
MALFORMED = {
    "too few rows": (["LUT_3D_SIZE 2", *ROWS[:7]], r"bad\.cube line 8: file ends after 7 data rows; expected 2\^3 = 8"),
    "too many rows": (["LUT_3D_SIZE 2", *ROWS, "0 0 0"], r"bad\.cube line 10: expected 2\^3 = 8 .* found more"),
    "shaper rows short": (["LUT_1D_SIZE 4", "LUT_3D_SIZE 2", *ROWS], r"line 10: file ends after 8 data rows; expected 4 \(LUT_1D_SIZE\) \+ 2\^3"),
    "not a number": (["LUT_3D_SIZE 2", *ROWS[:3], "0.5 abc 0", *ROWS[4:]], r"bad\.cube line 5: expected 3 numbers \(R G B\), got '0.5 abc 0'"),
    "two numbers": (["LUT_3D_SIZE 2", "0 0", *ROWS[1:]], r"line 2: expected 3 numbers \(R G B\), got '0 0'"),
    "nan": (["LUT_3D_SIZE 2", *ROWS[:5], "nan 0.1 0.2", *ROWS[6:]], r"line 7: expected 3 finite numbers \(R G B\), got 'nan 0.1 0.2'"),
    "inf": (["LUT_3D_SIZE 2", "inf 0 0", *ROWS[1:]], r"line 2: expected 3 finite numbers"),
    "size too big": (["LUT_3D_SIZE 300", *ROWS], r"line 1: LUT_3D_SIZE must be in 2\.\.256, got 300"),
    "size too small": (["LUT_3D_SIZE 1", "0 0 0"], r"line 1: LUT_3D_SIZE must be in 2\.\.256, got 1"),
    "1d size too big": (["LUT_1D_SIZE 70000"], r"line 1: LUT_1D_SIZE must be in 2\.\.65536, got 70000"),
    "size not integer": (["LUT_3D_SIZE 2.5", *ROWS], r"line 1: expected an integer LUT_3D_SIZE in 2\.\.256, got '2.5'"),
    "missing size": (["# no size", *ROWS], r"bad\.cube line 2: data row before any LUT_3D_SIZE or LUT_1D_SIZE line"),
    "empty file": (["# nothing"], r"line 1: end of file before any LUT_3D_SIZE or LUT_1D_SIZE line"),
    "size twice": (["LUT_3D_SIZE 2", "LUT_3D_SIZE 2", *ROWS], r"line 2: LUT_3D_SIZE given twice \(first on line 1\)"),
    "keyword after data": (["LUT_3D_SIZE 2", *ROWS[:4], "DOMAIN_MIN 0 0 0", *ROWS[4:]], r"line 6: DOMAIN_MIN after the data rows began on line 2"),
    "bad domain": (["LUT_3D_SIZE 2", "DOMAIN_MIN 0 0", *ROWS], r"line 2: expected 3 finite numbers after DOMAIN_MIN, got '0 0'"),
    "empty domain": (["LUT_3D_SIZE 2", "DOMAIN_MIN 1 1 1", "DOMAIN_MAX 1 1 1", *ROWS], r"line 3: expected the domain maximum"),
    "bad input range": (["LUT_3D_SIZE 2", "LUT_3D_INPUT_RANGE 0", *ROWS], r"line 2: expected 2 finite numbers after LUT_3D_INPUT_RANGE"),
}


@pytest.mark.parametrize("lines, message", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_cube_names_file_line_and_expectation(lines, message):
    with pytest.raises(CubeParseError, match=message) as info:
        parse_cube(lines, name="bad.cube")
    assert str(info.value).startswith("bad.cube")


def test_read_errors_name_the_path(tmp_path):
    path = tmp_path / "cut.cube"
    path.write_text("LUT_3D_SIZE 3\n0 0 0\n")
    with pytest.raises(CubeParseError, match=rf"{path} line 2: file ends after 1 data rows"):
        read_cube(path)
    with pytest.raises(CubeParseError, match="cannot read"):
        read_cube(tmp_path / "missing.cube")


GOOD = "LUT_3D_SIZE 2\n" + "\n".join(ROWS) + "\n"


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf" + GOOD.encode(), GOOD.encode("utf-16"), GOOD.encode("utf-16-le"),
                                  GOOD.encode("utf-16-be"), GOOD.replace("\n", "\r").encode()],
                         ids=["utf8_bom", "utf16_bom", "utf16le", "utf16be", "cr"])
def test_encodings_and_line_endings_from_disk(tmp_path, data):
    (tmp_path / "x.cube").write_bytes(data)
    np.testing.assert_array_equal(read_cube(tmp_path / "x.cube").table, parse_cube(GOOD.splitlines()).table)


@pytest.mark.parametrize("data, says", [
    (np.random.default_rng(1).integers(0, 256, 3000, dtype=np.uint8).tobytes(), r"not a text \.cube file \(binary"),
    (GOOD.replace("0.000000 0.000000 0.000000", "0 0 0\0\0").encode(), "binary data"),
    (b"LUT_3D_SIZE 2\n" + b"0 " * 1_500_000 + b"\n", "line 2: longer than 4096 characters"),
    (GOOD.replace("0.000000 0.000000 0.000000", "1e39 0 0").encode(), "line 2: expected 3 finite .*float32"),
    (b"LUT_3D_SIZE 256\n" + "\n".join(ROWS).encode(), r"file ends after 8 data rows; expected 256\^3"),
])
def test_hostile_files_are_one_short_line(tmp_path, data, says):
    path = tmp_path / "x.cube"
    path.write_bytes(data)
    with pytest.raises(CubeParseError, match=says) as info:
        read_cube(path)
    message = str(info.value)
    assert message.startswith(str(path)) and len(message) < 200 and "\ufffd" not in message


def test_memory_follows_the_table_not_the_text(tmp_path):
    import tracemalloc

    from tests.hostile.corpus import cube_constant

    path = tmp_path / "big.cube"
    path.write_bytes(cube_constant(33))  # 35937 rows in 3 batches, 1 MB of text
    tracemalloc.start()
    lut = read_cube(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert lut.size == 33
    assert peak < lut.table.nbytes + (8 << 20), f"peak {peak / 1e6:.0f} MB"  # the table and one batch of rows


def test_the_size_limit_is_configurable(monkeypatch):
    monkeypatch.setenv("LUTLEARN_MAX_LUT_SIZE", "17")
    with pytest.raises(CubeParseError, match=r"LUT_3D_SIZE must be in 2\.\.17 \(LUTLEARN_MAX_LUT_SIZE\), got 33"):
        parse_cube(["LUT_3D_SIZE 33", *ROWS])
