"""SIGTERM handled like Ctrl-C while a command runs, and a batch that stops cleanly on either.

With Python's default action, SIGTERM ends the process between two bytes of an
encoder: no ``finally`` runs and the hidden ``.NAME.*.tmp`` of the output being
written stays. :func:`terminate_as_interrupt` makes SIGTERM (and SIGHUP) raise
:class:`Terminated`, a ``KeyboardInterrupt``, so every cleanup that already
handles Ctrl-C (``atomic_write``, :class:`~lutlearn.images.AllOrNothing`, fit
keeping its best model) runs for them too; a second signal gets the default
action, so a stuck cleanup never makes the process unkillable.

During a batch, :func:`signals_as_flag` turns SIGINT and SIGTERM into a flag
instead: the batch starts no new file, lets the running ones finish (their
writes are atomic) and reports what it did; a second SIGINT raises at once, a
second SIGTERM kills. :func:`exit_status` gives 130 for SIGINT, 128 + N for signal N.
"""

from __future__ import annotations

import contextlib
import signal
import threading

__all__ = ["Terminated", "terminate_as_interrupt", "signals_as_flag", "StopFlag", "exit_status"]


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM (or SIGHUP) arrives; ``signum`` says which."""

    def __init__(self, signum: int):
        super().__init__(f"terminated by {signal.Signals(signum).name}")
        self.signum = signum


def exit_status(interrupt: BaseException | int | None) -> int:
    """130 for Ctrl-C (or anything else), 128 + N for signal N or a :class:`Terminated` by it.

    >>> exit_status(KeyboardInterrupt()), exit_status(Terminated(signal.SIGTERM)), exit_status(signal.SIGTERM)
    (130, 143, 143)
    """
    if isinstance(interrupt, Terminated):
        return 128 + interrupt.signum
    if isinstance(interrupt, int):
        return 128 + interrupt
    return 130


@contextlib.contextmanager
def _handlers(signums, handler):
    """Install ``handler`` for ``signums`` within the block (main thread only), then restore the old ones."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for s in signums:
            with contextlib.suppress(ValueError, OSError):
                previous[s] = signal.signal(s, handler)
    try:
        yield
    finally:
        for s, old in previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(s, old)


@contextlib.contextmanager
def terminate_as_interrupt(signums=(signal.SIGTERM, signal.SIGHUP)):
    """Within the block, the given signals raise :class:`Terminated` in the main thread (once; then they kill)."""

    def handler(signum, frame):
        signal.signal(signum, signal.SIG_DFL)  # a second one ends the process at once
        raise Terminated(signum)

    with _handlers(signums, handler):
        yield


class StopFlag:
    """Set by SIGINT or SIGTERM inside :func:`signals_as_flag`; ``signum`` is the first signal's number."""

    def __init__(self):
        self.signum: int | None = None

    def __call__(self) -> bool:
        return self.signum is not None


@contextlib.contextmanager
def signals_as_flag():
    """Within the block, SIGINT and SIGTERM set the yielded :class:`StopFlag` instead of raising.

    A second SIGINT raises ``KeyboardInterrupt``; a second SIGTERM ends the process.
    """
    flag = StopFlag()

    def handler(signum, frame):
        if flag.signum is None:
            flag.signum = signum
            return
        signal.signal(signum, signal.SIG_DFL)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        signal.raise_signal(signum)

    with _handlers((signal.SIGINT, signal.SIGTERM), handler):
        yield flag
