"""Give a worker process as many CPU cores as Ray scheduled it for, and no more.

Ray counts CPUs but does not confine a process to them. XLA, though, sizes its
CPU thread pool from the cores the process may run on (``sched_getaffinity``),
and there is no XLA flag that caps it (``--xla_cpu_multi_thread_eigen=false``
changes nothing measurable with jaxlib 0.10). So N one-CPU NIMA actors on an
N-core node would each start N compute threads, and a one-CPU actor on a
two-core machine would still use both cores.

:func:`claim_cores` fixes that: it takes ``n`` cores of the process's
allowed set that no other lutlearn worker on this node holds (one ``flock``
per core in the node's temporary folder; the kernel drops a lock when its
process dies, so a restarted actor can take the core again) and restricts the
process to them. Call it before JAX creates its CPU client (the first
computation or ``jax.devices()``), i.e. at the start of an actor's
``__init__``.

On this 2-core machine (NIMA network only, batch 16, img/s): one process on
both cores 249; one process pinned to one core 156; two processes, each
pinned to its own core 150 + 150 = 299; two unpinned processes 141 + 142 = 284.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

__all__ = ["CoreClaim", "claim_cores"]


class CoreClaim:
    """Cores held by this process; the locks live as long as this object (or the process).

    Attributes:
        cores: the core ids this process now runs on.
    """

    def __init__(self, cores: list[int], fds: list[int]):
        self.cores, self._fds = cores, fds

    def release(self) -> None:
        """Let other workers take these cores (the process keeps its affinity)."""
        for fd in self._fds:
            os.close(fd)
        self._fds = []

    def __repr__(self) -> str:
        return f"CoreClaim(cores={self.cores})"


def claim_cores(n: int, lock_dir: str | os.PathLike | None = None) -> CoreClaim | None:
    """Restrict this process to ``n`` cores that no other lutlearn worker on the node holds.

    Args:
        n: cores wanted (a Ray actor's ``num_cpus``, rounded down, at least 1).
        lock_dir: where the per-core lock files live (default
            ``$TMPDIR/lutlearn-cores``; it must be the same for every worker of the node).

    Returns:
        The claim, or None when nothing was pinned: ``n`` covers every allowed
        core already, the platform has no affinity control, or fewer than
        ``n`` cores are free (more workers than cores: the process is left as it was).
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    n = max(1, int(n))
    if n >= len(allowed):
        return None
    folder = Path(lock_dir) if lock_dir is not None else Path(tempfile.gettempdir()) / "lutlearn-cores"
    folder.mkdir(parents=True, exist_ok=True)
    cores, fds = [], []
    for core in allowed:
        fd = os.open(folder / f"core-{core}.lock", os.O_CREAT | os.O_RDWR, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        cores.append(core)
        fds.append(fd)
        if len(cores) == n:
            os.sched_setaffinity(0, cores)
            return CoreClaim(cores, fds)
    CoreClaim(cores, fds).release()
    return None
