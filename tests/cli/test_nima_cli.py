"""`lutlearn nima train`: bad input is one line, exit 1, nothing written; a tiny run writes weights that `score` and
`suggest` accept, with their provenance."""

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from lutlearn.cli import cli
from tests.shared import WEIGHTS


@pytest.fixture(autouse=True)
def weights_env(monkeypatch):
    monkeypatch.setenv("LUTLEARN_NIMA_WEIGHTS", str(WEIGHTS))
    monkeypatch.setenv("LUTLEARN_NIMA_URL", "http://127.0.0.1:9/never-downloaded.hdf5")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _one_line_error(result, needle):
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], result.stderr


def _photos(folder: Path, n: int) -> list[Path]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        tint = np.array([40, 0, -40]) if i % 2 else np.array([-40, 0, 40])
        px = np.clip(rng.integers(60, 200, (6, 6, 1)) + tint, 0, 255).astype(np.uint8)
        path = folder / f"p{i}.png"
        Image.fromarray(px).resize((300, 200), Image.BICUBIC).save(path)
        out.append(path)
    return out


def _nothing_written(folder: Path):
    assert not list(folder.glob("*.npz")) and not list(folder.glob(".*.tmp")), list(folder.iterdir())


@pytest.mark.parametrize("body,needle", [
    ("path,mean\np0.png,5\nnot_there.png,5\n", "names 1 missing image(s): "),
    ("path,mean\n", "no ratings (an empty CSV)"),
    ("path,mean\np0.png,12\n", "r.csv line 2: a mean rating must be in 1..10, got 12.0"),
    ("path,stars\np0.png,0\n", "r.csv line 2: a star rating must be 1..5, got 0"),
    ("path,1,2,3,4,5,6,7,8,9,10\np0.png,0,0,0,0,0,0,0,0,0,0\n", "r.csv line 2: expected 10 non-negative vote counts"),
])
def test_bad_ratings(tmp_path, body, needle):
    _photos(tmp_path, 1)
    (tmp_path / "r.csv").write_text(body)
    _one_line_error(run("nima", "train", tmp_path / "r.csv", "-o", tmp_path / "out.npz"), needle)
    _nothing_written(tmp_path)


def test_no_rated_photo_in_a_folder(tmp_path):
    _photos(tmp_path, 2)  # images without any rating
    result = run("nima", "train", tmp_path, "-o", tmp_path / "out.npz")
    _one_line_error(result, "no rated image to train on (2 unrated)")
    _nothing_written(tmp_path)


def test_existing_output_refused_before_any_work(tmp_path):
    (tmp_path / "out.npz").write_bytes(b"keep me")
    (tmp_path / "r.csv").write_text("path,mean\nnot_there.png,5\n")
    _one_line_error(run("nima", "train", tmp_path / "r.csv", "-o", tmp_path / "out.npz"), "--overwrite")
    assert (tmp_path / "out.npz").read_bytes() == b"keep me"
    _one_line_error(run("nima", "train", tmp_path / "r.csv", "-o", tmp_path / "out.pth"), "must end in .npz")


@pytest.mark.needs(WEIGHTS)
def test_weights_of_another_architecture_or_a_look_model(tmp_path):
    from tests.nima.test_weightsfile import _other_architecture
    from tests.shared import ROOT

    _photos(tmp_path, 2)
    (tmp_path / "r.csv").write_text("path,mean\np0.png,5\np1.png,6\n")
    for weights, needle in [(_other_architecture(tmp_path), "weights for another architecture"),
                            (ROOT / "looks" / "sepia.npz", "(it is a lutlearn look model)")]:
        _one_line_error(run("nima", "train", tmp_path / "r.csv", "--weights", weights, "-o", tmp_path / "o.npz"),
                        needle)
    assert not (tmp_path / "o.npz").exists()


@pytest.mark.slow
@pytest.mark.needs(WEIGHTS)
def test_train_writes_weights_that_score_and_suggest_accept(tmp_path):
    photos = _photos(tmp_path, 8)
    rows = "".join(f"{p.name},{7.5 if i % 2 else 3.0},{p.stem}\n" for i, p in enumerate(photos))
    (tmp_path / "r.csv").write_text("path,mean,group\n" + rows)
    out = tmp_path / "mine.npz"
    result = run("nima", "train", tmp_path / "r.csv", "-o", out, "--epochs-head", 1, "--epochs-all", 0,
                 "--batch-size", 4, "--val-fraction", 0.25, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report["before"]) == {"srcc", "lcc", "accuracy", "emd", "n"} and report["images"] == 8
    assert report["validation_images"] == 2 and "head epoch  1" in result.stderr
    from lutlearn.nima.weightsfile import load_weights

    _, meta = load_weights(out)
    provenance = meta["provenance"]
    assert provenance["ratings"]["count"] == 8 and provenance["config"]["seed"] == 0
    assert provenance["base_weights"]["sha256"].startswith("e563ad91") and provenance["report"]["after"]
    scored = run("score", "--weights", out, photos[0])
    assert scored.exit_code == 0 and scored.stdout.startswith(str(photos[0]))
    ranked = run("suggest", "--weights", out, "--looks", "sepia", "--json", photos[0])
    assert ranked.exit_code == 0, ranked.output
    assert {e["look"] for e in json.loads(ranked.stdout)["ranking"]} == {"none", "sepia"}
    text = run("nima", "train", tmp_path / "r.csv", "-o", out, "--epochs-head", 1, "--epochs-all", 0,
               "--batch-size", 4, "--val-fraction", 0.25, "--overwrite")
    assert text.exit_code == 0 and "untrained" in text.stdout and "trained" in text.stdout
