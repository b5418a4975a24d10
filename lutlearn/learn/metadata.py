"""The metadata a learned model carries: one schema for ``fit`` and for the bundled looks."""

from __future__ import annotations

import platform
import time

import numpy as np

from lutlearn._version import __version__
from lutlearn.learn.train.config import FitConfig, FitResult

__all__ = ["model_metadata"]


def model_metadata(result: FitResult, config: FitConfig, delta_e: dict, *, name: str = "",
                   reproducible: bool = False, **fields) -> dict:
    """The metadata of a model trained by ``result``.

    Args:
        result: the fit.
        config: its settings.
        delta_e: ΔE2000 on held-out samples, {"mean", "p95", "max"}.
        name: the look's name or title.
        reproducible: leave out what changes from run to run (timings, the
            creation date), so that the same seed gives byte-identical files.
        **fields: more top-level entries (inputs, samples, description...), in order.

    Returns:
        A JSON-able dict: name, the fields, metrics, training, versions[, created].
    """
    import jax

    training = {**config._asdict()}
    if not reproducible:
        training.update(seconds=round(result.seconds, 3), interrupted=result.interrupted)
    training["notes"] = list(result.notes)
    meta = {
        "name": name, **fields,
        "metrics": {"delta_e2000_heldout": delta_e, "val_mse": min(result.val_loss, default=None),
                    "epochs": len(result.train_loss), "best_epoch": result.best_epoch},
        "training": training,
        "versions": {"lutlearn": __version__, "jax": jax.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
    }
    if not reproducible:
        meta["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return meta
