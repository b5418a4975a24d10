"""`lutlearn demo`, the README's headline command, end to end on a small chart."""

import json

from click.testing import CliRunner

from lutlearn.cli import cli
from lutlearn.grades import darkroom
from lutlearn.images import read_image
from lutlearn.learn.metrics import delta_e2000
from lutlearn.learn.modelfile import load_model
from lutlearn.luts import read_lut
from lutlearn.luts.lut import identity_grid

OUTPUTS = ["chart.png", "chart_darkroom.png", "darkroom.cube", "darkroom.npz", "report.png"]


def run(*args):
    return CliRunner().invoke(cli, ["demo", *map(str, args)])


def test_demo_writes_everything_and_learns_the_grade(tmp_path):
    out = tmp_path / "demo"
    result = run("--out-dir", out, "--level", 4, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    assert summary["outputs"] == [str(out / "darkroom.cube"), str(out / "darkroom.npz"), str(out / "report.png")]
    lut, model = read_lut(out / "darkroom.cube"), load_model(out / "darkroom.npz")
    x = identity_grid(9).reshape(-1, 3)
    assert lut.size == 33 and lut.title == "darkroom" and model.metadata["name"] == "darkroom"
    assert delta_e2000(model.apply(x), darkroom(x)).mean() < 4  # 8.7 for no look at all; 2.1 learned
    assert read_image(out / "report.png").rgb.shape[1] > 800


def test_demo_refuses_to_overwrite_without_the_flag(tmp_path):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "report.png").write_bytes(b"mine")
    result = run("--out-dir", out, "--level", 4)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {out / 'report.png'}: exists (pass --overwrite to replace it)"
    assert [p.name for p in out.iterdir()] == ["report.png"] and (out / "report.png").read_bytes() == b"mine"
    result = run("--out-dir", out, "--level", 4, "--overwrite")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
