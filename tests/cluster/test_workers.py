"""The worker-side code without a cluster: the same results as the single-machine functions, both layouts."""

import json

import numpy as np
import pytest

from lutlearn.cluster.workers import (
    DistributionWorker,
    RankWorker,
    ScoreWorker,
    SuggestWorker,
    apply_chunk,
    decode_chunk,
    prepare_chunk,
)
from lutlearn.looks.apply import apply_batch, plan_outputs
from lutlearn.looks.resolve import resolve_look
from lutlearn.nima.score import Scorer
from lutlearn.rank.candidates import batch_size, load_candidates
from lutlearn.rank.suggest import suggest


def _batch(keys, **extra):
    return {"i": np.arange(len(keys)), "key": np.array([str(k) for k in keys], dtype=object), **extra}


def _rows(out):
    return [json.loads(text) for text in out["json"]]


@pytest.mark.slow  # three compilations of the network: about 10 s
def test_score_fused_and_split_equal_score_files(params, photos, broken):
    keys = photos[:5] + [broken]
    local = [r.to_dict() for r in Scorer(params, batch_size=16).score_files(keys, progress=False)]
    fused = _rows(ScoreWorker(params, batch_size=16, pin=False)(_batch(keys)))
    split = _rows(DistributionWorker(params, batch_size=16)(decode_chunk(_batch(keys))))
    assert fused == local and split == local
    assert "error" in local[-1] and str(broken) in local[-1]["error"]


@pytest.mark.slow
@pytest.mark.parametrize("guards", [True, False])
def test_suggest_fused_and_split_equal_suggest(params, photos, broken, guards):
    candidates = load_candidates(["teal_orange", "sepia"])
    keys = photos[:3] + [broken]
    scorer = Scorer(params, batch_size=batch_size(2, 2))
    local = [r.to_dict() for r in suggest(keys, candidates, (0.5, 1.0), scorer, guards=guards)]
    fused = _rows(SuggestWorker(params, candidates, (0.5, 1.0), guards=guards, pin=False)(_batch(keys)))
    prepared = prepare_chunk(_batch(keys), candidates=candidates, strengths=(0.5, 1.0))
    split = _rows(RankWorker(params, ["teal_orange", "sepia"], (0.5, 1.0), guards=guards)(prepared))
    assert fused == local and split == local
    assert "error" in local[-1] and any(e["look"] == "none" for e in local[0]["ranking"])


def test_apply_chunk_is_bit_exact_and_skips_finished_outputs(photos, tmp_path):
    look = resolve_look("teal_orange")
    pairs = plan_outputs(photos, out_dir=tmp_path / "local")
    apply_batch(pairs, look, jobs=1)
    dsts = [str(tmp_path / "cluster" / p.name) for p in photos]
    (tmp_path / "cluster").mkdir()
    rows = _rows(apply_chunk(_batch(photos, dst=np.array(dsts, dtype=object)), look=look, options={}))
    assert [r["status"] for r in rows] == ["written"] * len(photos)
    for (_, dst), mine in zip(pairs, dsts):
        assert open(mine, "rb").read() == dst.read_bytes()
    again = _rows(apply_chunk(_batch(photos, dst=np.array(dsts, dtype=object)), look=look, options={}))
    assert {r["status"] for r in again} == {"skipped"}


def test_apply_chunk_turns_a_bad_photo_into_its_row(photos, broken, tmp_path):
    look = resolve_look("sepia")
    keys = [photos[0], broken]
    dsts = np.array([str(tmp_path / p.name) for p in keys], dtype=object)
    rows = _rows(apply_chunk(_batch(keys, dst=dsts), look=look, options={}))
    assert [r["status"] for r in rows] == ["written", "failed"]
    assert rows[1]["error"].startswith(str(broken)) and "\n" not in rows[1]["error"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [photos[0].name]  # nothing partial
