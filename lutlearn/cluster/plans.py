"""How a job's work is laid out on the cluster it found: which workers, how many, chunks of what size.

- NIMA on a cluster without GPUs (*fused*): one actor per ``cpus_per_worker``
  CPUs, pinned to that many cores (:mod:`lutlearn.cluster.pinning`), one jit
  compilation each, fetching, decoding and scoring its chunks; two calls in
  flight per actor so that it never waits for the driver. Actors are spread
  over the nodes (``SPREAD``).
- NIMA on a cluster with GPUs (*split*): each chunk is decoded (and graded,
  for suggest) by a one-CPU task, whose result goes straight to one of the
  GPU actors (one per GPU, ``num_gpus=1``; the reference is passed, Ray moves
  the pixels); enough chunks are in flight to keep every CPU decoding.
- LUT work: one-CPU tasks of ``photos_per_task`` photos sharing a colour
  cache; the look goes once into the object store.

Chunk sizes: about 8 chunks per worker so the tail is short, within bounds
that amortise the per-call cost (16..256 photos for scoring, a multiple of
the compiled batch; 1..16 for suggest, which sends 25 images per photo; 1..8
for LUT tasks).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

from lutlearn.cluster.engine import RETRIES, ActorPool, Chunk, chunk
from lutlearn.cluster.session import ClusterInfo

__all__ = ["NimaStage", "Plan", "chunk_size", "plan_apply", "plan_nima"]


@dataclasses.dataclass(frozen=True)
class NimaStage:
    """How one NIMA command runs in either layout.

    Attributes:
        fused: the CPU actor class (fetch + decode + network), built with ``params`` and ``fused_kwargs``.
        fused_kwargs: its other constructor arguments.
        prepare: the split layout's CPU task (fetch + decode [+ grade]), called with ``prepare_kwargs``.
        prepare_kwargs: its other arguments.
        network: the split layout's GPU actor class, built with ``params`` and ``network_kwargs``.
        network_kwargs: its other constructor arguments.
        rows: (low, high, multiple): bounds of the photos per chunk.
        gpu_rows: (low, high, multiple) on GPU clusters.
    """

    fused: type
    fused_kwargs: dict
    prepare: Callable
    prepare_kwargs: dict
    network: type
    network_kwargs: dict
    rows: tuple[int, int, int]
    gpu_rows: tuple[int, int, int]


@dataclasses.dataclass
class Plan:
    """Work ready for :func:`lutlearn.cluster.engine.run_chunks`.

    Attributes:
        layout: one line for the report, e.g. "fused: 2 actors x 1 CPU, chunks of 32".
        chunks: the work.
        submit: starts a chunk; returns (ObjectRef, tag).
        capacity: calls in flight.
        release: takes the tag back when a call ends.
    """

    layout: str
    chunks: list[Chunk]
    submit: Callable[[Chunk], tuple]
    capacity: int
    release: Callable[[object], None] = lambda tag: None


def chunk_size(n: int, workers: float, low: int, high: int, multiple: int = 1) -> int:
    """Photos per chunk: about 8 chunks per worker, within [low, high], a multiple of ``multiple``.

    >>> chunk_size(500, 2, 16, 256, 16), chunk_size(10_000_000, 64, 16, 256, 16), chunk_size(5, 2, 1, 16)
    (32, 256, 1)
    """
    size = min(max(math.ceil(n / max(workers * 8, 1)), low), high)
    return max(multiple, math.ceil(size / multiple) * multiple)


def plan_nima(stage: NimaStage, params, cluster: ClusterInfo, todo: list[tuple], *, cpus_per_worker: int = 1,
              pin: bool = True, rows: int | None = None) -> Plan:
    """Lay out a score or suggest job (see the module docstring)."""
    import ray

    from lutlearn.cluster.workers import Shipped

    shipped = Shipped(ray.put(params))  # held by the driver for the whole job: restarted actors find it
    if cluster.gpus >= 1:
        gpus = int(cluster.gpus)
        size = rows or chunk_size(len(todo), cluster.cpus, *stage.gpu_rows)
        pool = ActorPool(stage.network, gpus, dict(num_cpus=1, num_gpus=1, allow_out_of_order_execution=True),
                         dict(params=shipped, **stage.network_kwargs))
        prepare = ray.remote(stage.prepare).options(num_cpus=1, max_retries=RETRIES)

        def submit_split(work: Chunk):
            return pool.submit(prepare.remote(work.batch(), **stage.prepare_kwargs))

        return Plan(f"split: 1-CPU decode tasks + {gpus} GPU actors, chunks of {size}", chunk(todo, size),
                    submit_split, capacity=max(int(cluster.cpus), 1) + 2 * gpus, release=pool.done)
    workers = max(1, int(cluster.cpus // cpus_per_worker))
    size = rows or chunk_size(len(todo), workers, *stage.rows)
    chunks = chunk(todo, size)
    workers = min(workers, len(chunks))  # no actor without work
    pool = ActorPool(stage.fused, workers, dict(num_cpus=cpus_per_worker, scheduling_strategy="SPREAD"),
                     dict(params=shipped, cpus=cpus_per_worker, pin=pin, **stage.fused_kwargs))

    def submit_fused(work: Chunk):
        return pool.submit(work.batch())

    return Plan(f"fused: {workers} actors x {cpus_per_worker} CPU, chunks of {size}", chunks, submit_fused,
                pool.capacity, pool.done)


def plan_apply(look, settings: dict, cluster: ClusterInfo, todo: list[tuple], *,
               photos_per_task: int | None = None) -> Plan:
    """Lay out an apply job: one-CPU tasks, ``photos_per_task`` photos each."""
    import ray

    from lutlearn.cluster.workers import apply_chunk

    cpus = max(int(cluster.cpus), 1)
    size = photos_per_task or chunk_size(len(todo), cpus, 1, 8)
    task = ray.remote(apply_chunk).options(num_cpus=1, max_retries=RETRIES)
    look_ref = ray.put(look)

    def submit(work: Chunk):
        return task.remote(work.batch(), look=look_ref, options=settings), None

    return Plan(f"tasks of {size} photos", chunk(todo, size), submit, capacity=2 * cpus)
