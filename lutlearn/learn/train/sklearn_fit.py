"""The scikit-learn baseline: the classic ``MLPRegressor`` recipe.

The recipe is ``MLPRegressor(hidden_layer_sizes=32, activation='logistic',
solver='adam', alpha=0, max_iter=30, tol=1e-5, n_iter_no_change=10)``, often
followed by ``model.out_activation_ = 'relu'`` *before* ``fit``. That line has
no effect: ``fit`` resets ``out_activation_`` to ``'identity'`` for regression,
so the network is trained, and predicts, with a linear output. This backend
therefore returns a model with ``output_activation='identity'`` that reproduces
``MLPRegressor.predict`` exactly (tested), and says so in the fit notes.

The epochs are run one ``partial_fit`` call at a time, which is what ``fit``
does inside (Adam state, shuffling and the ``tol`` / ``n_iter_no_change``
stopping rule carry over between calls), so progress is reported per epoch
without parsing sklearn's verbose output.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from lutlearn.errors import LutlearnWarning
from lutlearn.learn.model import LearnedModel, MLPSpec
from lutlearn.learn.train.config import FitResult, split_samples

__all__ = ["fit_sklearn", "classic_regressor", "from_sklearn"]

RECIPE = dict(activation="logistic", solver="adam", alpha=0.0, max_iter=30, tol=1e-5, n_iter_no_change=10)


def classic_regressor(hidden=(32,), seed: int = 0):
    """The classic recipe's estimator, with ``out_activation_ = 'relu'`` set as the recipe does."""
    from sklearn.neural_network import MLPRegressor

    reg = MLPRegressor(hidden_layer_sizes=tuple(hidden), random_state=seed, **RECIPE)
    reg.out_activation_ = "relu"  # what the recipe does; fit() overwrites it with 'identity'
    return reg


def from_sklearn(reg) -> LearnedModel:
    """Convert a fitted MLPRegressor into a LearnedModel with the output it really uses.

    lutlearn's network sees ``2 x - 1``; sklearn's sees ``x``. The first layer is
    rescaled so both compute the same function.
    """
    ws = [np.asarray(w, np.float32) for w in reg.coefs_]
    bs = [np.asarray(b, np.float32) for b in reg.intercepts_]
    bs[0] = bs[0] + 0.5 * ws[0].sum(axis=0)
    ws[0] = 0.5 * ws[0]
    spec = MLPSpec(hidden=tuple(w.shape[1] for w in ws[:-1]), hidden_activation="sigmoid",
                   output_activation="relu" if reg.out_activation_ == "relu" else "identity")
    return LearnedModel(spec=spec, params={"w": ws, "b": bs})


def _train_epochs(reg, x, y, w, progress=None) -> tuple[list[float], bool]:
    """Run the recipe's epochs with ``partial_fit``; returns (loss curve, converged).

    The stopping rule is sklearn's: an epoch whose loss is not below the best
    loss minus ``tol`` counts as no improvement, and training stops after more
    than ``n_iter_no_change`` of them in a row.
    """
    best, stall = np.inf, 0
    for epoch in range(1, reg.max_iter + 1):
        reg.partial_fit(x, y, sample_weight=w)
        loss = float(reg.loss_curve_[-1])
        if progress:
            progress(epoch, reg.max_iter, 2.0 * loss / 3.0, float("nan"))
        stall = stall + 1 if loss > best - reg.tol else 0
        best = min(best, loss)
        if stall > reg.n_iter_no_change:
            return list(reg.loss_curve_), True
    return list(reg.loss_curve_), False


def fit_sklearn(samples, spec: MLPSpec, config, progress=None, init_params=None):
    """Train the classic recipe on the training split; see :func:`lutlearn.learn.train.fit`."""
    t0 = time.perf_counter()
    train_idx, val_idx = split_samples(len(samples), config.val_fraction, config.seed)
    reg = classic_regressor(spec.hidden, config.seed)
    notes = ["sklearn resets out_activation_ to 'identity' in fit(); the model is trained and exported "
             "with a linear output, not ReLU"]
    curve, converged = _train_epochs(reg, samples.x[train_idx], samples.y[train_idx], samples.w[train_idx], progress)
    if not converged:
        msg = (f"the sklearn recipe stopped after max_iter={reg.max_iter} epochs before its loss settled "
               f"(tol {reg.tol:g}); this is the classic recipe's fixed budget")
        warnings.warn(msg, LutlearnWarning, stacklevel=3)
        notes.append(msg)
    model = from_sklearn(reg)
    val_pred = model.predict(samples.x[val_idx])
    w = samples.w[val_idx]
    val_loss = float(np.sum(w[:, None] * (val_pred - samples.y[val_idx]) ** 2) / (3 * w.sum()))
    # sklearn reports half the squared error; put its curve in our units (MSE per channel).
    train_curve = [2.0 * v / 3.0 for v in curve]
    return FitResult(model, train_curve, [float("nan")] * (len(train_curve) - 1) + [val_loss], len(train_curve),
                     False, val_idx, time.perf_counter() - t0, tuple(notes))
