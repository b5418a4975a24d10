"""Fixtures of the hostile-input corpus (see ``harness.py``) and its per-command report.

Run against this checkout (the default) or any build::

    pytest tests/hostile                                # representative cases (the default run)
    pytest tests/hostile --slow                         # the whole corpus (CI)
    LUTLEARN_CMD="/opt/x/bin/lutlearn" pytest tests/hostile
    HOSTILE_REPORT=report.json pytest tests/hostile --slow; python tests/hostile/summarize.py report.json
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.hostile.harness import CAN_MOUNT, Workspace, fill, readonly_dir, tmpfs


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("lutlearn-cache")


@pytest.fixture
def ws(tmp_path, session_cache):
    return Workspace(tmp_path / "ws", session_cache)


@pytest.fixture
def full_disk(ws, request):
    """``ws/full``: a 64 KiB tmpfs, filled to the brim unless the test is marked ``roomy``
    (then 64 KiB are free: small files fit, a LUT does not). Root only; skipped otherwise.
    Leftovers there are checked too."""
    if not CAN_MOUNT:
        pytest.skip("needs root and mount -t tmpfs (disk-full cases)")
    roomy = request.node.get_closest_marker("roomy") is not None
    with tmpfs(ws.root / "full", "64k", populate=None if roomy else fill) as path:
        ws.extra_roots.append(path)
        yield path


@pytest.fixture
def ro_dir(ws):
    with readonly_dir(ws.root / "ro") as path:
        ws.extra_roots.append(path)
        yield path


# --------------------------------------------------------------------------- per-command report (HOSTILE_REPORT)

_RESULTS: list[dict] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" or (rep.when == "setup" and rep.outcome != "passed"):
        marker = item.get_closest_marker("cmd")
        message = ""
        if rep.failed:
            text = str(rep.longrepr)
            picks = [line[2:].strip() for line in text.splitlines() if line.startswith("E ")]
            message = picks[0][:500] if picks else text.splitlines()[-1][:500]
        ws = item.funcargs.get("ws") if hasattr(item, "funcargs") else None
        runs = [{"args": r.args, "rc": r.rc, "seconds": round(r.seconds, 2), "peak_rss_mb": round(r.peak_rss_mb),
                 "stderr": r.stderr[-2000:], "killed": r.killed} for r in (ws.runs if ws else [])]
        _RESULTS.append({"nodeid": item.nodeid, "cmd": marker.args[0] if marker else "?", "outcome": rep.outcome,
                         "message": message, "runs": runs, "duration": round(rep.duration, 2)})


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("HOSTILE_REPORT")
    if path and _RESULTS:
        Path(path).write_text(json.dumps(_RESULTS, indent=1))
