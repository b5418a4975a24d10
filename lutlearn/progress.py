"""Progress bars on stderr, through tqdm.

On a terminal the bar redraws in place. Elsewhere (a log file, CI) tqdm's
in-place updates become plain lines, at most one every few seconds, so logs
show that long work is moving without filling up.
"""

from __future__ import annotations

import io
import sys

__all__ = ["progress_bar", "say"]

_LOG_INTERVAL = 5.0  # seconds between lines when stderr is not a terminal


class _Lines(io.TextIOBase):
    """A stream for tqdm that turns its carriage-return redraws into separate lines."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        line = text.replace("\r", "").rstrip("\n")
        if line.strip():
            self.stream.write(line + "\n")
            self.stream.flush()
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(total: int, label: str, *, enabled: bool | None = True, unit: str = "it", stream=None):
    """A tqdm bar of ``total`` steps on stderr.

    Args:
        total: number of steps.
        label: text before the bar.
        enabled: False disables it; True or None show it (None is kept for callers
            that pass a user's choice through). A single step never shows a bar.
        unit: what a step is ("epoch", "photo", "MiB"...).
        stream: where to write (default: stderr).

    Returns:
        A ``tqdm`` instance: ``update(n)``, ``set_postfix_str(info)``, ``close()``; also a context manager.
    """
    from tqdm import tqdm

    stream = stream or sys.stderr
    tty = bool(getattr(stream, "isatty", lambda: False)())
    return tqdm(total=max(int(total), 0), desc=label, unit=unit, disable=enabled is False or total < 2, leave=True,
                file=stream if tty else _Lines(stream), mininterval=0.1 if tty else _LOG_INTERVAL,
                dynamic_ncols=tty, ncols=None if tty else 100)


def say(message: str, stream=None) -> None:
    """Write one line to stderr without breaking a progress bar that is on screen (tqdm's ``write``)."""
    from tqdm import tqdm

    tqdm.write(message, file=stream or sys.stderr)
