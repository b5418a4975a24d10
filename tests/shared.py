"""Where the tests find ../shared (beside the checkout, in CI too), and how they treat missing oracles.

A test that needs something outside the repository (the shared photos, LUTs or
NIMA weights; ffmpeg; OpenColorIO) calls :func:`require`. On a developer's
machine a missing oracle skips the test; in CI (``CI=true``) it fails, so a
broken CI machine cannot pass by skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PHOTOS = SHARED / "data" / "photos"
LUTS = SHARED / "data" / "luts"
NIMA = SHARED / "nima"
WEIGHTS = NIMA / "weights_mobilenet_aesthetic_0.07.hdf5"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require(ok: bool, what: str) -> None:
    """Skip the calling test when ``ok`` is false; fail it instead in CI."""
    if not ok and in_ci():
        pytest.fail(f"{what} is missing (CI=true: every oracle must be present)")
    if not ok:
        pytest.skip(f"{what} is missing")


def require_path(path: Path) -> Path:
    """``path`` if it exists, else :func:`require` fails or skips."""
    require(Path(path).exists(), str(path))
    return Path(path)
