"""A small streaming scheduler on Ray core: chunks of photos to actors or tasks, results as they finish.

Why not Ray Data: on the 2-CPU benchmark (``scripts/bench_cluster.py``,
500 photos) the same fused NIMA actors scored in 3.7 s through this
scheduler and in 6.7-8.3 s through ``Dataset.map_batches``: Ray Data costs
about 2-3 s per job before the first result (importing ``ray.data``, its
internal actors, the streaming executor) and about 25 ms per block, and its
per-call retry limits (``max_retries``, ``max_task_retries``) are deprecated
arguments. Here the per-call cost is a ``ray.wait`` (about 1 ms) and the
retries are Ray core's.

The scheduler keeps ``depth`` calls in flight per actor (or ``capacity``
tasks), so a worker never waits for the driver; results stream back in
completion order. Failures:

- a worker process that died (Ray ran the call again :data:`RETRIES` times,
  restarting the actor each time), or an error inside a call that the code
  did not turn into a row (a bug): the chunk is split into single photos,
  which run again. So one photo that kills its worker (a decoder crash, the
  kernel's OOM killer) or trips a bug ends as one error row (a :class:`Lost`)
  and every other photo of its chunk is still done.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable, Iterator, Sequence

import numpy as np

__all__ = ["RETRIES", "ActorPool", "Chunk", "Lost", "chunk", "run_chunks"]

RETRIES = 3  # Ray's re-runs of a call whose worker process died


@dataclasses.dataclass(frozen=True)
class Chunk:
    """Photos sent in one call: their indices in the job, keys, and destinations (apply only)."""

    index: tuple[int, ...]
    keys: tuple[str, ...]
    dsts: tuple[str, ...] = ()

    def batch(self) -> dict:
        """The call's argument: a dict of equal-length arrays (:mod:`lutlearn.cluster.workers`)."""
        out = {"i": np.asarray(self.index, np.int64), "key": np.array(self.keys, dtype=object)}
        if self.dsts:
            out["dst"] = np.array(self.dsts, dtype=object)
        return out

    def singles(self) -> list[Chunk]:
        return [Chunk((i,), (k,), (d,) if self.dsts else ()) for i, k, d in
                zip(self.index, self.keys, self.dsts or self.keys)]


@dataclasses.dataclass(frozen=True)
class Lost:
    """A chunk that gave no result, and why (one line)."""

    chunk: Chunk
    reason: str


def chunk(todo: Sequence[tuple], size: int) -> list[Chunk]:
    """(index, key[, dst]) rows -> chunks of ``size``."""
    out = []
    for s in range(0, len(todo), size):
        part = todo[s:s + size]
        out.append(Chunk(tuple(t[0] for t in part), tuple(t[1] for t in part),
                         tuple(t[2] for t in part) if len(part[0]) > 2 else ()))
    return out


class ActorPool:
    """``count`` actors of ``cls``; calls go to the one with the fewest in flight.

    Args:
        cls: a worker class (its ``__call__`` takes and returns a batch).
        count: actors to start.
        options: Ray actor options (num_cpus, num_gpus, ...).
        kwargs: constructor arguments.
        depth: calls in flight per actor.
    """

    def __init__(self, cls, count: int, options: dict, kwargs: dict, depth: int = 2):
        import ray

        remote = ray.remote(cls).options(max_restarts=-1, max_task_retries=RETRIES, **options)
        self.actors = [remote.remote(**kwargs) for _ in range(count)]
        self.load = [0] * count
        self.depth = depth

    @property
    def capacity(self) -> int:
        return self.depth * len(self.actors)

    def submit(self, payload) -> tuple:
        """Start a call on the least busy actor; ``payload`` is a batch or an ObjectRef of one."""
        k = min(range(len(self.actors)), key=self.load.__getitem__)
        self.load[k] += 1
        return self.actors[k].__call__.remote(payload), k

    def done(self, k: int) -> None:
        self.load[k] -= 1


def run_chunks(chunks: list[Chunk], submit: Callable[[Chunk], tuple], capacity: int,
               release: Callable[[object], None] = lambda tag: None) -> Iterator[dict | Lost]:
    """Run every chunk, at most ``capacity`` at once; yield each result batch (or a :class:`Lost`) as it ends.

    Args:
        chunks: the work.
        submit: starts a chunk: returns (ObjectRef of the result batch, a tag handed to ``release``).
        capacity: calls in flight.
        release: called with the tag when a call has ended.
    """
    import ray
    from ray.exceptions import RayTaskError

    queue = collections.deque(chunks)
    pending: dict = {}
    while queue or pending:
        while queue and len(pending) < capacity:
            work = queue.popleft()
            ref, tag = submit(work)
            pending[ref] = (work, tag)
        (ref,), _ = ray.wait(list(pending), num_returns=1)
        work, tag = pending.pop(ref)
        release(tag)
        try:
            result = ray.get(ref)
        except RayTaskError as e:  # the call's code raised (not retried by Ray)
            reason = _first_line(e.cause if e.cause is not None else e)
        except ray.exceptions.RayError as e:  # the worker died RETRIES + 1 times
            reason = f"the worker died {RETRIES + 1} times on this photo ({_first_line(e)})"
        else:
            yield result
            continue
        if len(work.keys) > 1:
            queue.extendleft(reversed(work.singles()))  # photo by photo: find the one that fails
        else:
            yield Lost(work, reason)


def _first_line(e: BaseException) -> str:
    lines = [line for line in str(e).splitlines() if line.strip()]
    return f"{type(e).__name__}: {lines[-1].strip() if lines else ''}"
