"""What runs on the cluster's workers: NIMA actors and LUT tasks.

Every function here takes and returns a *batch*: a dict of equal-length
numpy arrays (:meth:`lutlearn.cluster.engine.Chunk.batch`). Input batches carry ``i`` (the
photo's index in the job) and ``key`` (:mod:`lutlearn.cluster.sources`); output
batches carry ``i`` and ``json``, the photo's result as the single-machine
command's JSON object, encoded, so that the driver writes exactly what
``lutlearn score --json`` / ``suggest --json`` print. A photo that fails gives
a row with ``error``; only a crash of the worker process itself makes Ray
run the batch again.

Two layouts (chosen by :mod:`lutlearn.cluster.plans`):

- *fused* (CPU clusters): one actor per ``cpus`` cores decodes, grades and
  scores; the decoding is the same code as on one machine
  (:meth:`lutlearn.nima.score.Scorer.score_files`, :func:`lutlearn.rank.suggest.suggest`);
- *split* (GPU clusters): CPU tasks decode (:func:`decode_chunk`,
  :func:`prepare_chunk`) and GPU actors run the network
  (:class:`DistributionWorker`, :class:`RankWorker`), so a GPU is not left
  waiting for one CPU to decode.

This module imports no Ray (only :meth:`Shipped.get` does, inside a worker):
it is plain lutlearn code, testable without a cluster.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from lutlearn.cluster import outputs
from lutlearn.cluster.pinning import claim_cores
from lutlearn.cluster.sources import local_copy, local_path, rename_in_message
from lutlearn.errors import ImageReadError, LutlearnError, LutlearnWarning

__all__ = [
    "FETCH_THREADS",
    "DistributionWorker",
    "RankWorker",
    "ScoreWorker",
    "Shipped",
    "SuggestWorker",
    "apply_chunk",
    "decode_chunk",
    "prepare_chunk",
]

FETCH_THREADS = 8  # parallel downloads of a batch's remote photos


def _rows(index, dicts) -> dict:
    return {"i": np.asarray(index, np.int64), "json": np.array([json.dumps(d) for d in dicts], dtype=object)}


class _Fetched:
    """Local files for a batch's keys (downloads run in parallel); ``errors[k]`` is set when key k failed."""

    def __init__(self, keys):
        self.keys, self.stack = [str(k) for k in keys], ExitStack()
        self.paths: list[Path | None] = [None] * len(self.keys)
        self.errors: list[str | None] = [None] * len(self.keys)

    def __enter__(self):
        remote = []
        for k, key in enumerate(self.keys):
            self.paths[k] = local_path(key)
            if self.paths[k] is None:
                remote.append(k)
        if remote:
            with ThreadPoolExecutor(min(FETCH_THREADS, len(remote))) as pool:
                for k, result in zip(remote, pool.map(self._fetch, [self.keys[k] for k in remote])):
                    self.paths[k], self.errors[k] = result
        return self

    def _fetch(self, key):
        try:
            return self.stack.enter_context(local_copy(key)), None
        except ImageReadError as e:
            return None, str(e)

    def __exit__(self, *exc):
        self.stack.close()

    def named(self, k: int, message: str) -> str:
        """An error message about the local copy of photo k, naming its key."""
        return rename_in_message(message, self.paths[k], self.keys[k]) if self.paths[k] else message


class Shipped:
    """A large value (NIMA parameters) that the driver put into Ray's object store once.

    Passed wrapped, not as a bare ObjectRef, so that an actor's constructor
    arguments stay small and a restarted actor fetches the value again.
    """

    def __init__(self, ref):
        self.ref = ref

    def get(self):
        import ray  # only ever called inside a Ray worker

        return ray.get(self.ref)


def _value(obj):
    """``obj`` itself, or the value a :class:`Shipped` stands for."""
    return obj.get() if isinstance(obj, Shipped) else obj


def _start_scorer(params, batch_size: int, cpus: float, pin: bool, padding: str = "keras216"):
    """Pin the process, then build and compile a Scorer (one compilation per actor)."""
    claim = claim_cores(int(cpus)) if pin else None
    params = _value(params)
    from lutlearn.nima.score import Scorer, enable_compilation_cache

    enable_compilation_cache()
    scorer = Scorer(params, padding=padding, batch_size=batch_size)
    scorer.distributions(np.zeros((batch_size, 224, 224, 3), np.uint8))  # compile now, not inside the first batch
    return scorer, claim


