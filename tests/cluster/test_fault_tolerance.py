"""Killed workers and interrupted jobs on the real local cluster: every result, no partial file, resumable.

These are slow (about a minute together): each job must run long enough to be hit in the middle.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from PIL import Image

from lutlearn.cluster.jobs import ApplyOptions, run_apply, run_score
from lutlearn.looks.apply import apply_batch, plan_outputs
from lutlearn.looks.resolve import resolve_look
from tests.cluster.helpers import make_photos, worker_pids

pytestmark = pytest.mark.slow

SCORE_ACTOR = "ray::ScoreWorker"
APPLY_TASK = "ray::apply_chunk"


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """600 small photos: a scoring job of a few seconds."""
    return make_photos(tmp_path_factory.mktemp("many"), 600, side=128, seed=3)


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """80 PNG photos up to 768 px: an apply job of a few seconds (PNG encoding dominates)."""
    return make_photos(tmp_path_factory.mktemp("large"), 80, side=768, seed=4, kinds=("png",))


def _wait_for(condition, timeout=120, step=0.02):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(step)


def _in_thread(fn, *args, **kwargs):
    box = {}

    def run():
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as e:  # handed to the test below
            box["error"] = e

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def _kill_one(cluster, title):
    """SIGKILL one of this cluster's workers named ``title``; returns its pid."""
    pids = []
    _wait_for(lambda: pids.extend(worker_pids(cluster, title)) or pids)
    os.kill(pids[0], signal.SIGKILL)
    return pids[0]


def _parts_rows(parts):
    return sum(len(p.read_text().splitlines()) for p in parts.glob("part-*.jsonl")) if parts.is_dir() else 0


def test_killed_nima_actor_still_yields_every_result(ray_cluster, weights, many, tmp_path):
    out = tmp_path / "scores.jsonl"
    parts = tmp_path / "scores.jsonl.parts"
    thread, box = _in_thread(run_score, [many[0].parent], out, address=ray_cluster.address, weights=weights,
                             progress=False)
    _wait_for(lambda: _parts_rows(parts) > 0)
    killed = _kill_one(ray_cluster, SCORE_ACTOR)
    saved_at_kill = _parts_rows(parts)
    thread.join()
    assert "error" not in box, box.get("error")
    report = box["value"]
    assert saved_at_kill < len(many), "the kill came after the job had finished"
    assert not report.failed and report.done == len(many)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["path"] for r in rows] == [str(p) for p in many] and all("mean" in r for r in rows)
    assert killed not in worker_pids(ray_cluster, SCORE_ACTOR)


def test_killed_lut_task_still_writes_everything_and_nothing_partial(ray_cluster, large, tmp_path):
    out = tmp_path / "out"
    thread, box = _in_thread(run_apply, [large[0].parent], "teal_orange", out, address=ray_cluster.address,
                             progress=False)
    _wait_for(lambda: out.is_dir() and len(os.listdir(out)) >= 4)
    _kill_one(ray_cluster, APPLY_TASK)
    written_at_kill = len([n for n in os.listdir(out) if not n.startswith(".")])
    thread.join()
    assert "error" not in box, box.get("error")
    report = box["value"]
    assert written_at_kill < len(large), "the kill came after the job had finished"
    assert not report.failed and report.done + report.before == len(large)
    assert sorted(os.listdir(out)) == sorted(p.name for p in large)  # no temporaries left
    (tmp_path / "local").mkdir()
    pairs = plan_outputs(large, out_dir=tmp_path / "local")
    apply_batch(pairs, resolve_look("teal_orange"))
    for _, dst in pairs:
        same = (out / dst.name).read_bytes() == dst.read_bytes()  # a bool: no diff of two images' bytes
        assert same, dst.name


def _driver(*args):
    return subprocess.Popen([sys.executable, "-m", "lutlearn.cli", *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _interrupt(driver, ready):
    """Kill the driver (SIGKILL: no clean-up of its own) once ``ready()``; give Ray a moment to stop its workers."""
    try:
        _wait_for(ready)
    finally:
        driver.kill()
        driver.wait()
    time.sleep(3)


def test_rerun_after_an_interrupted_apply_writes_only_what_was_missing(ray_cluster, large, tmp_path):
    out = tmp_path / "out"
    driver = _driver("apply", large[0].parent, "--look", "teal_orange", "--out-dir", out,
                     "--cluster", ray_cluster.address)
    _interrupt(driver, lambda: out.is_dir() and len([n for n in os.listdir(out) if not n.startswith(".")]) >= 8)
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir() if not p.name.startswith(".")}
    assert 8 <= len(before) < len(large)
    for name in before:  # each finished output is whole
        with Image.open(out / name) as im:
            im.load()
    report = run_apply([large[0].parent], "teal_orange", out, ApplyOptions(), address=ray_cluster.address,
                       progress=False)
    assert report.before == len(before) and report.done == len(large) - len(before) and not report.failed
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir()}
    assert sorted(after) == sorted(p.name for p in large)
    assert {name: after[name] for name in before} == before  # not written again


def test_rerun_after_an_interrupted_score_scores_only_what_was_missing(ray_cluster, weights, many, tmp_path):
    out = tmp_path / "s.parquet"
    parts = tmp_path / "s.parquet.parts"
    driver = _driver("score", many[0].parent, "-o", out, "--cluster", ray_cluster.address)
    _interrupt(driver, lambda: _parts_rows(parts) > 0)
    kept = _parts_rows(parts)
    assert 0 < kept < len(many) and not out.exists()
    report = run_score([many[0].parent], out, address=ray_cluster.address, weights=weights, progress=False)
    assert report.before == kept and report.done == len(many) - kept and not report.failed
    import pyarrow.parquet as pq

    assert pq.read_table(out).column("path").to_pylist() == [str(p) for p in many]
    assert not parts.exists()
