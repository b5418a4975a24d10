"""Building the bundled looks reproducibly, and finding them in a regular (non-editable) install."""

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from lutlearn.learn.model import LearnedModel, MLPSpec
from lutlearn.learn.modelfile import load_model, save_model
from tests.shared import ROOT, require


def test_model_files_are_byte_reproducible(tmp_path, monkeypatch):
    """Saving one model at two different clock times gives identical bytes (np.savez dates every entry 1980-01-01)."""
    rng = np.random.default_rng(0)
    params = {"w": [rng.normal(size=(3, 32)).astype(np.float32), rng.normal(size=(32, 3)).astype(np.float32)],
              "b": [np.zeros(32, np.float32), np.full(3, 0.5, np.float32)]}
    model = LearnedModel(MLPSpec(), params, {"name": "x"})
    save_model(model, tmp_path / "a.npz")
    monkeypatch.setattr(time, "time", lambda: 1.5e9)  # 2017: zip entries would carry this date
    save_model(model, tmp_path / "b.npz")
    monkeypatch.undo()
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    with np.load(tmp_path / "a.npz") as z:  # still an ordinary .npz
        assert set(z.files) == {"format", "spec", "metadata", "w0", "b0", "w1", "b1"}
    loaded = load_model(tmp_path / "a.npz")
    assert loaded.metadata == {"name": "x"}
    np.testing.assert_array_equal(loaded.params["w"][1], params["w"][1])


@pytest.mark.slow
def test_build_looks_same_seed_same_files(tmp_path):
    """scripts/build_looks.py run twice (separate processes) writes byte-identical files; a small, quick build."""
    outs = []
    for run in ("a", "b"):
        out = tmp_path / run
        cmd = [sys.executable, str(ROOT / "scripts" / "build_looks.py"), "--only", "sepia", "--out-dir", str(out),
               "--level", "4", "--epochs", "3"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == ["README.md", "sepia.json", "sepia.npz"]
    for name in names:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    assert "`sepia`" in (outs[0] / "README.md").read_text()


def _setuptools_ok() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 77  # pyproject's `license = "MIT"` needs PEP 639


@pytest.mark.slow
def test_bundled_looks_in_regular_install(tmp_path):
    """`pip install . --target DIR` (offline, not editable) ships the looks as lutlearn._looks."""
    require(_setuptools_ok(), "setuptools>=77 (an offline build needs it: pip install 'setuptools>=77')")
    src = tmp_path / "src"  # a copy, so that the build leaves nothing in the checkout
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "lutlearn", src / "lutlearn", ignore=ignore)
    shutil.copytree(ROOT / "looks", src / "looks", ignore=ignore)
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", str(src), "--no-deps", "--no-build-isolation", "--no-index",
           "--target", str(target), "--quiet"]
    done = subprocess.run(pip, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    probe = ("import json, lutlearn, lutlearn.looks as L; infos = L.list_looks(); "
             "L.load_look('sepia').apply([[0.5, 0.4, 0.3]]); "
             "print(json.dumps([lutlearn.__file__, [[i.name, i.origin, str(i.entry)] for i in infos]]))")
    env = dict(os.environ, PYTHONPATH=str(target), LUTLEARN_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    module, infos = json.loads(done.stdout)
    assert module.startswith(str(target))
    bundled = [(name, entry) for name, origin, entry in infos if origin == "bundled"]
    assert len(bundled) >= 12
    assert all(entry.startswith(str(target / "lutlearn" / "_looks")) for _, entry in bundled)


def test_pyproject_lists_every_package():
    """pyproject.toml lists the packages explicitly (for the looks mapping): none may be missing."""
    import tomllib

    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {".".join(p.relative_to(ROOT).parts) for p in (ROOT / "lutlearn").rglob("*")
             if p.is_dir() and p.name != "__pycache__" and any(p.glob("*.py"))}
    assert found | {"lutlearn", "lutlearn._looks"} == set(setup["packages"])
    assert setup["package-dir"]["lutlearn._looks"] == "looks"
