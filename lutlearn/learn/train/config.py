"""Training settings and results, shared by :func:`lutlearn.learn.train.fit` and its backends."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["FitConfig", "FitResult", "split_samples", "BACKENDS"]

BACKENDS = ("jax", "sklearn")


class FitConfig(NamedTuple):
    """Training settings (numpydoc-style ranges are checked in :func:`fit`).

    Attributes:
        backend: "jax" (optax Adam, jit; default) or "sklearn" (the classic recipe).
        max_epochs: upper bound on epochs (jax); sklearn's recipe fixes 30.
        epoch_samples: samples drawn per epoch (jax); a full pass when the data are fewer.
        batch_size: minibatch size (jax).
        learning_rate: initial Adam step (jax).
        schedule: "cosine" (decay to 1% over max_epochs) or "plateau" (/3 on each plateau) (jax).
        patience: epochs without validation improvement before stopping (jax).
        val_fraction: share of samples held out for validation and the report.
        seed: seeds the split, the initialisation and the minibatch order.
    """

    backend: str = "jax"
    max_epochs: int = 100
    epoch_samples: int = 1_000_000
    batch_size: int = 512
    learning_rate: float = 3e-3
    schedule: str = "cosine"
    patience: int = 20
    val_fraction: float = 0.05
    seed: int = 0


class FitResult(NamedTuple):
    """What a fit returns.

    Attributes:
        model: the trained :class:`~lutlearn.learn.model.LearnedModel` (best validation loss).
        train_loss: per-epoch mean training loss (MSE in sRGB units).
        val_loss: per-epoch validation loss.
        best_epoch: epoch (1-based) whose parameters were kept.
        interrupted: True when Ctrl-C stopped training early.
        val_idx: indices into the samples held out for validation.
        seconds: training wall time.
        notes: what happened that the user should know (revived units, output used...).
    """

    model: object
    train_loss: list
    val_loss: list
    best_epoch: int
    interrupted: bool
    val_idx: np.ndarray
    seconds: float
    notes: tuple = ()


def split_samples(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random train/validation indices; validation is capped at 100k samples, at least 1."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    n_val = int(min(max(round(n * val_fraction), 1), 100_000)) if val_fraction > 0 else 0
    if n - n_val < 8:
        return order, order  # too few samples to hold any out: validate on the training set
    return order[n_val:], order[:n_val]
