"""``--cluster`` on the CLI without a running cluster: bad input is one line, exit 1, nothing written; and the
single-machine commands never import Ray."""

import subprocess
import sys

import pytest

from lutlearn.cli import cli

UNREACHABLE = "127.0.0.1:1"  # refused at once: nothing listens on port 1


def _run(*args, env=None):
    """``lutlearn ARGS`` in a process of its own, as a user runs it: (exit status, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "lutlearn.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=120)
    return done.returncode, done.stdout, done.stderr


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def test_unreachable_cluster_is_one_line_and_writes_nothing(photos, weights, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    code, stdout, stderr = _run("apply", photos[0], "--look", "sepia", "--out-dir", out / "graded",
                                "--cluster", UNREACHABLE)
    assert code == 1 and f"cannot reach a Ray cluster at {UNREACHABLE}" in _one_error_line(stderr)
    code, stdout, stderr = _run("score", photos[0], "-o", out / "s.jsonl", "--cluster", UNREACHABLE)
    assert code == 1 and "cannot reach a Ray cluster" in _one_error_line(stderr)
    code, stdout, stderr = _run("suggest", photos[0], "-o", out / "r.parquet", "--looks", "sepia",
                                env={**__import__("os").environ, "LUTLEARN_CLUSTER": UNREACHABLE})
    assert code == 1 and "cannot reach a Ray cluster" in _one_error_line(stderr)
    assert list(out.iterdir()) == [] and stdout == ""


@pytest.mark.parametrize("case", ["uri", "missing-uri", "list"])
def test_unreadable_uri_and_list_naming_missing_photos(photos, weights, tmp_path, case):
    """Inputs are checked before anything connects or is written (the address need not even answer)."""
    out = tmp_path / "out"
    out.mkdir()
    if case == "uri":
        args, expected = ["score", "nosuchproto://bucket/a.jpg", "-o", out / "s.jsonl"], \
            "nosuchproto://bucket/a.jpg: cannot open"
    elif case == "missing-uri":
        args, expected = ["score", f"file://{tmp_path}/gone.jpg", "-o", out / "s.jsonl"], "gone.jpg: no such file"
    else:
        listing = tmp_path / "list.txt"
        listing.write_text(f"{photos[0]}\n{tmp_path}/missing.jpg\n")
        args, expected = (["apply", listing, "--look", "sepia", "--out-dir", out / "graded"],
                          f"{listing}: 1 listed photo not found (line 2: {tmp_path}/missing.jpg)")
    code, stdout, stderr = _run(*args, "--cluster", UNREACHABLE)
    assert code == 1 and expected in _one_error_line(stderr)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("args, expected", [
    (["score", "a.jpg", "--cluster", "local"], "--cluster needs -o/--output"),
    (["score", "a.jpg", "-o", "s.jsonl"], "-o/--output needs --cluster"),
    (["score", "a.jpg", "-o", "s.jsonl", "--cluster", "local", "--json"], "--json does not go with --cluster"),
    (["suggest", "a.jpg", "--cluster", "local"], "--cluster needs -o/--output"),
    (["suggest", "a.jpg", "-o", "r.jsonl", "--cluster", "local", "--sheet", "s.jpg"], "--sheet does not go"),
    (["apply", "a.jpg", "--look", "sepia", "--cluster", "local"], "--cluster needs --out-dir"),
    (["apply", "a.jpg", "--look", "sepia", "-o", "b.jpg", "--cluster", "local"], "does not go with --cluster"),
])
def test_cluster_options_that_do_not_fit_are_usage_errors(args, expected, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(args=args, prog_name="lutlearn")
    assert e.value.code == 2 and expected in capsys.readouterr().err


def test_score_without_cluster_still_refuses_a_folder(photos, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(args=["score", str(photos[0].parent)], prog_name="lutlearn")
    assert e.value.code == 2 and "is a directory" in capsys.readouterr().err


def test_single_machine_path_never_imports_ray(photos, tmp_path):
    photo = next(p for p in photos if p.suffix == ".jpg")
    code = ("import sys; from lutlearn.cli import cli;"
            f"cli.main(args=['apply', {str(photo)!r}, '--look', 'sepia', '-o', {str(tmp_path / 'x.jpg')!r}],"
            " standalone_mode=False);"
            "assert 'ray' not in sys.modules, 'ray imported';"
            "assert 'lutlearn.cluster' not in sys.modules, 'lutlearn.cluster imported';"
            "import lutlearn.cluster, lutlearn.cluster.workers, lutlearn.cluster.plans, lutlearn.cluster.engine;"
            "assert 'ray' not in sys.modules, 'ray imported by importing lutlearn.cluster'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "x.jpg").is_file()


def test_cluster_without_ray_installed_is_one_line(photos, weights, tmp_path):
    """``import ray`` fails as it does where the extra is not installed."""
    code = "import sys; sys.modules['ray'] = None; from lutlearn.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code, "score", str(photos[0]), "-o", str(tmp_path / "s.jsonl"),
                           "--cluster", "local"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "--cluster needs Ray" in _one_error_line(done.stderr) and "lutlearn[cluster]" in done.stderr
    assert list(tmp_path.iterdir()) == []
