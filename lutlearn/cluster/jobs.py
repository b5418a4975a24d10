"""Run ``apply``, ``score`` and ``suggest`` over many photos on a Ray cluster (the driver side).

Each ``run_*`` function does, in this order:

1. on the driver, with no cluster yet: expand the inputs
   (:func:`lutlearn.cluster.sources.expand_sources`), load and check the look
   or the NIMA weights, plan the outputs, and drop what an earlier run finished
   (finished outputs, or good rows in the results). Bad input fails here, with
   one line, and nothing is written;
2. connect (:func:`lutlearn.cluster.session.connect`), lay the work out on
   what the cluster has (:mod:`lutlearn.cluster.plans`) and run it
   (:func:`lutlearn.cluster.engine.run_chunks`): each batch of results is
   saved as it arrives (apply: the workers wrote the files; score/suggest: a
   part file) and counted on one progress line on stderr;
3. finish: write the results file, remove temporaries, and return a
   :class:`JobReport` whose ``failed`` list says whether anything failed.

Nothing is lost to a worker that dies: Ray runs its call again (up to
:data:`lutlearn.cluster.engine.RETRIES` times, restarting an actor), outputs
are atomic, so a call run twice writes the same files again or skips them,
and a photo that kills its worker every time ends as one error row.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence

from lutlearn.cluster import outputs
from lutlearn.cluster.plans import NimaStage, plan_apply, plan_nima
from lutlearn.cluster.results import ResultStore, score_schema, suggest_schema
from lutlearn.cluster.session import connect
from lutlearn.cluster.sources import expand_sources

__all__ = ["ApplyOptions", "JobReport", "run_apply", "run_score", "run_suggest"]

LOST = "no result: the batch holding this photo failed (see the Ray logs)"


@dataclasses.dataclass
class JobReport:
    """What a cluster job did.

    Attributes:
        command: "score", "suggest" or "apply".
        total: photos named by the inputs.
        before: photos an earlier run had finished (skipped).
        done: photos finished by this run (written, or with a good row).
        failed: (photo, message) for each photo that failed.
        output: the results file or the output folder.
        layout: how the work ran ("fused", "split (GPU)", "tasks"); "" when nothing ran.
        seconds: when each step ended, in wall seconds since the call: "plan" (inputs, looks,
            weights), "connect", "stream" (pipeline built, results awaited from here), "first" and
            "last" (the first and the last batch of results; "first_rows" rows came first); and
            the durations "run" (the pipeline) and "total".
    """

    command: str
    total: int
    before: int = 0
    done: int = 0
    failed: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    output: str = ""
    layout: str = ""
    seconds: dict = dataclasses.field(default_factory=dict)

    def summary(self) -> str:
        """One line, e.g. ``scored 498 of 500 photos (300 done before); 2 failed``."""
        verb = {"score": "scored", "suggest": "ranked looks for", "apply": "applied the look to"}[self.command]
        text = f"{verb} {self.total - len(self.failed)} of {self.total} photos"
        text += f" ({self.before} done before)" if self.before else ""
        return text + (f"; {len(self.failed)} failed" if self.failed else "")


@dataclasses.dataclass(frozen=True)
class ApplyOptions:
    """``lutlearn apply`` options (see :func:`lutlearn.looks.apply.apply_to_file`).

    Attributes:
        strength: 0..1.
        method: "tetrahedral" or "trilinear".
        quality: JPEG quality.
        bit_depth: 8, 16 or None (the input's).
        overwrite: redo outputs that exist (otherwise they count as done).
        suffix: added to each output's stem.
    """

    strength: float = 1.0
    method: str = "tetrahedral"
    quality: int = 95
    bit_depth: int | None = None
    overwrite: bool = False
    suffix: str = ""


def _load_params(weights, padding: str | None) -> tuple[dict, str]:
    """(NIMA parameters, padding), found and checked on the driver as ``lutlearn score`` does
    (:meth:`lutlearn.nima.score.Scorer.load`); the parameters reach the actors through the object store.
    """
    from lutlearn.nima.weights import locate_weights
    from lutlearn.nima.weightsfile import load_any

    path, where = locate_weights(weights)
    params, meta = load_any(path, where=where)
    return params, padding or meta["padding"]


def run_score(inputs: Iterable[str], out: str | os.PathLike, *, address: str, weights=None,
              padding: str | None = None, batch_size: int = 16, cpus_per_worker: int = 1, pin_cores: bool = True,
              rows_per_chunk: int | None = None, progress: bool | None = None,
              on_result: Callable[[dict], None] | None = None) -> JobReport:
    """``lutlearn score`` on a cluster: one row per photo in a JSON Lines or Parquet file.

    Args:
        inputs: files, folders, globs, list files, URIs.
        out: the results: a ``.jsonl`` or ``.parquet`` file (``OUT.parts/``
            beside it holds the rows while the job runs), or a folder of
            JSON Lines shards (a path ending in ``/``; for millions of photos).
            See :mod:`lutlearn.cluster.results`.
        address: see :func:`lutlearn.cluster.session.connect`.
        weights: NIMA weights file (default: as ``lutlearn score``).
        padding: "keras216" or "tfkeras" (None: the weights' own, as ``lutlearn score``).
        batch_size: images per compiled network call (on a GPU: at least 64).
        cpus_per_worker: CPUs (and pinned cores) per NIMA actor on CPU clusters.
        pin_cores: pin each CPU actor to ``cpus_per_worker`` cores
            (:mod:`lutlearn.cluster.pinning`); False only to measure what pinning buys.
        rows_per_chunk: photos per call (default: see :func:`lutlearn.cluster.plans.chunk_size`).
        progress: progress on stderr (None: a bar on a terminal, lines otherwise).
        on_result: called on the driver with each new row.

    Returns:
        A :class:`JobReport`.

    Raises:
        LutlearnError: bad inputs, weights or results path; unreachable cluster.
    """
    from lutlearn.cluster.workers import DistributionWorker, ScoreWorker, decode_chunk

    t0 = time.perf_counter()
    keys = expand_sources(inputs)
    store = ResultStore(out, "path", score_schema)
    params, padding = _load_params(weights, padding)
    gpu_batch = max(batch_size, 64)
    stage = NimaStage(ScoreWorker, dict(padding=padding, batch_size=batch_size), decode_chunk, {},
                      DistributionWorker, dict(padding=padding, batch_size=gpu_batch),
                      rows=(batch_size, 256, batch_size), gpu_rows=(gpu_batch, 4 * gpu_batch, gpu_batch))
    layout = dict(cpus_per_worker=cpus_per_worker, pin=pin_cores, rows=rows_per_chunk)
    return _results_job("score", keys, store, stage, params, address, layout, progress, on_result, t0)


def run_suggest(inputs: Iterable[str], out: str | os.PathLike, *, address: str,
                looks: Sequence[str] | None = None, strengths: Sequence[float] = (0.5, 1.0), weights=None,
                guards: bool = True, cpus_per_worker: int = 1, pin_cores: bool = True, warn: Callable[[str], None] | None = None,
                progress: bool | None = None, on_result: Callable[[dict], None] | None = None) -> JobReport:
    """``lutlearn suggest`` on a cluster: each photo's ranking of looks as one row.

    Args:
        inputs, out, address, weights, cpus_per_worker, pin_cores, progress, on_result: as :func:`run_score`.
        looks: look names or files (None: every look of the library); loaded on the driver.
        strengths: strengths to try, each in (0, 1].
        guards: False ranks by NIMA's gain alone (``--no-guards``).
        warn: called with a message for each look that fails to load (it is skipped).

    Returns:
        A :class:`JobReport`.
    """
    from lutlearn.cluster.workers import RankWorker, SuggestWorker, prepare_chunk
    from lutlearn.rank.candidates import load_candidates

    t0 = time.perf_counter()
    keys = expand_sources(inputs)
    store = ResultStore(out, "photo", suggest_schema)
    candidates = load_candidates(list(looks) if looks else None, warn=warn)
    strengths = tuple(strengths)
    params, padding = _load_params(weights, None)
    labels = [label for label, _ in candidates]
    common = dict(strengths=strengths, guards=guards, padding=padding)
    stage = NimaStage(SuggestWorker, dict(candidates=candidates, **common),
                      prepare_chunk, dict(candidates=candidates, strengths=strengths),
                      RankWorker, dict(labels=labels, **common), rows=(1, 16, 1), gpu_rows=(1, 16, 1))
    layout = dict(cpus_per_worker=cpus_per_worker, pin=pin_cores)
    return _results_job("suggest", keys, store, stage, params, address, layout, progress, on_result, t0)


def run_apply(inputs: Iterable[str], look_spec: str, out_dir: str | os.PathLike,
              options: ApplyOptions = ApplyOptions(), *, address: str, photos_per_task: int | None = None,
              progress: bool | None = None, on_result: Callable[[dict], None] | None = None) -> JobReport:
    """``lutlearn apply --out-dir`` on a cluster: every output written atomically, named from its input.

    Outputs that exist are finished ones (they were written atomically) and
    are skipped, unless ``options.overwrite``: re-running an interrupted job
    writes only what is missing.

    Args:
        inputs: files, folders, globs, list files, URIs.
        look_spec: a look name or file (:func:`lutlearn.looks.resolve.resolve_look`).
        out_dir: a folder every worker can write (shared file system) or an
            object-store URI.
        options: an :class:`ApplyOptions`.
        address: see :func:`lutlearn.cluster.session.connect`.
        photos_per_task: photos per LUT task (default: see :func:`lutlearn.cluster.plans.plan_apply`).
        progress, on_result: as :func:`run_score`; rows are ``{"src", "dst", "status", "error"?, "warnings"?}``.

    Returns:
        A :class:`JobReport` (``failed`` lists the photos that failed in this run).
    """
    from lutlearn.looks.resolve import resolve_look

    t0 = time.perf_counter()
    keys = expand_sources(inputs)
    dsts = outputs.plan_destinations(keys, out_dir, suffix=options.suffix)
    look = resolve_look(look_spec, method=options.method)
    present = set() if options.overwrite else outputs.existing_names(out_dir)
    todo = [(i, k, d) for i, (k, d) in enumerate(zip(keys, dsts)) if _basename(d) not in present]
    report = JobReport("apply", len(keys), before=len(keys) - len(todo), output=os.fspath(out_dir))
    report.seconds["plan"] = time.perf_counter() - t0
    if todo:
        settings = dict(strength=options.strength, quality=options.quality, bit_depth=options.bit_depth,
                        overwrite=options.overwrite)
        with connect(address) as cluster:
            report.seconds["connect"] = time.perf_counter() - t0
            outputs.prepare_folder(out_dir)
            plan = plan_apply(look, settings, cluster, todo, photos_per_task=photos_per_task)
            outcomes = _collect(plan, len(todo), "apply", progress, report, t0, lambda new: None, on_result,
                                _apply_lost, lambda row: (row["status"], row.get("error")))
        outputs.sweep_temporaries(out_dir, {_basename(d) for _, _, d in todo})
        for i, key, dst in todo:
            status, error = outcomes.get(i, ("failed", f"{key}: {LOST}"))
            if status == "failed":
                report.failed.append((key, error))
            elif status == "written":
                report.done += 1
            else:
                report.before += 1
    report.seconds["total"] = time.perf_counter() - t0
    return report


def _apply_lost(key: str, dst: str, why: str) -> dict:
    return {"src": key, "dst": dst, "status": "failed", "error": f"{key}: {why}"}


def _basename(dst: str) -> str:
    return dst.rstrip("/").rsplit("/", 1)[-1] if "://" in dst else os.path.basename(dst)


def _collect(plan, count: int, label: str, progress, report: JobReport, t0: float, save, on_result,
             lost_row: Callable, outcome: Callable[[dict], object]) -> dict[int, object]:
    """Run the plan, saving and counting each batch of rows as it arrives.

    Returns:
        ``outcome(row)`` by photo index (not the rows: a job of millions keeps no rows in memory).
    """
    from lutlearn.cluster.engine import Lost, run_chunks
    from lutlearn.progress import progress_bar

    report.layout = plan.layout
    bar = progress_bar(count, label, enabled=progress, unit="photo") if progress is not False else None
    outcomes: dict[int, object] = {}
    start = time.perf_counter()
    report.seconds["stream"] = start - t0
    for result in run_chunks(plan.chunks, plan.submit, plan.capacity, plan.release):
        if isinstance(result, Lost):
            index, new = result.chunk.index, [lost_row(k, d, result.reason) for k, d in
                                              zip(result.chunk.keys, result.chunk.dsts or result.chunk.keys)]
        else:
            index, new = [int(i) for i in result["i"]], [json.loads(text) for text in result["json"]]
        save(new)
        outcomes.update(zip(index, map(outcome, new)))
        if "first" not in report.seconds:
            report.seconds["first"], report.seconds["first_rows"] = time.perf_counter() - t0, len(new)
        report.seconds["last"] = time.perf_counter() - t0
        for row in new if on_result is not None else ():
            on_result(row)
        if bar is not None:
            bar.update(len(new))
    if bar is not None:
        bar.close()
    report.seconds["run"] = time.perf_counter() - start
    return outcomes


def _results_job(command: str, keys: list[str], store: ResultStore, stage: NimaStage, params, address: str,
                 layout: dict, progress, on_result, t0: float) -> JobReport:
    """The shared body of score and suggest: skip good rows, run the rest, finish the results."""
    good, errors = store.scan()
    todo = [(i, k) for i, k in enumerate(keys) if k not in good]
    report = JobReport(command, len(keys), before=len(keys) - len(todo), output=str(store.path))
    report.seconds["plan"] = time.perf_counter() - t0
    outcomes: dict[int, object] = {}
    if todo:
        with connect(address) as cluster:
            report.seconds["connect"] = time.perf_counter() - t0
            plan = plan_nima(stage, params, cluster, todo, **layout)
            outcomes = _collect(plan, len(todo), command, progress, report, t0, store.add, on_result,
                                lambda key, dst, why: {store.key: key, "error": f"{key}: {why}"},
                                lambda row: row.get("error"))
        missing = [(i, k) for i, k in todo if i not in outcomes]
        store.add({store.key: k, "error": f"{k}: {LOST}"} for _, k in missing)
        outcomes.update((i, f"{k}: {LOST}") for i, k in missing)
    store.finish(keys, redone={k for _, k in todo if k in errors})
    report.failed = [(k, outcomes[i]) for i, k in todo if outcomes[i] is not None]
    report.done = len(todo) - len(report.failed)
    report.seconds["total"] = time.perf_counter() - t0
    return report
