"""Hostile image files through every command that reads photos.

Each bad file goes through ``apply -o``, ``apply --out-dir`` (beside three good
photos: the good ones must still be done), ``fit`` (as the after image),
``score``, ``suggest``, ``looks add`` and ``apply --look`` (as a Hald CLUT).
Every case: exit 1, one ``error:`` line naming the file, no traceback, nothing
written, inputs unchanged, and peak RSS within the command's rejection budget
(a file must be rejected from its header, not decoded first).
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.hostile import checks, corpus
from tests.hostile.budgets import EMPTY, NOT_IMAGE, PIXELS, REJECT_MB, TRUNCATED
from tests.hostile.harness import matrix, needs_weights

# name: (file name, maker, problem regex, can be a Hald/look file)
BAD_IMAGES = {
    "bomb_png_50000x50000": ("bomb.png", lambda: corpus.png_declared(50000, 50000, complete=False), PIXELS, True),
    "bomb_jpeg_65000x65000": ("bomb.jpg", lambda: corpus.jpeg_declared(65000, 65000), PIXELS, False),
    "bomb_tiff_60000x60000": ("bomb.tif", lambda: corpus.tiff_declared(60000, 60000), PIXELS, True),
    "huge_png_441mpx_1mb": ("huge.png", lambda: corpus.png_declared(21000, 21000), PIXELS, True),
    "truncated_png": ("cut.png", lambda: corpus.truncated(corpus.small_png(), 0.6), TRUNCATED, True),
    "truncated_jpeg": ("cut.jpg", lambda: corpus.truncated(corpus.small_jpeg(), 0.5), TRUNCATED, False),
    "truncated_tiff": ("cut.tif", lambda: corpus.tiff_declared(60, 60), TRUNCATED, True),
    "zero_byte_png": ("empty.png", lambda: b"", EMPTY, True),
    "zero_byte_jpg": ("empty.jpg", lambda: b"", EMPTY, False),
    "text_as_png": ("text.png", lambda: b"this is not an image\n" * 20, NOT_IMAGE, True),
    "ztxt_bomb_png": ("ztxt.png", corpus.ztxt_bomb_png, r"too large|text|chunk|cannot decode", True),
}
IDS = list(BAD_IMAGES)
KILL_MB = 700  # a run past this is killed: a rejected file must not be decoded (the budgets are lower still)
HALD_IDS = [k for k in IDS if BAD_IMAGES[k][3]]


def _bad(ws, kind: str, folder: str = "") -> tuple[str, str]:
    name, make, problem, _ = BAD_IMAGES[kind]
    return ws.put(folder + name, make()), problem


def _decodes(path) -> None:
    Image.MAX_IMAGE_PIXELS = None  # the harness checks outputs of any size
    with Image.open(path) as im:
        im.load()


@pytest.mark.cmd("apply")
@pytest.mark.parametrize("kind", matrix(IDS, ["bomb_png_50000x50000", "bomb_tiff_60000x60000", "huge_png_441mpx_1mb",
                                         "truncated_png", "zero_byte_png"]))
def test_apply_one(ws, kind):
    bad, problem = _bad(ws, kind)
    look = ws.look()
    before = ws.snap()
    r = ws.run("apply", bad, "--look", look, "-o", "out/result.png", rss_kill_mb=KILL_MB)
    checks.one_error(r, bad, problem)
    checks.unchanged(before, ws.snap())
    checks.rss_at_most(r, REJECT_MB["apply"])


@pytest.mark.cmd("apply")
@pytest.mark.parametrize("kind", matrix(IDS, ["bomb_png_50000x50000"]))
def test_apply_batch(ws, kind):
    if not BAD_IMAGES[kind][0].endswith((".png", ".jpg", ".tif")):
        pytest.skip("not an image extension a folder expands to")
    good = [ws.photo(f"batch/good{k}.png", seed=k) for k in range(3)]
    bad, problem = _bad(ws, kind, "batch/")
    look = ws.look()
    before = ws.snap()
    r = ws.run("apply", "in/batch", "--look", look, "--out-dir", "out/graded", rss_kill_mb=KILL_MB)
    checks.batch_failed(r, {bad: problem}, written=3, total=4)
    outputs = [ws.out / "graded" / f"good{k}.png" for k in range(3)]
    checks.unchanged(before, ws.snap(), allow_new=[*outputs, ws.out / "graded"])
    for p in outputs:
        _decodes(p)
    assert len(good) == 3
    checks.rss_at_most(r, REJECT_MB["apply"])


@pytest.mark.cmd("fit")
@pytest.mark.parametrize("kind", matrix(IDS, ["bomb_png_50000x50000"]))
def test_fit_after_image(ws, kind):
    before_img = ws.photo("before.png")
    bad, problem = _bad(ws, kind)
    before = ws.snap()
    r = ws.run("fit", before_img, bad, "-o", "out/look.cube", "-o", "out/look.npz", "--epochs", "1",
               rss_kill_mb=KILL_MB)
    checks.one_error(r, bad, problem)
    checks.no_training(r)
    checks.unchanged(before, ws.snap())
    checks.rss_at_most(r, REJECT_MB["fit"])


@needs_weights
@pytest.mark.cmd("score")
@pytest.mark.parametrize("kind", matrix(IDS, ["bomb_png_50000x50000"]))
def test_score(ws, kind):
    bad, problem = _bad(ws, kind)
    before = ws.snap()
    r = ws.run("score", bad, rss_kill_mb=KILL_MB)
    checks.one_error(r, bad, problem)
    checks.unchanged(before, ws.snap())
    checks.rss_at_most(r, REJECT_MB["score"])


@needs_weights
@pytest.mark.cmd("suggest")
@pytest.mark.parametrize("kind", matrix(IDS, ["bomb_png_50000x50000"]))
def test_suggest(ws, kind):
    bad, problem = _bad(ws, kind)
    look = ws.look()
    before = ws.snap()
    r = ws.run("suggest", bad, "--looks", look, "--strengths", "1", rss_kill_mb=KILL_MB)
    checks.one_error(r, bad, problem)
    checks.unchanged(before, ws.snap())
    checks.rss_at_most(r, REJECT_MB["suggest"])


@pytest.mark.cmd("looks")
@pytest.mark.parametrize("kind", matrix(HALD_IDS, ["bomb_png_50000x50000"]))
def test_looks_add(ws, kind):
    bad, problem = _bad(ws, kind)
    problem += "|hald"  # as a Hald CLUT the file may be refused for its shape first: also true
    before = ws.snap()
    r = ws.run("looks", "add", "hostile", bad, rss_kill_mb=KILL_MB)
    checks.one_error(r, bad, problem)
    checks.unchanged(before, ws.snap())
    checks.rss_at_most(r, REJECT_MB["looks"])


@pytest.mark.cmd("apply")
@pytest.mark.parametrize("kind", matrix(HALD_IDS, ["huge_png_441mpx_1mb"]))
def test_apply_look_is_bad_image(ws, kind):
    bad, problem = _bad(ws, kind)
    problem += "|hald"  # as a Hald CLUT the file may be refused for its shape first: also true
    photo = ws.photo()
    before = ws.snap()
    r = ws.run("apply", photo, "--look", bad, "-o", "out/result.png", rss_kill_mb=KILL_MB)
    checks.one_error(r, bad, problem)
    checks.unchanged(before, ws.snap())
    checks.rss_at_most(r, REJECT_MB["apply"])


# --------------------------------------------------------------------------- converted with a warning

CAVEATS = {
    "cmyk_jpeg": ("cmyk.jpg", corpus.cmyk_jpeg, r"CMYK"),
    "animated_gif_3_frames": ("anim.gif", corpus.animated_gif, r"frame"),
}


@pytest.mark.cmd("apply")
@pytest.mark.parametrize("kind", list(CAVEATS))
def test_apply_converts_with_one_warning(ws, kind):
    name, make, problem = CAVEATS[kind]
    src = ws.put(name, make())
    look = ws.look()
    before = ws.snap()
    r = ws.run("apply", src, "--look", look, "-o", "out/result.png")
    checks.one_warning(r, src, problem)
    checks.unchanged(before, ws.snap(), allow_new=[ws.out / "result.png"])
    _decodes(ws.out / "result.png")


@needs_weights
@pytest.mark.cmd("score")
@pytest.mark.parametrize("kind", matrix(list(CAVEATS), ["cmyk_jpeg"]))
def test_score_converts_with_one_warning(ws, kind):
    name, make, problem = CAVEATS[kind]
    src = ws.put(name, make())
    r = ws.run("score", src)
    checks.one_warning(r, src, problem)
    assert r.stdout.count("\n") == 1


# --------------------------------------------------------------------------- ordinary odd inputs that already work

@pytest.mark.cmd("apply")
@pytest.mark.parametrize("mode", matrix(["L", "P", "RGBA", "I;16"], []))
def test_apply_unusual_modes_work(ws, mode):
    im = Image.open(io.BytesIO(corpus.small_png()))
    im = im.convert("L").convert("I;16") if mode == "I;16" else im.convert(mode)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    src = ws.put(f"mode_{mode.replace(';', '')}.png", buf.getvalue())
    r = ws.run("apply", src, "--look", ws.look(), "-o", "out/result.png")
    checks.ok(r)
    _decodes(ws.out / "result.png")


@pytest.mark.slow
@pytest.mark.cmd("apply")
def test_apply_missing_input(ws):
    look = ws.look()
    before = ws.snap()
    r = ws.run("apply", "in/nope.png", "--look", look, "-o", "out/result.png")
    checks.one_error(r, "in/nope.png", r"no such|not found|does not exist")
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("apply")
def test_apply_output_is_the_input(ws):
    photo, look = ws.photo(), ws.look()
    before = ws.snap()
    r = ws.run("apply", photo, "--look", look, "-o", photo, "--overwrite")
    checks.one_error(r, photo, r"input|overwrite")
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("fit")
def test_fit_sizes_differ(ws):
    a, b = ws.photo("a.png"), ws.photo("b.png", size=(64, 64))
    before = ws.snap()
    r = ws.run("fit", a, b, "-o", "out/look.cube")
    checks.one_error(r, b, r"size|match")
    checks.no_training(r)
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("fit")
def test_fit_flat_image_too_few_colours(ws):
    a = ws.put("flat.png", corpus.plain_png(32, 32))
    before = ws.snap()
    r = ws.run("fit", a, a, "-o", "out/look.cube")
    checks.one_error(r, a, r"colour|color")
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("fit")
def test_fit_odd_number_of_images(ws):
    a = ws.photo()
    r = ws.run("fit", a, "-o", "out/look.cube")
    checks.usage_error(r, None, r"pair")
