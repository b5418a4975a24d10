"""Careless arguments for every command (most already end correctly: they pin that down)."""

from __future__ import annotations

import pytest

from tests.hostile import checks
from tests.hostile.harness import matrix, needs_weights


@pytest.mark.cmd("chart")
@pytest.mark.parametrize("level", matrix(["1", "17", "abc", "-4"], ["17"]))
def test_chart_bad_level(ws, level):
    r = ws.run("chart", "--level", level, "-o", "out/chart.png")
    checks.usage_error(r, None, r"level|range|integer|valid")
    assert not any(ws.out.iterdir())


@pytest.mark.slow
@pytest.mark.cmd("chart")
def test_chart_eight_bit_at_a_level_that_needs_sixteen(ws):
    r = ws.run("chart", "--level", "8", "--bit-depth", "8", "-o", "out/chart.png")
    checks.one_error(r, None, r"16|8-bit|bit")
    assert not any(ws.out.iterdir())


@pytest.mark.cmd("demo")
@pytest.mark.parametrize("level", matrix(["3", "17"], []))
def test_demo_bad_level(ws, level):
    r = ws.run("demo", "--level", level, "--out-dir", "out/demo")
    checks.usage_error(r, None, r"level|range")
    assert not (ws.out / "demo").exists()


@pytest.mark.slow
@pytest.mark.cmd("demo")
def test_demo_out_dir_is_a_file(ws):
    ws.put("afile", "x")
    before = ws.snap()
    r = ws.run("demo", "--level", "4", "--out-dir", "in/afile")
    assert r.rc in (1, 2), r.describe()
    checks.no_traceback(r)
    checks.unchanged(before, ws.snap())


@pytest.mark.cmd("bake")
@pytest.mark.parametrize("args", [pytest.param(["--size", "1"], id="size1", marks=pytest.mark.slow),
                                  pytest.param(["--size", "300"], id="size300", marks=pytest.mark.slow),
                                  pytest.param(["--hald-level", "17"], id="hald17", marks=pytest.mark.slow)])
def test_bake_bad_sizes(ws, args):
    model = ws.model()
    r = ws.run("bake", model, "-o", "out/look.cube", *args)
    checks.usage_error(r, None, r"range|size|level")


@pytest.mark.slow
@pytest.mark.cmd("bake")
def test_bake_hald_of_a_non_square_size(ws):
    model = ws.model()
    before = ws.snap()
    r = ws.run("bake", model, "-o", "out/look.cube", "-o", "out/look.png", "--hald-level", "4", "--size", "10")
    if r.rc == 0:
        checks.ok(r)
    else:
        checks.one_error(r, None, r"hald|square|size")
        checks.unchanged(before, ws.snap())


@pytest.mark.cmd("bake")
def test_bake_missing_model(ws):
    r = ws.run("bake", "in/none.npz", "-o", "out/look.cube")
    checks.one_error(r, "none.npz", r"no such|exist")


@pytest.mark.cmd("apply")
@pytest.mark.parametrize("args", [pytest.param(["--strength", "2"], id="strength2", marks=pytest.mark.slow),
                                  pytest.param(["--strength", "nan"], id="strength_nan"),
                                  pytest.param(["--quality", "0"], id="quality0", marks=pytest.mark.slow),
                                  pytest.param(["--jobs", "0"], id="jobs0", marks=pytest.mark.slow)])
def test_apply_bad_options(ws, args):
    photo, look = ws.photo(), ws.look()
    r = ws.run("apply", photo, "--look", look, "-o", "out/result.png", *args)
    checks.usage_error(r)
    assert not any(ws.out.iterdir())


@pytest.mark.slow
@pytest.mark.cmd("apply")
def test_apply_both_o_and_out_dir(ws):
    photo, look = ws.photo(), ws.look()
    r = ws.run("apply", photo, "--look", look, "-o", "out/result.png", "--out-dir", "out/x")
    checks.one_error(r, None, r"either|--out-dir|-o")
    assert not any(ws.out.iterdir())


@pytest.mark.cmd("apply")
def test_apply_unknown_look_name(ws):
    photo = ws.photo()
    r = ws.run("apply", photo, "--look", "sepiaa", "-o", "out/result.png")
    checks.one_error(r, "sepiaa", r"no look")


@pytest.mark.slow
@pytest.mark.cmd("apply")
def test_apply_look_is_a_folder(ws):
    photo = ws.photo()
    (ws.inp / "folder.cube").mkdir()
    r = ws.run("apply", photo, "--look", "in/folder.cube", "-o", "out/result.png")
    checks.one_error(r, "folder.cube", r"no such|not a|folder|directory")


@pytest.mark.slow
@pytest.mark.cmd("apply")
def test_apply_folder_without_images(ws):
    ws.put("empty/notes.txt", "no photos here")
    look = ws.look()
    r = ws.run("apply", "in/empty", "--look", look, "--out-dir", "out/x")
    checks.one_error(r, "in/empty", r"no such|no image")


