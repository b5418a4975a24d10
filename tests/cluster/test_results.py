"""The resumable results file: parts while running, one JSON Lines or Parquet file at the end."""

import json

import pytest

from lutlearn.cluster.results import ResultStore, score_schema, suggest_schema
from lutlearn.errors import LutlearnError

ROWS = [{"path": "a.jpg", "mean": 5.5, "std": 1.25, "distribution": [0.1] * 10},
        {"path": "b.jpg", "error": "b.jpg: cannot decode image (broken data stream)"},
        {"path": "c.jpg", "mean": 4.0, "std": 1.0, "distribution": [0.0] * 9 + [1.0]}]


@pytest.mark.parametrize("ext", [".jsonl", ".parquet"])
def test_parts_then_one_file_in_input_order(tmp_path, ext):
    store = ResultStore(tmp_path / f"scores{ext}", "path", score_schema)
    store.add(ROWS[2:])
    store.add(ROWS[:2])
    assert store.parts.is_dir() and not store.path.exists()
    with pytest.raises(LutlearnError, match="1 photos have no result"):
        store.finish(["a.jpg", "b.jpg", "c.jpg", "d.jpg"])
    store.finish(["a.jpg", "b.jpg", "c.jpg"])
    assert not store.parts.exists()
    again = ResultStore(store.path, "path", score_schema).load()
    assert list(again.values()) == ROWS
    if ext == ".jsonl":
        assert [json.loads(line) for line in store.path.read_text().splitlines()] == ROWS


def test_later_rows_win_and_the_final_file_counts(tmp_path):
    store = ResultStore(tmp_path / "s.jsonl", "path", score_schema)
    store.add(ROWS)
    store.finish(["a.jpg", "b.jpg", "c.jpg"])
    fixed = {"path": "b.jpg", "mean": 6.0, "std": 1.0, "distribution": [0.1] * 10}
    store.add([fixed])
    assert store.load()["b.jpg"] == fixed and store.load()["a.jpg"] == ROWS[0]


def test_real_rows_round_trip_through_parquet(tmp_path):
    """The rows the commands make (to_dict of their own results), so a field added there without the schema
    fails here instead of vanishing from Parquet files."""
    from lutlearn.nima.score import NimaScore
    from lutlearn.rank.suggest import Entry, PhotoRanking

    ranked = PhotoRanking("a.jpg", (5.0, 1.5), [Entry("sepia", 1.0, 5.2, 1.4, 0.2, -0.3, ("clips 12% to white",)),
                                                 Entry("none", 0.0, 5.0, 1.5, 0.0, 0.0)]).to_dict()
    bad = PhotoRanking("b.jpg", error="b.jpg: no such file").to_dict()
    store = ResultStore(tmp_path / "r.parquet", "photo", suggest_schema)
    store.add([ranked, bad])
    store.finish(["a.jpg", "b.jpg"])
    assert list(ResultStore(store.path, "photo", suggest_schema).load().values()) == [ranked, bad]
    scored = NimaScore("c.jpg", 5.5, 1.25, tuple([0.1] * 10)).to_dict()
    store = ResultStore(tmp_path / "s.parquet", "path", score_schema)
    store.add([scored])
    store.finish(["c.jpg"])
    assert list(ResultStore(store.path, "path", score_schema).load().values()) == [scored]


@pytest.mark.parametrize("name, expected", [("scores.json", "not '.json'"), ("nodir/scores.jsonl", "does not exist")])
def test_bad_results_paths(tmp_path, name, expected):
    with pytest.raises(LutlearnError, match=expected):
        ResultStore(tmp_path / name, "path", score_schema)


def test_a_folder_of_shards_keeps_no_rows_in_memory_and_drops_replaced_rows(tmp_path):
    store = ResultStore(f"{tmp_path}/scores/", "path", score_schema)
    assert store.sharded
    store.add(ROWS)
    store.finish(["a.jpg", "b.jpg", "c.jpg"])
    assert (tmp_path / "scores" / "_SUCCESS").is_file()
    again = ResultStore(tmp_path / "scores", "path", score_schema)  # an existing folder: shards too
    good, errors = again.scan()
    assert good == {"a.jpg", "c.jpg"} and list(errors) == ["b.jpg"]
    fixed = {"path": "b.jpg", "mean": 6.0, "std": 1.0, "distribution": [0.1] * 10}
    again.add([fixed])
    again.finish(["a.jpg", "b.jpg", "c.jpg"], redone={"b.jpg"})
    rows = [json.loads(line) for part in sorted((tmp_path / "scores").glob("part-*.jsonl"))
            for line in part.read_text().splitlines()]
    assert sorted(r["path"] for r in rows) == ["a.jpg", "b.jpg", "c.jpg"] and fixed in rows
