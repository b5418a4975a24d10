"""The stage layering (pyproject's import-linter contract) holds, and would catch an upward import."""

import shutil
import subprocess
import sys
from pathlib import Path

from tests.shared import ROOT

LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache", "--config", str(root / "pyproject.toml")], cwd=root,
                          capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(root), "PATH": ""})


def test_stages_depend_only_downward():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """A copy of the package where a LUT module imports the looks stage (a cycle through the stages)."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(ROOT / "lutlearn", tmp_path / "lutlearn", ignore=shutil.ignore_patterns("__pycache__"))
    chart = tmp_path / "lutlearn" / "luts" / "chart.py"
    chart.write_text(chart.read_text() + "\nfrom lutlearn.looks.resolve import resolve_look  # noqa\n")
    done = _lint(tmp_path)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and "lutlearn.luts.chart -> lutlearn.looks.resolve" in done.stdout
