"""Limits a user can see and change, and memory proportional to the real work.

The default image limit is the build's (``LUTLEARN_MAX_PIXELS`` unset); the
corpus assumes it is at most :data:`DEFAULT_MAX_PIXELS` (override with
``HOSTILE_DEFAULT_MAX_PIXELS`` to match the build under test). An image over
the limit is refused from its header, with a message naming the limit and how
to raise it; an image at the limit is applied within 1.5 GB (slow).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import tifffile
from PIL import Image

from tests.hostile import checks, corpus
from tests.hostile.budgets import APPLY_AT_LIMIT_MB, PIXELS, REJECT_MB
from tests.hostile.harness import needs_weights

DEFAULT_MAX_PIXELS = int(float(os.environ.get("HOSTILE_DEFAULT_MAX_PIXELS", 100e6)))
HOW_TO_RAISE = r"LUTLEARN_MAX_PIXELS|--max-pixels"


def _over_default_limit() -> tuple[int, int]:
    width = 20000
    return width, DEFAULT_MAX_PIXELS // width + 1


@pytest.mark.cmd("apply")
def test_apply_just_over_the_default_limit_is_refused_from_the_header(ws):
    w, h = _over_default_limit()
    big = ws.put("over.png", corpus.png_declared(w, h, complete=False))  # header only: a decoder would fail later
    look = ws.look()
    before = ws.snap()
    r = ws.run("apply", big, "--look", look, "-o", "out/result.png", rss_kill_mb=1500)
    line = checks.one_error(r, big, PIXELS)
    assert __import__("re").search(HOW_TO_RAISE, line), f"the message does not say how to raise the limit: {line!r}"
    checks.unchanged(before, ws.snap())
    checks.rss_at_most(r, REJECT_MB["apply"])


@pytest.mark.cmd("fit")
def test_fit_just_over_the_default_limit_is_refused_from_the_header(ws):
    w, h = _over_default_limit()
    big = ws.put("over.png", corpus.png_declared(w, h, complete=False))
    before = ws.snap()
    r = ws.run("fit", big, big, "-o", "out/look.cube", rss_kill_mb=1500)
    checks.one_error(r, big, PIXELS)
    checks.no_training(r)
    checks.unchanged(before, ws.snap())


@pytest.mark.cmd("apply")
def test_apply_limit_is_set_by_the_environment(ws):
    photo, look = ws.photo(), ws.look()  # 96 x 64 = 6144 pixels
    ws.env["LUTLEARN_MAX_PIXELS"] = "5000"
    before = ws.snap()
    r = ws.run("apply", photo, "--look", look, "-o", "out/result.png")
    line = checks.one_error(r, photo, PIXELS)
    assert "5000" in line.replace(",", "").replace("_", "") or "5 000" in line, line
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("apply")
def test_apply_limit_raised_by_the_environment(ws):
    photo, look = ws.photo(), ws.look()
    ws.env["LUTLEARN_MAX_PIXELS"] = "7000"
    r = ws.run("apply", photo, "--look", look, "-o", "out/result.png")
    checks.ok_quiet(r)


@pytest.mark.slow
@needs_weights
@pytest.mark.cmd("score")
def test_score_just_over_the_default_limit_is_refused(ws):
    w, h = _over_default_limit()
    big = ws.put("over.png", corpus.png_declared(w, h, complete=False))
    r = ws.run("score", big, rss_kill_mb=1500)
    checks.one_error(r, big, PIXELS)
    checks.rss_at_most(r, REJECT_MB["score"])


def _rgba_row(width: int, bits: int) -> bytes:
    dtype = ">u2" if bits == 16 else "u1"
    rgb = np.frombuffer(corpus.gradient_row(width, 3, bits), dtype).reshape(width, 3)
    return np.concatenate([rgb, np.full((width, 1), 60000 if bits == 16 else 200, rgb.dtype)], axis=1).tobytes()


@pytest.mark.slow
@pytest.mark.cmd("apply")
@pytest.mark.parametrize("bit_depth, colour", [(8, "rgb"), (16, "rgb"), (8, "rgba"), (16, "rgba")],
                         ids=["8", "16", "8_rgba", "16_rgba"])
def test_apply_at_the_default_limit_within_budget(ws, bit_depth, colour):
    """The largest image the default limit allows: 100 Mpx, or 75 Mpx of 16-bit RGBA (8 bytes a pixel count as 4/3)."""
    width = 10000
    pixels = DEFAULT_MAX_PIXELS * 6 // max(6, (4 if colour == "rgba" else 3) * bit_depth // 8)
    height = pixels // width
    row = corpus.gradient_row(width, 3, bit_depth) if colour == "rgb" else _rgba_row(width, bit_depth)
    src = ws.put(f"limit{bit_depth}{colour}.png", corpus.png_declared(width, height, bit_depth=bit_depth, colour=colour,
                                                                      row=row))
    look = ws.look()
    r = ws.run("apply", src, "--look", look, "-o", "out/result.png", rss_kill_mb=4000, timeout=300)
    checks.ok(r)
    Image.MAX_IMAGE_PIXELS = None
    with Image.open(ws.out / "result.png") as im:
        assert im.size == (width, height)
    checks.rss_at_most(r, APPLY_AT_LIMIT_MB)


@pytest.mark.slow
@pytest.mark.cmd("apply")
def test_apply_16bit_uncompressed_tiff_at_the_default_limit_within_budget(ws):
    """100 Mpx of 16-bit RGB in an uncompressed TIFF (decoded by tifffile), written uncompressed as it came."""
    width = 10000
    height = DEFAULT_MAX_PIXELS // width
    src = ws.put("limit16.tif", corpus.tiff_uncompressed(width, height, bits=16, row=corpus.gradient_row(width, 3, 16)))
    r = ws.run("apply", src, "--look", ws.look(), "-o", "out/result.tif", rss_kill_mb=4000, timeout=300)
    checks.ok(r)
    with tifffile.TiffFile(ws.out / "result.tif") as tif:
        page = tif.pages.first
        assert page.shape == (height, width, 3) and page.dtype == np.uint16 and int(page.compression) == 1
    first = np.array(tifffile.memmap(ws.out / "result.tif", mode="r")[0])  # contiguous: read one row only
    want = np.frombuffer(corpus.gradient_row(width, 3, 16), ">u2").reshape(width, 3)[:, ::-1]  # red and blue swapped
    np.testing.assert_array_equal(first, want)
    checks.rss_at_most(r, APPLY_AT_LIMIT_MB)
