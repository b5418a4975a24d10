"""NIMA's validation metrics: SRCC, LCC, accuracy at threshold 5 and EMD of predicted against target ratings."""

from __future__ import annotations

import numpy as np

__all__ = ["metrics", "evaluate", "METRICS"]

METRICS = ("srcc", "lcc", "accuracy", "emd")
_BINS = np.arange(1, 11, dtype=np.float64)


def metrics(targets: np.ndarray, predicted: np.ndarray) -> dict:
    """NIMA's metrics (Talebi & Milanfar) of predicted distributions against target distributions.

    Args:
        targets: float (N, 10), rating histograms or vote counts (normalised here).
        predicted: float (N, 10), the network's probabilities.

    Returns:
        {"srcc", "lcc", "accuracy", "emd", "n"}: Spearman and Pearson correlation of
        the mean ratings (NaN when either side is constant), the agreement on
        mean >= 5 ("accuracy at threshold 5"), and the mean EMD (r = 2, as the loss).

    >>> t = np.eye(10)[[2, 5, 8]]
    >>> m = metrics(t, t)
    >>> round(m["srcc"], 3), m["accuracy"], m["emd"]
    (1.0, 1.0, 0.0)
    """
    from scipy.stats import pearsonr, spearmanr

    t = np.asarray(targets, np.float64)
    p = np.asarray(predicted, np.float64)
    t, p = t / t.sum(1, keepdims=True), p / p.sum(1, keepdims=True)
    mt, mp = t @ _BINS, p @ _BINS
    emd = np.sqrt(np.mean((np.cumsum(t, 1) - np.cumsum(p, 1)) ** 2, axis=1))
    flat = len(t) < 2 or np.ptp(mt) == 0 or np.ptp(mp) == 0
    return {"srcc": float("nan") if flat else float(spearmanr(mt, mp).statistic),
            "lcc": float("nan") if flat else float(pearsonr(mt, mp).statistic),
            "accuracy": float(np.mean((mt >= 5) == (mp >= 5))) if len(t) else float("nan"),
            "emd": float(emd.mean()) if len(t) else float("nan"), "n": len(t)}


def evaluate(scorer, params, data) -> dict:
    """:func:`metrics` of ``params`` on ``data``'s 224 x 224 images, scored exactly as ``lutlearn score`` does.

    Args:
        scorer: a :class:`lutlearn.nima.Scorer`, whose compiled function is reused
            (:meth:`~lutlearn.nima.Scorer.with_params`).
        params: the parameter pytree to evaluate.
        data: a :class:`lutlearn.nima.dataset.Dataset`.
    """
    return metrics(data.targets, scorer.with_params(params).distributions(data.score))