class ScoreWorker:
    """Fused NIMA scoring: fetch, decode, resize and score a batch of photos.

    Args:
        params: NIMA parameter pytree (numpy), loaded and checked on the driver.
        padding: "keras216" or "tfkeras".
        batch_size: images per compiled call.
        cpus: the actor's ``num_cpus``; the process is pinned to that many cores.
        pin: set False to leave the process unpinned.
    """

    def __init__(self, params, *, padding: str = "keras216", batch_size: int = 16, cpus: float = 1, pin: bool = True):
        self.scorer, self.claim = _start_scorer(params, batch_size, cpus, pin, padding)

    def __call__(self, batch: dict) -> dict:
        with _Fetched(batch["key"]) as fetched:
            good = [k for k, p in enumerate(fetched.paths) if p is not None]
            scores = self.scorer.score_files([fetched.paths[k] for k in good], progress=False)
            dicts = [{"path": key, "error": err} for key, err in zip(fetched.keys, fetched.errors)]
            for k, score in zip(good, scores):
                row = score._replace(path=fetched.keys[k]).to_dict()
                if score.error is not None:
                    row["error"] = fetched.named(k, score.error)
                dicts[k] = row
        return _rows(batch["i"], dicts)


class SuggestWorker:
    """Fused suggest: fetch, decode, grade with every candidate and rank a batch of photos.

    Args:
        params: NIMA parameters.
        candidates: [(label, look)] from :func:`lutlearn.rank.candidates.load_candidates` (loaded on the driver).
        strengths: e.g. (0.5, 1.0).
        guards: False ranks by NIMA's gain alone (``lutlearn suggest --no-guards``).
        padding: "keras216" or "tfkeras".
        cpus, pin: as :class:`ScoreWorker`.
    """

    def __init__(self, params, candidates, strengths, *, guards: bool = True, padding: str = "keras216",
                 cpus: float = 1, pin: bool = True):
        from lutlearn.rank.candidates import batch_size

        self.candidates, self.strengths, self.guards = list(candidates), tuple(strengths), guards
        size = batch_size(len(self.candidates), len(self.strengths))
        self.scorer, self.claim = _start_scorer(params, size, cpus, pin, padding)

    def __call__(self, batch: dict) -> dict:
        from lutlearn.rank.suggest import suggest

        with _Fetched(batch["key"]) as fetched:
            good = [k for k, p in enumerate(fetched.paths) if p is not None]
            ranked = suggest([fetched.paths[k] for k in good], self.candidates, self.strengths, self.scorer,
                             guards=self.guards) if good else []
            dicts = [{"photo": key, "error": err} for key, err in zip(fetched.keys, fetched.errors)]
            for k, result in zip(good, ranked):
                result.photo = fetched.keys[k]
                if result.error is not None:
                    result.error = fetched.named(k, result.error)
                dicts[k] = result.to_dict()
        return _rows(batch["i"], dicts)


def decode_chunk(batch: dict) -> dict:
    """Split layout, CPU side of scoring: ``pixels`` uint8 (n, 224, 224, 3) and ``error`` per photo."""
    from lutlearn.nima.preprocess import nima_pixels

    n = len(batch["key"])
    pixels, errors = np.zeros((n, 224, 224, 3), np.uint8), np.full(n, None, dtype=object)
    with _Fetched(batch["key"]) as fetched:
        for k, path in enumerate(fetched.paths):
            try:
                if path is None:
                    raise ImageReadError(fetched.errors[k])
                pixels[k] = nima_pixels(path)
            except ImageReadError as e:
                errors[k] = fetched.named(k, str(e))
    return {"i": batch["i"], "key": batch["key"], "pixels": pixels, "error": errors}


class DistributionWorker:
    """Split layout, network side of scoring (a GPU actor): rows from decoded pixels."""

    def __init__(self, params, *, padding: str = "keras216", batch_size: int = 64, cpus: float = 1, pin: bool = False):
        self.scorer, self.claim = _start_scorer(params, batch_size, cpus, pin, padding)

    def __call__(self, batch: dict) -> dict:
        from lutlearn.nima.score import NimaScore, mean_std

        good = [k for k, e in enumerate(batch["error"]) if e is None]
        dicts = [{"path": str(key), "error": err} for key, err in zip(batch["key"], batch["error"])]
        if good:
            dist = self.scorer.distributions(batch["pixels"][good])
            means, stds = mean_std(dist)
            for j, k in enumerate(good):  # as Scorer.score_files builds its results
                dicts[k] = NimaScore(str(batch["key"][k]), float(means[j]), float(stds[j]),
                                     tuple(float(v) for v in dist[j])).to_dict()
        return _rows(batch["i"], dicts)


