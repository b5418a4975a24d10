"""The ``lutlearn`` command: a click group; each command lives in its own module, shared options in ``options``.

Every error reaches the user the same way: one line on stderr, ``error: ...``,
naming the file and the problem, and an exit status of 1 (bad input, a failed
file, a file that cannot be written, out of memory) or 2 (bad usage). Ctrl-C
and SIGTERM end a command the same way too: temporary files removed,
``error: interrupted``, exit status 130 (SIGINT) or 143 (SIGTERM; see
:mod:`lutlearn.cli.signals`). Warnings print as ``warning: ...`` while a command runs.
"""

from __future__ import annotations

import sys
import warnings

import click

from lutlearn._version import __version__
from lutlearn.cli.signals import exit_status, terminate_as_interrupt
from lutlearn.errors import LutlearnError

__all__ = ["cli", "main", "one_line"]

MAX_MESSAGE = 300


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` as one printable line: line breaks and other control or undecodable characters escaped
    (a file name may hold them), at most ``limit`` characters.

    >>> one_line("in/a\\nb.png: not an image file\\n")
    'in/a\\\\nb.png: not an image file'
    """
    out = []
    for ch in str(text).strip():
        if ch == "\t":
            out.append(" ")
        elif ord(ch) < 32 or 127 <= ord(ch) < 160 or ch in "\ufffd\u2028\u2029":
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    line = "".join(out)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _show_warning(message, category, filename, lineno, file=None, line=None):
    click.echo(f"warning: {one_line(str(message))}", err=True)


def _fail(message: str, status: int):
    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(status)


def _os_message(e: OSError) -> str:
    from lutlearn.images.atomic import os_reason

    return f"{e.filename}: {os_reason(e)}" if e.filename is not None else os_reason(e)


class _Group(click.Group):
    """Runs a command with lutlearn's error and warning lines (see the module docstring)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        with warnings.catch_warnings():  # the hook lasts as long as the command, not the process
            warnings.showwarning = _show_warning
            if not standalone_mode:  # the caller handles exceptions itself, as click's contract says
                return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            try:
                with terminate_as_interrupt():
                    status = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            except click.UsageError as e:
                hint = f" (see '{e.ctx.command_path} --help')" if e.ctx is not None else ""
                _fail(f"{e.format_message()}{hint}", 2)
            except click.ClickException as e:
                _fail(e.format_message(), e.exit_code)
            except LutlearnError as e:
                _fail(str(e), 1)
            except click.Abort as e:  # click's form of KeyboardInterrupt, and so of SIGTERM
                _fail("interrupted", exit_status(e.__cause__))
            except KeyboardInterrupt as e:
                _fail("interrupted", exit_status(e))
            except OSError as e:  # what no stage turned into a LutlearnError: named by its file
                _fail(_os_message(e), 1)
            except MemoryError:
                _fail("out of memory (use smaller or fewer inputs; LUTLEARN_MAX_PIXELS limits the image size)", 1)
            except RecursionError:
                _fail("input nested too deeply to read", 1)
        sys.exit(status if isinstance(status, int) else 0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lutlearn")
def cli():
    """Learn a colour grade from before/after images and use it everywhere.

    \b
        $ lutlearn demo --out-dir demo/          # everything, on built-in data
        $ lutlearn chart -o chart.png            # grade this in your editor ...
        $ lutlearn fit chart.png graded.png --out look.cube
    """


def main(argv=None):
    """Console entry point."""
    from lutlearn.cli.malloc import keep_scratch_memory

    keep_scratch_memory()
    return cli.main(args=argv, prog_name="lutlearn")


def _register():
    from lutlearn.cli import apply_cmd, chart_cmd, fit_cmd, looks_cmd, nima_cmd, score_cmd, suggest_cmd

    for module in (chart_cmd, fit_cmd, score_cmd, apply_cmd, looks_cmd, suggest_cmd, nima_cmd):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