@pytest.mark.slow
@pytest.mark.cmd("apply")
def test_apply_two_inputs_one_output_name(ws):
    ws.photo("a/p.png", seed=1)
    ws.photo("b/p.png", seed=2)
    look = ws.look()
    r = ws.run("apply", "in/a", "in/b", "--look", look, "--out-dir", "out/x")
    checks.one_error(r, "p.png", r"both")
    assert not (ws.out / "x").exists() or not any((ws.out / "x").iterdir())


@pytest.mark.slow
@pytest.mark.cmd("apply")
def test_apply_16bit_to_jpeg(ws):
    import io

    import numpy as np
    from PIL import Image
    arr = (np.arange(64 * 96 * 3, dtype=np.uint32) * 97 % 65536).astype(np.uint16).reshape(64, 96, 3)
    import cv2
    ok, buf = cv2.imencode(".png", arr)
    assert ok
    src = ws.put("deep.png", buf.tobytes())
    look = ws.look()
    r = ws.run("apply", src, "--look", look, "-o", "out/result.jpg")
    checks.one_error(r, "result.jpg", r"8-bit|bit")
    assert not any(ws.out.iterdir())
    del io, Image


@pytest.mark.slow
@needs_weights
@pytest.mark.cmd("score")
def test_score_missing_file(ws):
    r = ws.run("score", "in/none.jpg")
    checks.one_error(r, "none.jpg", r"no such")


@pytest.mark.slow
@needs_weights
@pytest.mark.cmd("score")
def test_score_one_good_one_bad(ws):
    good = ws.photo()
    bad = ws.put("bad.png", b"")
    r = ws.run("score", good, bad)
    checks.one_error(r, bad, r"not an image|empty|cannot")
    assert good in r.stdout


@pytest.mark.slow
@pytest.mark.cmd("score")
def test_score_weights_missing_and_no_download(ws):
    photo = ws.photo()
    ws.env.pop("LUTLEARN_NIMA_WEIGHTS", None)
    r = ws.run("score", photo, "--weights", "in/none.hdf5")
    checks.one_error(r, "none.hdf5", r"no such|not found|missing|weights")


@needs_weights
@pytest.mark.cmd("suggest")
@pytest.mark.parametrize("strengths", matrix(["0", "2", "abc", "0.5,,x"], []))
def test_suggest_bad_strengths(ws, strengths):
    photo, look = ws.photo(), ws.look()
    r = ws.run("suggest", photo, "--looks", look, "--strengths", strengths)
    checks.one_error(r, None, r"strength")


@pytest.mark.slow
@pytest.mark.cmd("suggest")
def test_suggest_unknown_look(ws):
    photo = ws.photo()
    r = ws.run("suggest", photo, "--looks", "no_such_look")
    checks.one_error(r, "no_such_look", r"no look")


@needs_weights
@pytest.mark.cmd("suggest")
def test_suggest_one_good_one_bad_photo(ws):
    good, bad, look = ws.photo(), ws.put("bad.jpg", b"\xff\xd8junk"), ws.look()
    r = ws.run("suggest", good, bad, "--looks", look, "--strengths", "1")
    checks.no_traceback(r)
    assert r.rc == 1, r.describe()
    lines = checks.significant(r.stderr)
    named = [line for line in lines if "bad.jpg" in line]
    assert len(named) == 1, "the bad photo must be reported exactly once:\n" + r.describe()


@needs_weights
@pytest.mark.cmd("suggest")
def test_suggest_every_look_fails(ws):
    photo = ws.photo()
    bad = ws.put("bad.cube", "LUT_3D_SIZE 2\n0 0 0\n")
    r = ws.run("suggest", photo, "--looks", bad)
    checks.one_error(r, "bad.cube", r"look|row|end")


@pytest.mark.cmd("looks")
def test_looks_add_missing_file(ws):
    before = ws.snap()
    r = ws.run("looks", "add", "mine", "in/none.cube")
    checks.one_error(r, "none.cube", r"no such")
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("looks")
def test_looks_add_wrong_kind_of_file(ws):
    txt = ws.put("notes.txt", "hello")
    before = ws.snap()
    r = ws.run("looks", "add", "mine", txt)
    checks.one_error(r, "notes.txt", r"not a look|expected")
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("looks")
def test_looks_add_twice(ws):
    look = ws.look()
    checks.ok(ws.run("looks", "add", "mine", look))
    before = ws.snap()
    r = ws.run("looks", "add", "mine", look)
    checks.one_error(r, "mine", r"exists")
    checks.unchanged(before, ws.snap())


@pytest.mark.cmd("looks")
@pytest.mark.parametrize("sub", matrix(["show", "remove"], ["remove"]))
def test_looks_unknown_name(ws, sub):
    r = ws.run("looks", sub, "nope")
    checks.one_error(r, "nope", r"no look")