def prepare_chunk(batch: dict, *, candidates, strengths) -> dict:
    """Split layout, CPU side of suggest: every photo decoded and graded by every candidate.

    Returns:
        ``i``, ``key``, ``pixels`` uint8 (n, 224, 224, 3) (the originals), ``graded`` uint8
        (n, G, 224, 224, 3) (:attr:`lutlearn.rank.suggest.Prepared.graded`), ``error`` per photo,
        ``timings`` (JSON).
    """
    from lutlearn.rank.candidates import expand_strengths
    from lutlearn.rank.suggest import prepare

    n, count = len(batch["key"]), len(candidates) * len(expand_strengths(strengths)[0])
    pixels, graded = np.zeros((n, 224, 224, 3), np.uint8), np.zeros((n, count, 224, 224, 3), np.uint8)
    errors, timings = np.full(n, None, dtype=object), np.full(n, "{}", dtype=object)
    with _Fetched(batch["key"]) as fetched:
        for k, path in enumerate(fetched.paths):
            prepared = prepare(path, candidates, strengths) if path is not None else None
            if prepared is None or prepared.error is not None:
                errors[k] = fetched.errors[k] if prepared is None else fetched.named(k, prepared.error)
            else:
                pixels[k], graded[k], timings[k] = prepared.pixels, prepared.graded, json.dumps(prepared.timings)
    return {"i": batch["i"], "key": batch["key"], "pixels": pixels, "graded": graded, "error": errors,
            "timings": timings}


class RankWorker:
    """Split layout, network side of suggest (a GPU actor): one network call per photo, guarded and ranked."""

    def __init__(self, params, labels, strengths, *, guards: bool = True, padding: str = "keras216",
                 cpus: float = 1, pin: bool = False):
        from lutlearn.rank.candidates import batch_size

        self.looks, self.strengths, self.guards = [(label, None) for label in labels], tuple(strengths), guards
        self.scorer, self.claim = _start_scorer(params, batch_size(len(labels), len(strengths)), cpus, pin, padding)

    def __call__(self, batch: dict) -> dict:
        from lutlearn.rank.suggest import Prepared, rank_prepared

        dicts = []
        for k, key in enumerate(batch["key"]):
            error = batch["error"][k]
            prepared = (Prepared(None, None, {}, error) if error is not None else
                        Prepared(batch["pixels"][k], batch["graded"][k], json.loads(batch["timings"][k])))
            dicts.append(rank_prepared(str(key), prepared, self.scorer, self.looks, self.strengths,
                                       guards=self.guards).to_dict())
        return _rows(batch["i"], dicts)


def apply_chunk(batch: dict, *, look, options: dict) -> dict:
    """A LUT task: apply ``look`` to a chunk of photos, one colour cache for the chunk.

    Args:
        batch: ``i``, ``key`` (input) and ``dst`` (output path or URI).
        look: the resolved look (shipped once through the object store).
        options: ``strength``, ``quality``, ``bit_depth``, ``overwrite``.

    Returns:
        ``i`` and ``json``: ``{"src", "dst", "status": "written"|"skipped"|"failed",
        "error"?, "warnings"?}``.
    """
    from threadpoolctl import threadpool_limits

    from lutlearn.looks.render import ColourCache

    cache = ColourCache(look.apply, options.get("strength", 1.0))
    with threadpool_limits(1, user_api="blas"):
        dicts = [_apply_one(str(key), str(dst), look, options, cache) for key, dst in zip(batch["key"], batch["dst"])]
    return _rows(batch["i"], dicts)


def _apply_one(key: str, dst: str, look, options: dict, cache) -> dict:
    """Apply to one photo; every failure becomes the row's ``error``."""
    from lutlearn.looks.apply import apply_to_file

    overwrite = bool(options.get("overwrite", False))
    row = {"src": key, "dst": dst, "status": "written"}
    kwargs = dict(strength=options.get("strength", 1.0), quality=options.get("quality", 95),
                  bit_depth=options.get("bit_depth"), overwrite=overwrite, threads=1, cache=cache)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LutlearnWarning)
        try:
            if not overwrite and outputs.exists(dst):  # an earlier attempt (or run) finished it
                return {**row, "status": "skipped"}
            with local_copy(key) as src:
                target = local_path(dst)
                if target is not None:
                    apply_to_file(src, look, target, **kwargs)
                else:
                    with tempfile.TemporaryDirectory(prefix="lutlearn-out-") as folder:
                        tmp = Path(folder) / Path(dst).name
                        apply_to_file(src, look, tmp, **kwargs)
                        outputs.publish(tmp, dst)
        except (LutlearnError, OSError, MemoryError) as e:
            text = "out of memory" if isinstance(e, MemoryError) else (str(e).splitlines() or [type(e).__name__])[0]
            row = {**row, "status": "failed", "error": text if key in text else f"{key}: {text}"}
    notes = [str(w.message) for w in caught if issubclass(w.category, LutlearnWarning)]
    return {**row, "warnings": notes} if notes else row
