"""Run the lutlearn CLI as a user would: a subprocess, with peak RSS, a timeout and optional signals.

The command is ``$LUTLEARN_CMD`` when set (split like a shell line, e.g.
``"/opt/venv/bin/lutlearn"``: the corpus then tests that build), else
``python -m lutlearn.cli`` with this Python and this checkout first on
``PYTHONPATH``, so the code under test is the repository's own whatever is
installed.

Peak RSS is the child's ``VmHWM`` (the kernel's high-water mark of its resident
set, reset at exec), polled every 5 ms from ``/proc/PID/status`` until it exits.
``ru_maxrss`` from ``wait4`` or ``getrusage(RUSAGE_CHILDREN)`` is *not* used on its
own: Linux carries the forking process's high-water mark across fork+exec into
the child's ``ru_maxrss``, so a child of a 200-MB pytest process reports at least
200 MB however little it used (and RUSAGE_CHILDREN is a maximum over every child
so far). It is taken into account only when it exceeds the parent's own peak, i.e.
when it must be the child's. A run past ``rss_kill_mb`` is killed early (a 4-GB
decode must not make a small CI machine swap).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import resource
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]  # the checkout whose lutlearn is tested by default


def lutlearn_command() -> list[str]:
    """The argv prefix that runs the CLI under test."""
    if os.environ.get("LUTLEARN_CMD"):
        return shlex.split(os.environ["LUTLEARN_CMD"])
    return [sys.executable, "-m", "lutlearn.cli"]


def command_env(env: dict) -> dict:
    """Environment entries the default command needs: this checkout first on ``PYTHONPATH``."""
    if os.environ.get("LUTLEARN_CMD"):
        return {}
    rest = env.get("PYTHONPATH", "")
    return {"PYTHONPATH": str(ROOT) + (os.pathsep + rest if rest else "")}


@dataclasses.dataclass
class Run:
    """What one CLI run did.

    Attributes:
        args: the arguments after the command.
        rc: exit status (negative: killed by that signal).
        stdout, stderr: decoded text (UTF-8, invalid bytes replaced).
        seconds: wall time.
        peak_rss_mb: the child's peak resident set size (MiB).
        killed: why the harness killed it ("timeout", "rss > N MB"), else None.
        signalled: the signal the harness sent on its trigger, else None.
    """

    args: list[str]
    rc: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float
    killed: str | None = None
    signalled: int | None = None

    def describe(self) -> str:
        tail = self.stderr if len(self.stderr) < 3000 else self.stderr[:1500] + "\n[...]\n" + self.stderr[-1500:]
        return (f"$ lutlearn {shlex.join(self.args)}\nrc={self.rc} seconds={self.seconds:.1f} "
                f"peak_rss={self.peak_rss_mb:.0f}MB killed={self.killed}\n--- stderr ---\n{tail}"
                f"--- stdout ---\n{self.stdout[:1000]}")


def _vm_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of ``pid`` in MiB; zeros once it has exited."""
    rss = hwm = 0.0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, hwm


@contextlib.contextmanager
def _interruptible_children():
    """Children started in the block get SIGINT at its default action, as a command typed in a terminal does.

    An ignored signal is inherited across exec, and Python then leaves SIGINT ignored, so a child
    of a process that ignores SIGINT cannot be interrupted by it. Full CI runs showed exactly that
    pattern late in the session: the encode-time SIGINT tests of ``chart`` and ``bake``, which rely
    on Python's own SIGINT handling, ran to the end (four tries out of four), while ``apply``, which
    installs its own handler, and every SIGTERM case passed; the same tests pass in shorter runs.
    So SIGINT is set to Python's handler while a child starts (re-installing it also undoes an
    ignore set behind Python's back by native code), and put back after.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, old if callable(old) else signal.default_int_handler)
    try:
        yield
    finally:
        if old is not None:
            signal.signal(signal.SIGINT, old)


def run(args, *, cwd, env: dict, timeout: float = 120, rss_kill_mb: float | None = 6000,
        trigger: Callable[[], bool] | None = None, signum: int = signal.SIGINT, after_signal: float = 60) -> Run:
    """Run ``lutlearn ARGS`` in ``cwd`` with ``env``.

    Args:
        trigger: polled every 5 ms; when it first returns True, ``signum`` is sent to the child
            (to interrupt at a chosen moment, e.g. once a temporary output file appears).
        after_signal: seconds the child gets to exit once signalled, before it is killed.
    """
    args = [str(a) for a in args]
    cmd = lutlearn_command() + args
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        with _interruptible_children():
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        killed, signalled, deadline, peak_poll = None, None, t0 + timeout, 0.0
        status = rusage = None
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter()
            rss, hwm = _vm_mb(proc.pid)
            peak_poll = max(peak_poll, rss, hwm)
            if killed is None and now > deadline:
                killed = "timeout"
            elif killed is None and rss_kill_mb and rss > rss_kill_mb:
                killed = f"rss > {rss_kill_mb:.0f} MB"
            # os.kill, not proc.kill(): Popen.send_signal polls first and may reap the child,
            # which would take its rusage away from the wait4 above.
            if killed is not None:
                os.kill(proc.pid, signal.SIGKILL)
            elif signalled is None and trigger is not None and trigger():
                os.kill(proc.pid, signum)
                signalled, deadline = signum, min(deadline, now + after_signal)
            time.sleep(0.005)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = rusage.ru_maxrss / 1024
    peak = max(peak_poll, child) if child > own_peak * 1.02 else peak_poll
    return Run(args, proc.returncode, stdout, stderr, seconds, peak, killed, signalled)
