"""The ``lutlearn`` command: a click group; each command lives in its own module."""

from __future__ import annotations

import sys
import warnings

import click

from lutlearn import __version__
from lutlearn.errors import LutlearnError

__all__ = ["cli", "main"]


class _Group(click.Group):
    """Turns LutlearnError into one line on stderr and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except LutlearnError as e:
            raise click.ClickException(str(e)) from None
        except MemoryError:
            raise click.ClickException("out of memory (try smaller inputs or --max-samples)") from None


def _show_warning(message, category, filename, lineno, file=None, line=None):
    click.echo(f"warning: {message}", err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lutlearn")
def cli():
    """Learn a colour grade from before/after images and use it everywhere.

    \b
        $ lutlearn demo --out-dir demo/          # everything, on built-in data
        $ lutlearn chart -o chart.png            # grade this in your editor ...
        $ lutlearn fit chart.png graded.png --out look.cube
    """
    warnings.showwarning = _show_warning


def main(argv=None):
    """Console entry point."""
    return cli.main(args=argv, prog_name="lutlearn")


def _register():
    from lutlearn.cli import apply_cmd, chart_cmd, fit_cmd, looks_cmd, score_cmd, suggest_cmd

    for module in (chart_cmd, fit_cmd, score_cmd, apply_cmd, looks_cmd, suggest_cmd):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
