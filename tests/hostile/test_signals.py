"""SIGINT and SIGTERM during a batch and during encoding: no temporaries, nothing half-written, a report.

The signal is sent at a chosen moment, not after a guessed delay: when the
first output of a batch has appeared, or when the hidden ``.NAME.*.tmp`` of the
output being encoded has appeared. After the run: no ``.tmp`` anywhere, every
file at an output path decodes completely, inputs unchanged, no traceback, and
the exit status says it was interrupted (130 for SIGINT, 143 for SIGTERM; 1 is
accepted for SIGINT since click's Abort uses it). A batch must also stop early
(not run to the end) and say how many files it did.
"""

from __future__ import annotations

import re
import signal

import pytest
from PIL import Image

from tests.hostile import checks, corpus

SIGNALS = [pytest.param(signal.SIGINT, id="SIGINT"), pytest.param(signal.SIGTERM, id="SIGTERM")]
SIGNALS_TERM_FAST = [pytest.param(signal.SIGINT, id="SIGINT", marks=pytest.mark.slow),
                     pytest.param(signal.SIGTERM, id="SIGTERM")]
EXIT = {signal.SIGINT: (130, 1, -2), signal.SIGTERM: (143, 1, 130)}  # -15 (killed outright) is the bug


def _tmp_in(folder):
    """True once the hidden temporary of an output being encoded is there (not the preflight's test file)."""
    return lambda: folder.is_dir() and any(checks.TMP.match(p.name) and not p.name.startswith(".lutlearn-probe.")
                                           for p in folder.iterdir())


def _done_in(folder):
    return lambda: folder.is_dir() and any(not p.name.startswith(".") for p in folder.iterdir())


def _complete(folder) -> list[str]:
    """Names of the files in ``folder``; each must decode to its end."""
    Image.MAX_IMAGE_PIXELS = None
    names = []
    for p in sorted(folder.iterdir()) if folder.is_dir() else []:
        assert not checks.TMP.match(p.name), f"temporary file left: {p}"
        with Image.open(p) as im:
            im.load()
        names.append(p.name)
    return names


def _interrupted(r, signum, *folders) -> None:
    left = checks.tmp_files(*folders)
    assert not left, f"temporary files left behind: {left}\n" + r.describe()
    checks.no_traceback(r)
    assert r.signalled == signum, "the trigger never fired:\n" + r.describe()
    assert r.rc in EXIT[signum], f"exit status {r.rc}, expected one of {EXIT[signum]}:\n" + r.describe()


@pytest.mark.cmd("apply")
@pytest.mark.parametrize("signum", SIGNALS)
def test_apply_batch_interrupted(ws, signum):
    total = 12
    for k in range(total):
        ws.put(f"batch/p{k:02d}.png", corpus.noise_png(1024, 1024, seed=k))
    look = ws.look()
    before = ws.snap()
    graded = ws.out / "graded"
    r = ws.run("apply", "in/batch", "--look", look, "--out-dir", "out/graded", "--jobs", "1",
               trigger=_done_in(graded), signum=signum, after_signal=20)
    _interrupted(r, signum, ws.out)
    written = _complete(graded)
    checks.unchanged(before, ws.snap(), allow_new=[graded, *(graded / n for n in written)])
    assert len(written) < total, f"the batch ran to the end ({len(written)} of {total}) after the signal"
    report = [line for line in checks.significant(r.stderr) if re.search(rf"\b{len(written)} of {total}\b", line)]
    assert len(report) == 1, f"no line saying '{len(written)} of {total}' were done:\n" + r.describe()
    listed = [line for line in r.stdout.splitlines() if line.strip()]
    assert sorted(p.rsplit("/", 1)[-1] for p in listed) == written, "stdout must list exactly the files written"


@pytest.mark.cmd("apply")
@pytest.mark.parametrize("signum", SIGNALS_TERM_FAST)
def test_apply_interrupted_while_encoding(ws, signum):
    photo = ws.put("big.png", corpus.noise_png(4000, 3000))
    look = ws.look()
    before = ws.snap()
    r = ws.run("apply", photo, "--look", look, "-o", "out/result.png", trigger=_tmp_in(ws.out), signum=signum,
               after_signal=20)
    _interrupted(r, signum, ws.out)
    written = _complete(ws.out)
    checks.unchanged(before, ws.snap(), allow_new=[ws.out / n for n in written])
    assert len(checks.significant(r.stderr)) <= 1, r.describe()


@pytest.mark.cmd("chart")
@pytest.mark.parametrize("signum", SIGNALS_TERM_FAST)
def test_chart_interrupted_while_encoding(ws, signum):
    before = ws.snap()
    # 16-bit: its encoding (~0.4 s here) outlasts the harness's reaction on a busy machine; an 8-bit chart is
    # written in ~0.2 s, and a signal that lands after the rename finds the work done (exit 0)
    r = ws.run("chart", "--level", "16", "--bit-depth", "16", "-o", "out/chart.png", trigger=_tmp_in(ws.out),
               signum=signum, after_signal=20)
    _interrupted(r, signum, ws.out)
    checks.unchanged(before, ws.snap(), allow_new=[ws.out / n for n in _complete(ws.out)])
    assert len(checks.significant(r.stderr)) <= 1, r.describe()


@pytest.mark.cmd("bake")
@pytest.mark.parametrize("signum", SIGNALS_TERM_FAST)
def test_bake_interrupted_while_encoding(ws, signum):
    model = ws.model()
    before = ws.snap()
    # level 16 (4096x4096): written in ~0.4 s, so the signal lands while encoding (level 12 takes ~0.1 s)
    r = ws.run("bake", model, "-o", "out/look.png", "--hald-level", "16", trigger=_tmp_in(ws.out), signum=signum,
               after_signal=20)
    _interrupted(r, signum, ws.out)
    checks.unchanged(before, ws.snap(), allow_new=[ws.out / n for n in _complete(ws.out)])
    assert len(checks.significant(r.stderr)) <= 1, r.describe()
