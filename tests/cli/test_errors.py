"""The one error path of the CLI: every failure is one short ``error:`` line with the right exit status."""

import errno
import os
import signal
import time

import click
import pytest
from click.testing import CliRunner

from lutlearn.cli import _Group, one_line
from lutlearn.cli.signals import Terminated, exit_status, signals_as_flag, terminate_as_interrupt
from lutlearn.errors import LutlearnError


@click.group(cls=_Group)
def cli():
    pass


@cli.command()
@click.argument("what")
def boom(what):
    if what == "lutlearn":
        raise LutlearnError("in/x.png: cannot decode image (image file is truncated)")
    if what == "nospace":
        raise OSError(errno.ENOSPC, "No space left on device", "out/x.cube")
    if what == "memory":
        raise MemoryError()
    if what == "recursion":
        raise RecursionError()
    if what == "ctrlc":
        raise KeyboardInterrupt()
    if what == "term":
        raise Terminated(signal.SIGTERM)
    if what == "sigterm":
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    if what == "junk":
        raise LutlearnError("j.cube line 2: got '\x1f\ufffd" + "x" * 1000 + "'\nsecond")


@pytest.mark.parametrize("what, status, line", [
    ("lutlearn", 1, "error: in/x.png: cannot decode image (image file is truncated)"),
    ("nospace", 1, "error: out/x.cube: no space left on the device (disk full)"),
    ("memory", 1, "error: out of memory (use smaller or fewer inputs; LUTLEARN_MAX_PIXELS limits the image size)"),
    ("recursion", 1, "error: input nested too deeply to read"),
    ("ctrlc", 130, "error: interrupted"),
    ("term", 143, "error: interrupted"),
    ("sigterm", 143, "error: interrupted"),
])
def test_one_line_one_status(what, status, line):
    r = CliRunner().invoke(cli, ["boom", what])
    assert r.exit_code == status
    assert [x for x in r.stderr.splitlines() if x.strip()] == [line]


def test_junk_is_escaped_and_cut():
    r = CliRunner().invoke(cli, ["boom", "junk"])
    (line,) = r.stderr.splitlines()
    assert len(line) <= 307 and "\\x1f" in line and "\\ufffd" in line and line.endswith("...")


def test_usage_errors_exit_2():
    r = CliRunner().invoke(cli, ["boom"])
    assert r.exit_code == 2 and r.stderr.startswith("error: Missing argument")


def test_one_line():
    assert one_line("a\nb\n") == "a\\nb" and one_line("x\ty") == "x y" and one_line("") == ""
    assert one_line("in/caf\xe9\x85.png") == "in/caf\xe9\\x85.png"


def test_sigterm_raises_terminated_and_cleanup_runs(tmp_path):
    tmp = tmp_path / ".out.png.123.tmp"
    with terminate_as_interrupt():
        with pytest.raises(Terminated) as info:
            try:
                tmp.write_bytes(b"partial")
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(2)
            except BaseException:
                tmp.unlink()
                raise
    assert info.value.signum == signal.SIGTERM and exit_status(info.value) == 143
    assert not tmp.exists()
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # restored


def test_signals_as_flag_set_a_flag_once_then_raise():
    with signals_as_flag() as stop:
        assert not stop()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        assert stop() and stop.signum == signal.SIGINT
        with pytest.raises(KeyboardInterrupt):  # the second Ctrl-C does not wait
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
    assert exit_status(stop.signum) == 130
