"""Levenberg-Marquardt fitting of a small base network on aggregated colour samples, in numpy.

The photo-pair fit (:mod:`lutlearn.learn.robust_fit`) trains three 3-32-3 base networks
on a few thousand colour bins, every round of the fit. Their mean is the lattice's
prior centre: where the pairs say little (colours seen only in texture, or not at
all), the look follows its shape. A network that is only nearly converged leaves a
different shape there on every run. L-BFGS still lowers the loss after 5000
iterations, and its 1000 + 3 x 300 iterations measurably cost accuracy. The
evidence is in :func:`fit_mlp_lm`'s notes.

A network of a few hundred parameters is a small nonlinear least-squares
problem, and Levenberg-Marquardt is the classic method for those (Marquardt
1963; for neural networks, Hagan & Menhaj 1994). Each iteration builds the
Gauss-Newton matrix JᵀWJ from the per-sample Jacobian, then solves it damped by
μ·diag. μ falls after a step that lowers the loss and rises after one that does
not. The pseudo-Huber loss of :func:`lutlearn.learn.train.lbfgs_fit.pseudo_huber` is
handled by its IRLS weights, w / sqrt(1 + e²/δ²). The output layer's weights for one
channel touch only that channel's rows, so the matrix is built in blocks: shared
layers × shared layers, shared × one output column, one output column × itself.

The memory and time per iteration grow as the number of parameters squared
(times the samples), so this is for small networks only: :data:`MAX_PARAMS`.
"""

from __future__ import annotations

import time

import numpy as np

from lutlearn.learn.model import LearnedModel, MLPSpec, count_params
from lutlearn.learn.train.lbfgs_fit import activation, forward_layers, init_numpy, pseudo_huber

__all__ = ["MAX_PARAMS", "fit_mlp_lm", "suits"]

# An iteration costs samples x parameters² (3520 colour bins, one BLAS thread: 3-32-3, 227 parameters,
# 15 ms; 3-64-3, 451, 33 ms; 3-128-3, 899, 144 ms). Above this, L-BFGS's cheap steps win.
MAX_PARAMS = 1000


def suits(spec: MLPSpec) -> bool:
    """Whether a network is small enough for :func:`fit_mlp_lm` (at most :data:`MAX_PARAMS` parameters)."""
    sizes = (3, *spec.hidden, 3)
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])) <= MAX_PARAMS


def _predict(params: dict, x: np.ndarray, spec: MLPSpec):
    hs, zs, ds = forward_layers(params, x, spec, derivatives=True)
    out, dout = activation(spec.output_activation, zs[-1])
    return hs, ds, out, dout


def _gauss_newton_system(params: dict, hs, ds, dout, e, iw):
    """The damped step's matrix A = JᵀWJ and gradient g = JᵀWe, in the order of :func:`_step_params`.

    The order is: every shared (hidden) layer's weights and biases, then for each
    output channel c, the last layer's column c and bias c. Channel c's Jacobian
    touches the shared parameters and its own column only, so each channel adds one
    (shared + column) square block; the products are in float32.
    """
    f32 = np.float32
    ws = [w.astype(f32) for w in params["w"]]
    m = len(e)
    n_shared = sum(w.size + w.shape[1] for w in ws[:-1])
    h_last = np.concatenate([hs[-1], np.ones((m, 1))], axis=1).astype(f32)  # last layer's inputs, bias
    k = h_last.shape[1]
    size = n_shared + 3 * k
    hs, ds = [h.astype(f32) for h in hs[:-1]], [d.astype(f32) for d in ds]
    root = np.sqrt(iw).astype(f32)
    sdout, se = dout.astype(f32) * root, (e * root).astype(f32)  # rows scaled by sqrt(W): A = JsᵀJs, g = Jsᵀ(sqrt(W) e)
    a = np.zeros((size, size))
    g = np.zeros(size)
    for c in range(3):
        blocks = []
        if n_shared:
            delta = sdout[:, c:c + 1] * ws[-1][:, c][None, :] * ds[-1]  # d out_c / d (last hidden pre-activation)
            for i in range(len(ws) - 2, -1, -1):  # back through the hidden layers
                blocks.append((hs[i][:, :, None] * delta[:, None, :]).reshape(m, -1))
                blocks.append(delta)
                if i:
                    delta = (delta @ ws[i].T) * ds[i - 1]
        j = np.concatenate([*_layer_order(blocks), h_last * sdout[:, c:c + 1]], axis=1)  # (M, shared + column c)
        idx = np.r_[0:n_shared, n_shared + c * k:n_shared + (c + 1) * k]
        a[np.ix_(idx, idx)] += j.T @ j  # numpy takes this as a symmetric rank-k update
        g[idx] += j.T @ se[:, c]
    return a, g, n_shared, k


