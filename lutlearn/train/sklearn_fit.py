"""The scikit-learn baseline: the classic ``MLPRegressor`` recipe.

The recipe is ``MLPRegressor(hidden_layer_sizes=32, activation='logistic',
solver='adam', alpha=0, max_iter=30, tol=1e-5, n_iter_no_change=10)``, often
followed by ``model.out_activation_ = 'relu'`` *before* ``fit``. That line has
no effect: ``fit`` resets ``out_activation_`` to ``'identity'`` for regression,
so the network is trained, and predicts, with a linear output. This backend
therefore returns a model with ``output_activation='identity'`` that reproduces
``MLPRegressor.predict`` exactly (tested), and says so in the fit notes.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
import warnings

import numpy as np

from lutlearn.model import MLPSpec
from lutlearn.modelfile import LearnedModel

__all__ = ["fit_sklearn", "classic_regressor", "from_sklearn"]

RECIPE = dict(activation="logistic", solver="adam", alpha=0.0, max_iter=30, tol=1e-5, n_iter_no_change=10)


def classic_regressor(hidden=(32,), seed: int = 0, verbose: bool = False):
    """The classic recipe's estimator, with ``out_activation_ = 'relu'`` set as the recipe does."""
    from sklearn.neural_network import MLPRegressor

    reg = MLPRegressor(hidden_layer_sizes=tuple(hidden), random_state=seed, verbose=verbose, **RECIPE)
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


class _EpochStream(io.TextIOBase):
    """Turns sklearn's verbose 'Iteration k, loss = v' lines into progress calls."""

    def __init__(self, callback, total):
        self.callback, self.total, self.losses = callback, total, []

    def write(self, text):
        for m in re.finditer(r"Iteration (\d+), loss = ([0-9.eE+-]+)", text):
            self.losses.append(float(m.group(2)))
            if self.callback:
                self.callback(int(m.group(1)), self.total, float(m.group(2)), float("nan"))
        return len(text)


def fit_sklearn(samples, spec: MLPSpec, config, progress=None, init_params=None):
    """Train the classic recipe on the training split; see :func:`lutlearn.train.fit`."""
    from sklearn.exceptions import ConvergenceWarning

    from lutlearn.train import FitResult, split_samples

    t0 = time.perf_counter()
    train_idx, val_idx = split_samples(len(samples), config.val_fraction, config.seed)
    reg = classic_regressor(spec.hidden, config.seed, verbose=True)
    stream = _EpochStream(progress, RECIPE["max_iter"])
    notes = ["sklearn resets out_activation_ to 'identity' in fit(); the model is trained and exported "
             "with a linear output, not ReLU"]
    with contextlib.redirect_stdout(stream), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(samples.x[train_idx], samples.y[train_idx], sample_weight=samples.w[train_idx])
    model = from_sklearn(reg)
    val_pred = model.predict(samples.x[val_idx])
    w = samples.w[val_idx]
    val_loss = float(np.sum(w[:, None] * (val_pred - samples.y[val_idx]) ** 2) / (3 * w.sum()))
    # sklearn reports half the squared error; put its curve in our units (MSE per channel).
    train_curve = [2.0 * v / 3.0 for v in stream.losses]
    return FitResult(model, train_curve, [float("nan")] * (len(train_curve) - 1) + [val_loss], len(train_curve),
                     False, val_idx, time.perf_counter() - t0, tuple(notes))
