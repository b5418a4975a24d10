"""Outputs that cannot be written: a parent that is a file, a read-only folder, a full disk.

Every command that writes is tried against each place. The run must fail with
one ``error:`` line naming the output (not the input), leave no file at any
output path and no hidden ``.NAME.*.tmp``, and, where the failure is knowable
up front (a parent that is a file, a read-only folder), fail *before* the long
work: no training starts. Commands that write several files write all or none.

Read-only folders are read-only tmpfs mounts when running as root (root ignores
chmod), chmod 555 otherwise. Disk-full cases need root (a 64 KiB tmpfs).
"""

from __future__ import annotations

import re

import pytest

from tests.hostile import checks, corpus
from tests.hostile.budgets import NO_SPACE, NOT_DIR, READ_ONLY
from tests.hostile.harness import matrix, needs_weights


def _setup(ws):
    """Inputs every recipe may use; returns a dict of their relative paths."""
    return {"a": ws.photo("a.png", seed=1), "b": ws.photo("b.png", seed=2), "look": ws.look(), "model": ws.model(),
            "batch": [ws.photo(f"batch/p{k}.png", seed=k) for k in range(3)] and "in/batch"}


# recipe: (command, args(inputs, dir) -> argv, output names under dir, trains?)
RECIPES = {
    "chart": ("chart", lambda i, d: ["chart", "--level", "8", "-o", f"{d}/chart.png"], ["chart.png"], False),
    # a.png and b.png are not one photo: pair their pixels one to one (--method pixel), as a chart's are
    "fit": ("fit", lambda i, d: ["fit", i["a"], i["b"], "-o", f"{d}/look.npz", "-o", f"{d}/look.cube",
                                 "--epochs", "1", "--method", "pixel"], ["look.npz", "look.cube"], True),
    "fit_report": ("fit", lambda i, d: ["fit", i["a"], i["b"], "-o", "out/look.npz", "--report", f"{d}/report.png",
                                        "--epochs", "1", "--method", "pixel"], ["report.png"], True),
    "bake_cube_and_hald": ("bake", lambda i, d: ["bake", i["model"], "-o", f"{d}/look.cube", "-o", f"{d}/look.png",
                                                 "--hald-level", "4"], ["look.cube", "look.png"], False),
    "demo": ("demo", lambda i, d: ["demo", "--level", "4", "--out-dir", f"{d}/demo"], ["demo"], True),
    "apply_o": ("apply", lambda i, d: ["apply", i["a"], "--look", i["look"], "-o", f"{d}/result.png"],
                ["result.png"], False),
    "apply_out_dir": ("apply", lambda i, d: ["apply", i["batch"], "--look", i["look"], "--out-dir", f"{d}/graded"],
                      ["graded"], False),
    "looks_show_preview": ("looks", lambda i, d: ["looks", "show", "sepia", "--preview", f"{d}/preview.png"],
                           ["preview.png"], False),
    "suggest_sheet": ("suggest", lambda i, d: ["suggest", i["a"], "--looks", i["look"], "--strengths", "1",
                                               "--sheet", f"{d}/sheet.jpg"], ["sheet.jpg"], False),
}


# The recipes run by default for each place (the rest are slow): every command meets each place at least once.
FAST = {"file": {"apply_out_dir", "fit", "demo"},
        "ro": {"fit_report", "bake_cube_and_hald", "looks_show_preview", "suggest_sheet", "demo"},
        "full": {"chart", "apply_o", "apply_out_dir", "bake_cube_and_hald", "suggest_sheet"}}


def _params(where: str):
    out = []
    for name, (cmd, _, _, trains) in RECIPES.items():
        marks = [pytest.mark.cmd(cmd)]
        if name == "suggest_sheet":
            marks.append(needs_weights)
        if name not in FAST[where] or (trains and where == "full"):
            marks.append(pytest.mark.slow)
        if name == "demo" and where == "full":
            marks.append(pytest.mark.roomy)  # the charts fit, the .cube after training does not
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def _run_recipe(ws, name, where):
    cmd, argv, outputs, trains = RECIPES[name]
    inputs = _setup(ws)
    before = ws.snap()
    r = ws.run(*argv(inputs, where))
    return r, before, trains


@pytest.mark.parametrize("name", _params("file"))
def test_parent_is_a_file(ws, name):
    ws.put("afile.txt", "a file, not a folder\n")
    r, before, trains = _run_recipe(ws, name, "in/afile.txt")
    checks.one_error(r, "afile.txt", NOT_DIR)
    checks.unchanged(before, ws.snap())
    if trains:
        checks.no_training(r)


@pytest.mark.parametrize("name", _params("ro"))
def test_read_only_folder(ws, ro_dir, name):
    r, before, trains = _run_recipe(ws, name, "ro")
    checks.one_error(r, "ro/", READ_ONLY)
    checks.unchanged(before, ws.snap())
    if trains:
        checks.no_training(r)


