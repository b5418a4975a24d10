"""Training: one ``fit`` entry point, one module per backend.

Both backends take the same :class:`~lutlearn.learn.pairs.Samples` and return
the same :class:`~lutlearn.learn.train.config.FitResult`, whose ``model`` is a
:class:`~lutlearn.learn.model.LearnedModel`:

- :mod:`~lutlearn.learn.train.jax_fit`: optax Adam, jit-compiled epochs (default);
- :mod:`~lutlearn.learn.train.sklearn_fit`: the classic ``MLPRegressor`` recipe.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable

import numpy as np

from lutlearn.errors import LutlearnError
from lutlearn.learn.lattice import fit_residual_lattice
from lutlearn.learn.model import MLPSpec
from lutlearn.learn.pairs import Samples
from lutlearn.learn.train.config import BACKENDS, FitConfig, FitResult, split_samples

__all__ = ["FitConfig", "FitResult", "fit", "split_samples"]

def fit(samples: Samples, spec: MLPSpec = MLPSpec(), config: FitConfig = FitConfig(),
        progress: Callable | None = None, init_params: dict | None = None) -> FitResult:
    """Train a colour model on ``samples``.

    Args:
        samples: collapsed before/after samples.
        spec: architecture (default 3-32-3, sigmoid hidden, ReLU output).
        config: training settings; ``config.backend`` picks the trainer.
        progress: called after each epoch as ``progress(epoch, max_epochs, train_loss, val_loss)``.
        init_params: start from these parameters instead of a random init (jax only).

    Returns:
        A :class:`FitResult`.

    Raises:
        LutlearnError: bad settings, or training produced non-finite weights.
    """
    _validate(samples, spec, config)
    if config.backend == "jax":
        from lutlearn.learn.train.jax_fit import fit_jax as trainer
    else:
        from lutlearn.learn.train.sklearn_fit import fit_sklearn as trainer
        if init_params is not None:
            raise LutlearnError("init_params is only supported by the jax backend")
    result = trainer(samples, spec._replace(lattice=0), config, progress=progress, init_params=init_params)
    if spec.lattice:
        result = _add_lattice(result, samples, spec, config)
    leaves = result.model.params["w"] + result.model.params["b"]
    if not all(np.isfinite(np.asarray(v)).all() for v in leaves):
        raise LutlearnError("training produced non-finite weights; check the inputs for extreme values")
    return result


_LATTICE_MAX_SAMPLES = 4_000_000


def _add_lattice(result: FitResult, samples: Samples, spec: MLPSpec, config: FitConfig) -> FitResult:
    """Fit the residual lattice to the trained MLP by least squares (see :mod:`lutlearn.learn.lattice`)."""
    t0 = time.perf_counter()
    train = np.setdiff1d(np.arange(len(samples)), result.val_idx, assume_unique=True)
    if len(train) > _LATTICE_MAX_SAMPLES:
        train = np.random.default_rng(config.seed).choice(train, _LATTICE_MAX_SAMPLES, replace=False)
    mlp = result.model
    residual = samples.y[train] - mlp.predict(samples.x[train])
    table = fit_residual_lattice(samples.x[train], residual, samples.w[train], spec.lattice)
    model = dataclasses.replace(mlp, spec=spec, params={**mlp.params, "lattice": table})
    before, after = (_mse(m, samples, result.val_idx) for m in (mlp, model))
    note = f"{spec.lattice}^3 residual lattice fitted in {time.perf_counter() - t0:.1f}s: validation MSE {before:.3e} -> {after:.3e}"
    return result._replace(model=model, seconds=result.seconds + time.perf_counter() - t0, notes=result.notes + (note,))


def _mse(model, samples: Samples, idx: np.ndarray) -> float:
    err = model.predict(samples.x[idx]) - samples.y[idx]
    return float(np.average((err * err).mean(axis=1), weights=samples.w[idx]))


def _validate(samples, spec: MLPSpec, config: FitConfig) -> None:
    spec.validate()
    if config.schedule not in ("cosine", "plateau"):
        raise LutlearnError(f"schedule must be 'cosine' or 'plateau'; got {config.schedule!r}")
    if config.backend not in BACKENDS:
        raise LutlearnError(f"backend must be one of {', '.join(BACKENDS)}; got {config.backend!r}")
    checks = [
        ("max_epochs", config.max_epochs >= 1), ("epoch_samples", config.epoch_samples >= 1),
        ("batch_size", config.batch_size >= 1), ("learning_rate", config.learning_rate > 0),
        ("patience", config.patience >= 1), ("val_fraction", 0 <= config.val_fraction < 0.5),
    ]
    for name, ok in checks:
        if not ok:
            raise LutlearnError(f"the {name!r} setting is out of range: got {getattr(config, name)!r}")
    if spec.lattice and getattr(samples, "kind", "pixel") != "pixel":
        raise LutlearnError("--lattice needs pixel samples: use a PNG/TIFF or 4:4:4 JPEG after image, or --no-jpeg-chroma")
    if config.backend == "sklearn" and getattr(samples, "kind", "pixel") != "pixel":
        raise LutlearnError("the sklearn backend fits pixel samples only (load pairs with jpeg_chroma=False)")
    if config.backend == "sklearn" and (spec.lattice or spec.hidden_activation != "sigmoid"):
        raise LutlearnError("the sklearn backend trains the classic recipe only: sigmoid hidden units, no lattice")