def _layer_order(blocks: list) -> list:
    """Back-propagation order (last hidden layer first; weights, bias) -> weights of every layer, then biases."""
    pairs = blocks[::-1]  # (bias, weights) from the first layer on
    return [pairs[i + 1] for i in range(0, len(pairs), 2)] + [pairs[i] for i in range(0, len(pairs), 2)]


def _step_params(params: dict, step: np.ndarray, n_shared: int, k: int) -> dict:
    """Parameters after ``step`` (in :func:`_gauss_newton_system`'s order)."""
    ws, bs = [w.copy() for w in params["w"]], [b.copy() for b in params["b"]]
    i = 0
    for w in ws[:-1]:
        w += step[i:i + w.size].reshape(w.shape)
        i += w.size
    for b in bs[:-1]:
        b += step[i:i + b.size]
        i += b.size
    for c in range(3):
        col = step[n_shared + c * k:n_shared + (c + 1) * k]
        ws[-1][:, c] += col[:-1]
        bs[-1][c] += col[-1]
    return {"w": ws, "b": bs}


def fit_mlp_lm(x: np.ndarray, y: np.ndarray, w: np.ndarray, spec: MLPSpec = MLPSpec(), *, delta: float = 0.02,
               max_iter: int = 20, seed: int = 0, init_params: dict | None = None,
               damping: float = 1e-3, ftol: float = 1e-9) -> tuple[LearnedModel, dict]:
    """Fit a small network to weighted colour samples by Levenberg-Marquardt.

    Same arguments, loss and result as :func:`lutlearn.learn.train.lbfgs_fit.fit_mlp`;
    ``max_iter`` counts Jacobian evaluations (each may try several dampings).

    Measured on the binned targets of a half-size JPEG pair (3520 bins, 3-32-3,
    from the same start): 20 iterations reach a lower loss than 5000 L-BFGS
    iterations, in about the time of 1000 of them.

    Args:
        x: float (M, 3) before-colours in [0, 1].
        y: float (M, 3) target after-colours.
        w: float (M,) sample weights (any scale).
        spec: the architecture (its ``lattice`` is ignored); at most :data:`MAX_PARAMS` parameters.
        delta: pseudo-Huber threshold in sRGB units (quadratic below).
        max_iter: Jacobian evaluations.
        seed: initialisation seed (without ``init_params``).
        init_params: start here instead of :func:`~lutlearn.learn.train.lbfgs_fit.init_numpy`.
        damping: the first μ, relative to the matrix diagonal.
        ftol: stop when a step lowers the loss by less than this fraction.

    Returns:
        (model, info): a :class:`~lutlearn.learn.model.LearnedModel` without lattice, and
        {"iterations", "loss", "seconds"}.

    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((500, 3))
    >>> model, info = fit_mlp_lm(x, 0.8 * x + 0.1, np.ones(500))
    >>> bool(np.abs(model.predict(x) - (0.8 * x + 0.1)).max() < 0.01)
    True
    """
    t0 = time.perf_counter()
    spec = spec._replace(lattice=0)
    if not suits(spec):
        raise ValueError(f"{spec.describe()} has more than {MAX_PARAMS} parameters; fit it with fit_mlp")
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    w = np.asarray(w, np.float64) / np.sum(w)
    start = init_params or init_numpy(spec, np.average(y, axis=0, weights=w), seed)
    params = {k: [np.asarray(v, np.float64) for v in start[k]] for k in ("w", "b")}
    hs, ds, out, dout = _predict(params, x, spec)
    loss, root = pseudo_huber(out - y, w, delta)  # the trainers' loss, and its sqrt(1 + e²/δ²)
    mu, it = damping, 0
    while it < max_iter:
        it += 1
        iw = w[:, None] / root / 3.0  # IRLS weights of the pseudo-Huber loss
        a, g, n_shared, k = _gauss_newton_system(params, hs, ds, dout, out - y, iw)
        diag = np.diag(a) + 1e-12 * max(float(np.max(np.diag(a))), 1e-300)
        while mu < 1e10:
            try:
                step = np.linalg.solve(a + mu * np.diag(diag), -g)
            except np.linalg.LinAlgError:
                mu *= 4.0
                continue
            trial = _step_params(params, step, n_shared, k)
            t_hs, t_ds, t_out, t_dout = _predict(trial, x, spec)
            t_loss, t_root = pseudo_huber(t_out - y, w, delta)
            if t_loss < loss:
                done = loss - t_loss <= ftol * loss
                params, hs, ds, out, dout, loss, root = trial, t_hs, t_ds, t_out, t_dout, t_loss, t_root
                mu = max(mu / 3.0, 1e-9)
                break
            mu *= 4.0
        else:
            done = True  # no damping lowers the loss
        if done:  # a minimum
            break
    model = LearnedModel(spec=spec, params={k: [v.astype(np.float32) for v in vs] for k, vs in params.items()})
    return model, {"iterations": it, "loss": loss, "seconds": time.perf_counter() - t0, "params": count_params(params)}
