"""The stage layering (pyproject's import-linter contracts) holds, and would catch an upward import or Ray
imported outside lutlearn.cluster."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shared import ROOT

LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache", "--config", str(root / "pyproject.toml")], cwd=root,
                          capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(root), "PATH": ""})


def _lint_broken_copy(tmp_path, module: str, addition: str):
    """import-linter on a copy of the package where ``addition`` is appended to ``module`` (under lutlearn/)."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(ROOT / "lutlearn", tmp_path / "lutlearn", ignore=shutil.ignore_patterns("__pycache__"))
    path = tmp_path / "lutlearn" / module
    path.write_text(path.read_text() + addition)
    return _lint(tmp_path)


def test_stages_depend_only_downward():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """A copy of the package where a LUT module imports the looks stage (a cycle through the stages)."""
    done = _lint_broken_copy(tmp_path, "luts/chart.py", "\nfrom lutlearn.looks.resolve import resolve_look  # noqa\n")
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and "lutlearn.luts.chart -> lutlearn.looks.resolve" in done.stdout


def test_ray_contract_covers_every_module_but_the_cluster_stage():
    """A new top-level module or stage must be added to the forbidden contract's sources (or it escapes it)."""
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (ray,) = [c for c in contracts if c["type"] == "forbidden"]
    here = {p.stem for p in (ROOT / "lutlearn").iterdir()
            if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    assert ray["forbidden_modules"] == ["ray"]
    assert sorted(ray["source_modules"]) == sorted(f"lutlearn.{name}" for name in here - {"cluster"})


def test_ray_imported_outside_the_cluster_stage_breaks_the_contract(tmp_path):
    done = _lint_broken_copy(tmp_path, "nima/score.py", "\n\ndef _remote():\n    import ray  # noqa\n")
    assert done.returncode != 0
    assert "lutlearn.nima is not allowed to import ray" in done.stdout and "lutlearn.nima.score -> ray" in done.stdout
