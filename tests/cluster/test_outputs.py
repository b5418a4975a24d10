"""Output names, what a re-run skips, and the sweep of temporaries left by killed workers."""

import pytest

from lutlearn.cluster.outputs import existing_names, plan_destinations, sweep_temporaries
from lutlearn.errors import LutlearnError
from lutlearn.looks.apply import plan_outputs


def test_names_are_those_of_the_single_machine_apply(photos, tmp_path):
    keys = [str(p) for p in photos]
    assert plan_destinations(keys, tmp_path / "out", suffix="_g") == [
        str(dst) for _, dst in plan_outputs(photos, out_dir=tmp_path / "out", suffix="_g")]


def test_uri_out_dir_and_uri_inputs():
    assert plan_destinations(["s3://b/in/a.jpg", "/data/b.png"], "s3://b/out/") == ["s3://b/out/a.jpg",
                                                                                   "s3://b/out/b.png"]


def test_two_inputs_with_one_name_or_writing_over_an_input_is_refused(photos, tmp_path):
    with pytest.raises(LutlearnError, match="both"):
        plan_destinations(["/x/a.jpg", "s3://b/a.jpg"], tmp_path)
    with pytest.raises(LutlearnError, match="overwrite the input"):
        plan_destinations([str(photos[0])], photos[0].parent)
    with pytest.raises(LutlearnError, match="overwrite the input"):
        plan_destinations([f"file://{photos[0]}"], f"{photos[0].parent}/../{photos[0].parent.name}")


def test_existing_names_hide_temporaries_and_sweep_removes_only_ours(tmp_path):
    for name in ["a.jpg", ".a.jpg.k2j4_x9a.tmp", ".b.png.zz00zz00.tmp", ".other.jpg.abcdefgh.tmp"]:
        (tmp_path / name).write_bytes(b"x")
    assert existing_names(tmp_path) == {"a.jpg"}
    assert existing_names(tmp_path / "missing") == set()
    assert sweep_temporaries(tmp_path, {"a.jpg", "b.png"}) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.jpg.abcdefgh.tmp", "a.jpg"]
