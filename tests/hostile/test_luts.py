"""Hostile LUT files (.cube and Hald CLUT images) as ``apply --look``, ``looks add`` and ``suggest --looks``."""

from __future__ import annotations

import numpy as np
import pytest

from tests.hostile import checks, corpus
from tests.hostile.budgets import CUBE_128_MB, PIXELS, REJECT_MB
from tests.hostile.harness import matrix, needs_weights

ROWS8 = [f"{r} {g} {b}" for b in (0, 1) for g in (0, 1) for r in (0, 1)]
GOOD = corpus.cube_text(2, ROWS8)
SIZE = r"LUT_3D_SIZE|size"
ROWS = r"row|line|expected|number"
BINARY = r"binary|not a text|encoding|NUL|not a \.?cube"  # junk must be called junk, not quoted


def _junk(n=3000, seed=1) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


# name: (bytes, problem regex)
BAD_CUBES = {
    "empty": (b"", r"empty|no data|LUT_3D_SIZE|end of file"),
    "no_size_keyword": ("\n".join(ROWS8).encode(), SIZE),
    "size_1": (corpus.cube_text(2, ROWS8, "LUT_3D_SIZE 1\n").encode(), r"2\.\.256|size"),
    "size_257": (corpus.cube_text(2, ROWS8, "LUT_3D_SIZE 257\n").encode(), r"256|size"),
    "size_negative": (corpus.cube_text(2, ROWS8, "LUT_3D_SIZE -8\n").encode(), r"size"),
    "size_20_digits": (corpus.cube_text(2, ROWS8, "LUT_3D_SIZE 99999999999999999999\n").encode(), r"256|size"),
    "size_text": (corpus.cube_text(2, ROWS8, "LUT_3D_SIZE abc\n").encode(), r"integer|size"),
    "size_float": (corpus.cube_text(2, ROWS8, "LUT_3D_SIZE 2.5\n").encode(), r"integer|size"),
    "lut1d_size_65537": (b"LUT_1D_SIZE 65537\n0 0 0\n1 1 1\n", r"65536|size"),
    "too_few_rows": (corpus.cube_text(3, ROWS8).encode(), ROWS),
    "too_many_rows": (corpus.cube_text(2, ROWS8 + ["1 1 1"]).encode(), ROWS),
    "two_numbers_in_row": (corpus.cube_text(2, ["0 0"] + ROWS8[1:]).encode(), ROWS),
    "nan_row": (corpus.cube_text(2, ["nan 0 0"] + ROWS8[1:]).encode(), r"finite|nan"),
    "inf_row": (corpus.cube_text(2, ["inf 0 0"] + ROWS8[1:]).encode(), r"finite|inf"),
    "float32_overflow_1e39": (corpus.cube_text(2, ["1e39 0 0"] + ROWS8[1:]).encode(), r"finite|range|large|inf"),
    "keyword_after_data": (corpus.cube_text(2, ROWS8[:3] + ["DOMAIN_MIN 0 0 0"] + ROWS8[3:]).encode(),
                           r"keyword|after|DOMAIN"),
    "size_given_twice": (corpus.cube_text(2, ROWS8, "LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n").encode(), r"twice|duplicate"),
    "domain_inverted": (corpus.cube_text(2, ROWS8, "LUT_3D_SIZE 2\nDOMAIN_MIN 1 1 1\nDOMAIN_MAX 0 0 0\n").encode(),
                        r"domain"),
    "domain_two_values": (corpus.cube_text(2, ROWS8, "LUT_3D_SIZE 2\nDOMAIN_MIN 0 0\n").encode(), r"domain|numbers"),
    "binary_junk": (_junk(), BINARY),
    "binary_junk_long_lines": (_junk(20000, seed=7).replace(b"\n", b" ").replace(b"\r", b" "), BINARY),
    "nul_bytes_in_row": (corpus.cube_text(2, ["0 0 0\x00\x00\x00"] + ROWS8[1:]).encode(), BINARY),
    "one_3mb_line": (b"LUT_3D_SIZE 2\n" + b"0 " * 1_500_000 + b"\n" + "\n".join(ROWS8[1:]).encode() + b"\n", ROWS),
    "latin1_title": ('TITLE "caf\xe9"\n'.encode("latin-1") + b"LUT_3D_SIZE 2\nnan 0 0\n"
                     + "\n".join(ROWS8[1:]).encode(), r"finite|nan"),
}

# Real-world encodings that must simply work (or, for UTF-16, at least be named as such).
GOOD_CUBES = {
    "utf8_bom": b"\xef\xbb\xbf" + GOOD.encode(),
    "crlf": GOOD.replace("\n", "\r\n").encode(),
    "cr_only": GOOD.replace("\n", "\r").encode(),
    "comments_and_title": ('# made by hand\nTITLE "x"\n' + GOOD.replace("\n", "  # row\n", 3)).encode(),
}


APPLY_FAST = ["empty", "nan_row", "float32_overflow_1e39", "keyword_after_data", "binary_junk", "one_3mb_line"]


def _cube(ws, kind: str) -> tuple[str, str]:
    data, problem = BAD_CUBES[kind]
    return ws.put(f"{kind}.cube", data), problem


