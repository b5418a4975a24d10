"""Jobs on a real local Ray cluster (127.0.0.1, 2 CPUs): the same results as one machine, resumable."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from lutlearn.cluster.jobs import ApplyOptions, run_apply, run_score, run_suggest
from lutlearn.cluster.results import ResultStore, score_schema
from lutlearn.looks.apply import apply_batch, plan_outputs
from lutlearn.looks.resolve import resolve_look
from lutlearn.nima.score import Scorer
from lutlearn.rank.candidates import batch_size, load_candidates
from lutlearn.rank.suggest import suggest

pytestmark = pytest.mark.slow  # a Ray cluster starts for these (about 10 s), and each job starts its workers

TOLERANCE = 1e-6  # a pinned one-core actor runs XLA on one thread: the last float32 bit may differ
LOOKS = ["teal_orange", "sepia", "vivid_slide"]


def _read_rows(path):
    if str(path).endswith(".parquet"):
        return list(ResultStore(path, "path", score_schema).load().values())
    return [json.loads(line) for line in open(path)]


def _close_scores(a, b):
    assert [r["path"] for r in a] == [r["path"] for r in b]
    for x, y in zip(a, b):
        assert ("error" in x) == ("error" in y)
        if "error" in x:
            assert x["error"] == y["error"]
        else:
            assert abs(x["mean"] - y["mean"]) < TOLERANCE and abs(x["std"] - y["std"]) < TOLERANCE
            np.testing.assert_allclose(x["distribution"], y["distribution"], atol=TOLERANCE)


@pytest.mark.parametrize("ext", [".jsonl", ".parquet"])
def test_score_equals_the_local_path(ray_cluster, params, weights, photos, broken, tmp_path, ext):
    keys = photos + [broken]
    local = [r.to_dict() for r in Scorer(params, batch_size=16).score_files(keys, progress=False)]
    report = run_score([photos[0].parent, broken], tmp_path / f"scores{ext}", address=ray_cluster.address,
                       weights=weights, progress=False)
    assert report.total == len(keys) and report.done == len(photos)
    assert report.failed == [(str(broken), local[-1]["error"])]
    _close_scores(_read_rows(tmp_path / f"scores{ext}"), local)
    assert not (tmp_path / f"scores{ext}.parts").exists()


def test_score_into_a_folder_of_shards_with_uris_and_a_list_file(ray_cluster, params, weights, photos, tmp_path):
    listing = tmp_path / "some.txt"
    listing.write_text("".join(f"{p}\n" for p in photos[:4]))
    uris = [f"file://{p}" for p in photos[4:6]]
    report = run_score([listing, *uris], f"{tmp_path}/shards/", address=ray_cluster.address, weights=weights,
                       rows_per_chunk=2, progress=False)
    assert not report.failed and (tmp_path / "shards" / "_SUCCESS").is_file()
    rows = {json.loads(line)["path"]: json.loads(line) for part in (tmp_path / "shards").glob("part-*.jsonl")
            for line in part.read_text().splitlines()}
    assert sorted(rows) == sorted([str(p) for p in photos[:4]] + uris)
    local = [r.to_dict() for r in Scorer(params, batch_size=16).score_files(photos[:6], progress=False)]
    mine = [rows.get(str(p)) or rows[f"file://{p}"] for p in photos[:6]]
    for row, ref in zip(mine, local):
        row["path"] = ref["path"]
    _close_scores(mine, local)


def test_suggest_gives_the_same_rankings(ray_cluster, params, weights, photos, broken, tmp_path):
    candidates = load_candidates(LOOKS)
    keys = photos[:5] + [broken]
    local = suggest(keys, candidates, (0.5, 1.0), Scorer(params, batch_size=batch_size(len(LOOKS), 2)))
    report = run_suggest(keys, tmp_path / "r.jsonl", address=ray_cluster.address, looks=LOOKS, weights=weights,
                         progress=False)
    rows = _read_rows(tmp_path / "r.jsonl")
    assert len(report.failed) == 1 and len(rows) == len(keys)
    for row, ref in zip(rows, local):
        assert row["photo"] == ref.photo
        if ref.error is not None:
            assert row == {"photo": str(broken), "error": ref.error}
            continue
        assert [(r["look"], r["strength"], r["warnings"]) for r in row["ranking"]] == \
            [(e.look, e.strength, list(e.warnings)) for e in ref.ranking]
        np.testing.assert_allclose([r["gain"] for r in row["ranking"]], [e.gain for e in ref.ranking],
                                   atol=TOLERANCE)
        np.testing.assert_allclose([r["score"] for r in row["ranking"]], [e.score for e in ref.ranking],
                                   atol=TOLERANCE)


def test_apply_is_bit_exact_and_a_rerun_writes_nothing(ray_cluster, photos, tmp_path):
    look = resolve_look("teal_orange")
    pairs = plan_outputs(photos, out_dir=tmp_path / "local")
    apply_batch(pairs, look, strength=0.7)
    out = tmp_path / "cluster"
    report = run_apply([photos[0].parent], "teal_orange", out, ApplyOptions(strength=0.7),
                       address=ray_cluster.address, progress=False)
    assert report.done == len(photos) and not report.failed
    for _, dst in pairs:
        assert (out / dst.name).read_bytes() == dst.read_bytes(), dst.name
    stamps = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir()}
    again = run_apply([photos[0].parent], "teal_orange", out, ApplyOptions(strength=0.7),
                      address="127.0.0.1:1", progress=False)  # nothing to do: no cluster needed
    assert again.before == len(photos) and again.done == 0
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir()} == stamps


def _lutlearn(*args, env=None):
    done = subprocess.run([sys.executable, "-m", "lutlearn.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)
    return done.returncode, done.stdout, done.stderr


def test_cli_reports_a_bad_photo_and_exits_1(ray_cluster, weights, photos, broken, tmp_path):
    env = dict(os.environ, LUTLEARN_CLUSTER=ray_cluster.address)  # the address from the environment
    code, stdout, stderr = _lutlearn("score", photos[0], broken, "-o", tmp_path / "s.jsonl", env=env)
    assert code == 1 and f"error: {broken}" in stderr and "scored 1 of 2 photos; 1 failed" in stderr
    assert stdout.strip() == str(tmp_path / "s.jsonl") and len(_read_rows(tmp_path / "s.jsonl")) == 2
    code, stdout, stderr = _lutlearn("apply", photos[0], broken, "--look", "sepia", "--out-dir", tmp_path / "g",
                                     env=env)
    assert code == 1 and f"error: {broken}" in stderr
    assert stdout.strip() == str(tmp_path / "g" / photos[0].name)
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == [photos[0].name]


def test_cluster_local_starts_and_stops_a_cluster_here(weights, photos, tmp_path):
    code, stdout, stderr = _lutlearn("score", photos[0], "-o", tmp_path / "s.parquet", "--cluster", "local:2")
    assert code == 0, stderr
    assert [r["path"] for r in _read_rows(tmp_path / "s.parquet")] == [str(photos[0])]
