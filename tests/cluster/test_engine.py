"""The scheduler on the real cluster: a photo that kills its worker every time costs only its own row."""

import os
import sys

import numpy as np
import pytest

from lutlearn.cluster.engine import RETRIES, Lost, chunk, run_chunks
from lutlearn.cluster.session import connect

pytestmark = pytest.mark.slow  # needs the session's Ray cluster


def crash_on_poison(batch):
    """A stand-in worker: dies (like a decoder segfault) on 'poison', raises on 'bug', else echoes."""
    keys = list(batch["key"])
    if "poison" in keys:
        os._exit(1)
    if "bug" in keys:
        raise ValueError("a bug in the worker")
    return {"i": batch["i"], "json": np.array([f'"{k}"' for k in keys], dtype=object)}


@pytest.fixture
def remote_fn(ray_cluster):
    import ray.cloudpickle

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import this test module
    with connect(ray_cluster.address):
        yield ray.remote(crash_on_poison).options(num_cpus=1, max_retries=RETRIES)


def test_poison_photo_is_isolated_and_the_rest_is_done(remote_fn):
    keys = ["a", "b", "poison", "c", "d", "e", "bug", "f"]
    chunks = chunk(list(enumerate(keys)), 4)
    results = list(run_chunks(chunks, lambda c: (remote_fn.remote(c.batch()), None), capacity=2))
    done = sorted(int(i) for r in results if not isinstance(r, Lost) for i in r["i"])
    lost = {r.chunk.keys: r.reason for r in results if isinstance(r, Lost)}
    assert done == [0, 1, 3, 4, 5, 7]  # the failing chunks ran again photo by photo
    assert set(lost) == {("poison",), ("bug",)}
    assert f"died {RETRIES + 1} times" in lost[("poison",)]
    assert "ValueError: a bug in the worker" in lost[("bug",)]
