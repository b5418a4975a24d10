"""The ``lutlearn`` command: a click group; each command lives in its own module, shared options in ``options``.

Every error reaches the user the same way: one line on stderr, ``error: ...``,
naming the file and the problem, and an exit status of 1 (bad input, a failed
file) or 2 (bad usage). Warnings print as ``warning: ...`` while a command runs.
"""

from __future__ import annotations

import sys
import warnings

import click

from lutlearn._version import __version__
from lutlearn.errors import LutlearnError

__all__ = ["cli", "main"]


def _show_warning(message, category, filename, lineno, file=None, line=None):
    click.echo(f"warning: {message}", err=True)


def _fail(message: str, status: int):
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


class _Group(click.Group):
    """Runs a command with lutlearn's error and warning lines (see the module docstring)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        with warnings.catch_warnings():  # the hook lasts as long as the command, not the process
            warnings.showwarning = _show_warning
            if not standalone_mode:  # the caller handles exceptions itself, as click's contract says
                return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            try:
                status = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            except click.UsageError as e:
                hint = f" (see '{e.ctx.command_path} --help')" if e.ctx is not None else ""
                _fail(f"{e.format_message()}{hint}", 2)
            except click.ClickException as e:
                _fail(e.format_message(), e.exit_code)
            except LutlearnError as e:
                _fail(str(e), 1)
            except click.Abort:
                _fail("interrupted", 130)
            except MemoryError:
                _fail("out of memory (try fewer or smaller files)", 1)
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
    return cli.main(args=argv, prog_name="lutlearn")


def _register():
    from lutlearn.cli import apply_cmd, chart_cmd, fit_cmd, looks_cmd, nima_cmd, score_cmd, suggest_cmd

    for module in (chart_cmd, fit_cmd, score_cmd, apply_cmd, looks_cmd, suggest_cmd, nima_cmd):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
