"""NIMA's training loss: the earth mover's distance between rating histograms (r = 2)."""

from __future__ import annotations

from lutlearn.errors import LutlearnError

__all__ = ["emd_loss"]


def emd_loss(target, pred, r: float = 2.0):
    """Earth mover's distance between rating distributions, averaged over the batch.

    For each sample: ``(mean_k |CDF_target(k) - CDF_pred(k)|^r)^(1/r)`` over the
    K bins (the mean, not the sum: Talebi & Milanfar's 1/N normalisation, as
    idealo's ``earth_movers_distance``); the loss is the batch mean of that
    (REFERENCE.md §4). The target histogram is normalised to sum to 1 first, so
    raw vote counts are accepted; ``pred`` is used as given (a softmax output).

    Args:
        target: float (N, K) or (K,): ground-truth histogram or vote counts.
        pred: float, same shape: predicted probabilities.
        r: the norm's exponent (2 in NIMA).

    Returns:
        float32 scalar (a jax array; differentiable in ``pred``).

    >>> round(float(emd_loss([[1.0, 0.0]], [[0.0, 1.0]])), 6)  # CDFs (1, 1) vs (0, 1): sqrt(1/2)
    0.707107
    """
    import jax.numpy as jnp

    target = jnp.asarray(target, jnp.float32)
    pred = jnp.asarray(pred, jnp.float32)
    if target.shape != pred.shape:
        raise LutlearnError(f"target and pred must have the same shape, got {target.shape} and {pred.shape}")
    target = target / target.sum(axis=-1, keepdims=True)
    gap = jnp.abs(jnp.cumsum(target, axis=-1) - jnp.cumsum(pred, axis=-1))
    per_sample = jnp.mean(gap**r, axis=-1) ** (1.0 / r)
    return jnp.mean(per_sample)
