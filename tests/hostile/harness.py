"""The hostile corpus's workspace (one folder per case), tmpfs mounts and parameter helpers.

Every case runs the CLI in a fresh folder ``ws`` holding ``in/`` (inputs),
``out/`` (outputs) and ``data/`` (``LUTLEARN_DATA_DIR``), with ``HOME`` pointed
inside it, a session-wide cache (compiled NIMA code is reused), downloads
disabled and JAX on the CPU. Full disks and read-only folders are small tmpfs
mounts, which need root and ``mount``; without them those cases skip.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest

from tests.hostile import corpus, runner
from tests.hostile.checks import snapshot
from tests.shared import WEIGHTS as SHARED_WEIGHTS

__all__ = ["Workspace", "matrix", "needs_weights", "WEIGHTS", "CAN_MOUNT", "tmpfs", "fill", "readonly_dir"]

WEIGHTS = os.environ.get("LUTLEARN_NIMA_WEIGHTS") or str(SHARED_WEIGHTS)
# Cases that score with NIMA need the weights: they skip without them (fail in CI, see tests/shared.py).
needs_weights = pytest.mark.needs(WEIGHTS)


def matrix(kinds, fast=None):
    """Parameters for ``kinds``; those not in ``fast`` are marked slow (the cross product beyond the
    representative cases: the default run stays short, ``pytest --slow`` runs them all)."""
    fast = set(kinds if fast is None else fast)
    assert fast <= set(kinds), fast - set(kinds)
    return [pytest.param(k, id=str(k), marks=() if k in fast else (pytest.mark.slow,)) for k in kinds]


class Workspace:
    """One case's folder: ``in/``, ``out/``, ``data/`` and the environment the CLI runs in."""

    def __init__(self, root: Path, cache: Path):
        self.root = root
        self.inp, self.out, self.data = root / "in", root / "out", root / "data"
        for d in (self.inp, self.out):
            d.mkdir(parents=True)
        (root / "home").mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LUTLEARN_", "XDG_"))}
        env.update(HOME=str(root / "home"), LUTLEARN_DATA_DIR=str(self.data), LUTLEARN_CACHE_DIR=str(cache),
                   LUTLEARN_NIMA_URL="http://127.0.0.1:9/no-download", JAX_PLATFORMS="cpu", PYTHONUNBUFFERED="1",
                   TF_CPP_MIN_LOG_LEVEL="3", **runner.command_env(env))
        if Path(WEIGHTS).is_file():
            env["LUTLEARN_NIMA_WEIGHTS"] = WEIGHTS
        self.env = env
        self.runs: list[runner.Run] = []
        self.extra_roots: list[Path] = []

    def put(self, name: str, data: bytes | str) -> str:
        """Write an input file; returns its path relative to the workspace (how messages will name it)."""
        path = self.inp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return str(path.relative_to(self.root))

    def photo(self, name: str = "photo.png", seed: int = 0, size=(96, 64)) -> str:
        return self.put(name, corpus.small_png(*size, seed=seed))

    def look(self, name: str = "look.cube") -> str:
        """A valid 2³ .cube look that swaps red and blue."""
        rows = [f"{b} {g} {r}" for b in (0, 1) for g in (0, 1) for r in (0, 1)]
        return self.put(name, corpus.cube_text(2, rows))

    def model(self, name: str = "model.npz") -> str:
        return self.put(name, corpus.npz_of(corpus.model_arrays()))

    def run(self, *args, **kwargs) -> runner.Run:
        kwargs.setdefault("env", self.env)
        result = runner.run(list(args), cwd=self.root, **kwargs)
        self.runs.append(result)
        return result

    def snap(self) -> dict:
        return snapshot(self.inp, self.out, self.data, *self.extra_roots)


# --------------------------------------------------------------------------- tmpfs: full disks, read-only folders

def _can_mount() -> bool:
    if os.geteuid() != 0:
        return False
    probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"hostile-mount-probe-{os.getpid()}"
    probe.mkdir(exist_ok=True)
    try:
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                            capture_output=True).returncode == 0
        if ok:
            subprocess.run(["umount", str(probe)], capture_output=True)
        return ok
    except OSError:  # no mount command
        return False
    finally:
        with contextlib.suppress(OSError):
            probe.rmdir()


CAN_MOUNT = _can_mount()


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "64k", populate=None, readonly: bool = False):
    """A tmpfs of ``size`` at ``path``; ``populate(path)`` runs before an optional remount read-only."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(path)], check=True)
    try:
        if populate:
            populate(path)
        if readonly:
            subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(path: Path, leave: int = 0) -> None:
    """Fill the filesystem at ``path`` with ``path/filler.bin`` until at most ``leave`` bytes are free."""
    with open(path / "filler.bin", "wb") as f:
        block = bytes(4096)
        try:
            while os.statvfs(path).f_bavail * os.statvfs(path).f_frsize > leave:
                f.write(block)
                f.flush()
        except OSError:
            pass


@contextlib.contextmanager
def readonly_dir(path: Path, populate=None):
    """A folder nobody may write to: a read-only tmpfs as root, else chmod 555 (skipped if still writable)."""
    if CAN_MOUNT:
        with tmpfs(path, "4m", populate=populate, readonly=True):
            yield path
        return
    path.mkdir(parents=True, exist_ok=True)
    if populate:
        populate(path)
    path.chmod(0o555)
    try:
        if os.access(path, os.W_OK):
            pytest.skip("cannot make a read-only folder here")
        yield path
    finally:
        path.chmod(0o755)