@pytest.mark.parametrize("name", _params("full"))
def test_disk_full(ws, full_disk, name):
    r, before, _ = _run_recipe(ws, name, "full")
    if name == "apply_out_dir":  # the preflight refuses the folder (one line), or each file fails, then a summary
        checks.no_traceback(r)
        assert r.rc == 1, r.describe()
        lines = checks.significant(r.stderr)
        errors = [line for line in lines if checks.ERROR.match(line)]
        assert errors and all("full/graded" in e and re.search(NO_SPACE, e, re.I) for e in errors), r.describe()
        assert len(lines) - len(errors) <= 1, r.describe()  # at most a summary besides
    else:
        checks.one_error(r, "full/", NO_SPACE)
    checks.unchanged(before, ws.snap(), allow_empty_dirs=[ws.root / "full" / "graded", ws.root / "full" / "demo"])


# --------------------------------------------------------------------------- several outputs: all or none

@pytest.mark.roomy
@pytest.mark.cmd("bake")
def test_bake_second_output_on_full_disk_removes_the_first(ws, full_disk):
    model = ws.model()
    before = ws.snap()
    r = ws.run("bake", model, "-o", "full/first.cube", "-o", "out/second.cube", "-o", "full/third.png",
               "--size", "9", "--hald-level", "8")  # 20-KB .cube files fit, the 512x512 16-bit Hald does not
    checks.one_error(r, "full/third.png", NO_SPACE)
    checks.unchanged(before, ws.snap())


@pytest.mark.cmd("bake")
def test_bake_second_output_read_only_fails_before_writing(ws, ro_dir):
    model = ws.model()
    before = ws.snap()
    r = ws.run("bake", model, "-o", "out/first.cube", "-o", "ro/second.cube")
    checks.one_error(r, "ro/second.cube", READ_ONLY)
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.roomy
@pytest.mark.cmd("fit")
def test_fit_model_written_then_cube_hits_full_disk(ws, full_disk):
    a, b = ws.photo("a.png", seed=1), ws.photo("b.png", seed=2)
    before = ws.snap()
    r = ws.run("fit", a, b, "-o", "out/look.npz", "-o", "full/look.cube", "--epochs", "1", "--method", "pixel")
    checks.one_error(r, "full/look.cube", NO_SPACE)
    checks.unchanged(before, ws.snap())


@pytest.mark.cmd("fit")
def test_fit_report_into_read_only_folder_fails_before_training(ws, ro_dir):
    a, b = ws.photo("a.png", seed=1), ws.photo("b.png", seed=2)
    before = ws.snap()
    r = ws.run("fit", a, b, "-o", "out/look.npz", "--report", "ro/report.png", "--epochs", "1", "--method", "pixel")
    checks.one_error(r, "ro/report.png", READ_ONLY)
    checks.no_training(r)
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("apply")
def test_apply_out_dir_under_a_file(ws):
    photo, look = ws.photo(), ws.look()
    ws.put("afile.txt", "x")
    before = ws.snap()
    r = ws.run("apply", photo, "--look", look, "--out-dir", "in/afile.txt/graded")
    checks.one_error(r, "afile.txt", NOT_DIR)
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("apply")
def test_apply_existing_output_needs_overwrite(ws):
    photo, look = ws.photo(), ws.look()
    (ws.out / "result.png").write_bytes(corpus.small_png(seed=9))
    before = ws.snap()
    r = ws.run("apply", photo, "--look", look, "-o", "out/result.png")
    checks.one_error(r, "out/result.png", r"exists|overwrite")
    checks.unchanged(before, ws.snap())


@pytest.mark.cmd("chart")
@pytest.mark.parametrize("ext", matrix(["bmp", "txt", "cube"], []))
def test_chart_unknown_extension(ws, ext):
    before = ws.snap()
    r = ws.run("chart", "--level", "4", "-o", f"out/chart.{ext}")
    checks.one_error(r, f"chart.{ext}", r"extension|format|\.png")
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("chart")
def test_chart_output_is_a_folder(ws):
    (ws.out / "chart.png").mkdir()
    before = ws.snap()
    r = ws.run("chart", "--level", "4", "-o", "out/chart.png")
    checks.usage_error(r, "chart.png", r"directory|folder")
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("fit")
def test_fit_unknown_output_extension(ws):
    a, b = ws.photo("a.png", seed=1), ws.photo("b.png", seed=2)
    before = ws.snap()
    r = ws.run("fit", a, b, "-o", "out/look.txt")
    checks.one_error(r, "look.txt", r"unknown|extension|type")
    checks.no_training(r)
    checks.unchanged(before, ws.snap())