@pytest.mark.cmd("apply")
@pytest.mark.parametrize("kind", matrix(list(BAD_CUBES), APPLY_FAST))
def test_apply_bad_cube(ws, kind):
    cube, problem = _cube(ws, kind)
    photo = ws.photo()
    before = ws.snap()
    r = ws.run("apply", photo, "--look", cube, "-o", "out/result.png")
    checks.one_error(r, cube, problem)
    checks.unchanged(before, ws.snap())


LOOKS_ADD_CUBES = ["empty", "size_20_digits", "nan_row", "float32_overflow_1e39", "binary_junk", "one_3mb_line"]


@pytest.mark.cmd("looks")
@pytest.mark.parametrize("kind", matrix(LOOKS_ADD_CUBES, ["binary_junk"]))
def test_looks_add_bad_cube(ws, kind):
    cube, problem = _cube(ws, kind)
    before = ws.snap()
    r = ws.run("looks", "add", "hostile", cube)
    checks.one_error(r, cube, problem)
    checks.unchanged(before, ws.snap())


@needs_weights
@pytest.mark.cmd("suggest")
@pytest.mark.parametrize("kind", matrix(["binary_junk", "float32_overflow_1e39"], []))
def test_suggest_skips_bad_cube_with_one_warning(ws, kind):
    cube, problem = _cube(ws, kind)
    photo, look = ws.photo(), ws.look()
    r = ws.run("suggest", photo, "--looks", f"{cube},{look}", "--strengths", "1")
    checks.one_warning(r, cube, problem)
    assert "look.cube" in r.stdout


@pytest.mark.cmd("apply")
@pytest.mark.parametrize("kind", matrix(list(GOOD_CUBES), ["utf8_bom"]))
def test_apply_real_world_cube_encodings(ws, kind):
    cube = ws.put(f"{kind}.cube", GOOD_CUBES[kind])
    photo = ws.photo()
    r = ws.run("apply", photo, "--look", cube, "-o", "out/result.png")
    checks.ok_quiet(r)
    assert (ws.out / "result.png").is_file()


@pytest.mark.cmd("apply")
def test_apply_utf16_cube_works_or_is_named(ws):
    cube = ws.put("utf16.cube", GOOD.encode("utf-16"))
    photo = ws.photo()
    before = ws.snap()
    r = ws.run("apply", photo, "--look", cube, "-o", "out/result.png")
    if r.rc == 0:
        checks.ok_quiet(r)
    else:
        checks.one_error(r, cube, r"UTF-16|encoding")
        checks.unchanged(before, ws.snap())


@pytest.mark.cmd("apply")
def test_apply_cube_128_57mb_bounded_memory(ws):
    cube = ws.put("big128.cube", corpus.cube_constant(128))
    photo = ws.photo()
    r = ws.run("apply", photo, "--look", cube, "-o", "out/result.png", rss_kill_mb=2500)
    checks.ok_quiet(r)
    checks.rss_at_most(r, CUBE_128_MB)


@pytest.mark.slow
@pytest.mark.cmd("apply")
def test_apply_cube_declaring_256_with_few_rows_is_quick(ws):
    cube = ws.put("short256.cube", corpus.cube_text(2, ROWS8, "LUT_3D_SIZE 256\n").encode())
    photo = ws.photo()
    r = ws.run("apply", photo, "--look", cube, "-o", "out/result.png")
    checks.one_error(r, cube, ROWS)
    checks.rss_at_most(r, REJECT_MB["apply"])


# --------------------------------------------------------------------------- Hald CLUT images

BAD_HALDS = {
    "not_square_64x32": (lambda: corpus.plain_png(64, 32), r"square|hald"),
    "side_100_not_a_cube": (lambda: corpus.plain_png(100, 100), r"hald|level|L³|side"),
    "side_1": (lambda: corpus.plain_png(1, 1), r"hald|level|2\.\.16|side"),
    "level_17_4913px": (lambda: corpus.png_declared(4913, 4913), r"hald|level|16|" + PIXELS),
}


@pytest.mark.cmd("apply")
@pytest.mark.parametrize("kind", matrix(list(BAD_HALDS), ["level_17_4913px"]))
def test_apply_bad_hald(ws, kind):
    make, problem = BAD_HALDS[kind]
    hald = ws.put(f"{kind}.png", make())
    photo = ws.photo()
    before = ws.snap()
    r = ws.run("apply", photo, "--look", hald, "-o", "out/result.png", rss_kill_mb=1500)
    checks.one_error(r, hald, problem)
    checks.unchanged(before, ws.snap())
    checks.rss_at_most(r, REJECT_MB["apply"])


@pytest.mark.cmd("looks")
@pytest.mark.parametrize("kind", matrix(list(BAD_HALDS), []))
def test_looks_add_bad_hald(ws, kind):
    make, problem = BAD_HALDS[kind]
    hald = ws.put(f"{kind}.png", make())
    before = ws.snap()
    r = ws.run("looks", "add", "hostile", hald, rss_kill_mb=1500)
    checks.one_error(r, hald, problem)
    checks.unchanged(before, ws.snap())
    checks.rss_at_most(r, REJECT_MB["looks"])


@pytest.mark.cmd("looks")
@pytest.mark.parametrize("bit_depth", matrix([8, 16], []))
def test_looks_add_good_hald_works(ws, bit_depth):
    hald = ws.put("hald4.png", corpus.hald_png(4, bit_depth))
    r = ws.run("looks", "add", "ident", hald)
    checks.ok_quiet(r)
    assert (ws.data / "looks" / "ident.png").is_file()
