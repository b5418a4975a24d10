"""A minimal progress bar on stderr (no output when stderr is not a terminal unless forced)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Report progress of ``total`` steps on stderr: ``label [####    ] 12/30 loss=… ETA 4s``.

    Args:
        total: number of steps.
        label: text before the bar.
        enabled: None = only when stderr is a terminal; True/False force it.
            When disabled but ``log_every`` > 0, a plain line is printed every
            ``log_every`` steps instead (for logs and CI).
    """

    def __init__(self, total: int, label: str = "", enabled: bool | None = None, stream=None):
        self.total, self.label = max(int(total), 1), label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if enabled is None else enabled
        self.start = time.perf_counter()
        self.done = 0

    def update(self, n: int = 1, info: str = "") -> None:
        self.done = min(self.done + n, self.total)
        elapsed = time.perf_counter() - self.start
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        if self.tty:
            filled = int(24 * self.done / self.total)
            bar = "#" * filled + " " * (24 - filled)
            self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} {info} ETA {eta:.0f}s\x1b[K")
        elif self.done % max(self.total // 20, 1) == 0 or self.done == self.total or self.done <= 1:
            self.stream.write(f"{self.label} {self.done}/{self.total} {info} ({elapsed:.1f}s)\n")  # logs: ~20 lines
        self.stream.flush()

    def close(self, info: str = "") -> None:
        elapsed = time.perf_counter() - self.start
        if self.tty:
            self.stream.write("\r\x1b[K")
        if info:
            self.stream.write(f"{self.label} {info} ({elapsed:.1f}s)\n")
        self.stream.flush()
