"""Full-batch fitting of the 3-32-3 base network on aggregated colour samples, in numpy.

A photo pair aggregated by colour (:func:`lutlearn.learn.robust.bin_by_colour`) gives a few
thousand to a few tens of thousands of weighted samples, and the default network
has 227 parameters. At that size minibatch Adam wastes its time, and so does
JAX: compiling the step costs more (1-4 s on a busy 2-core machine) than the
whole fit. Here the loss and its gradient are plain numpy (hand-written
back-propagation through the same network as :func:`lutlearn.learn.model.forward`),
and scipy's L-BFGS-B takes full-batch steps: a few hundred of them reach a lower
loss than 100 Adam epochs, deterministically, in well under a second.

The loss is a weighted pseudo-Huber loss per channel, so a few wild samples (a
local edit, an edge that slipped through the trust mask) pull on the network
linearly, not quadratically.
"""

from __future__ import annotations

import time

import numpy as np

from lutlearn.learn.model import LearnedModel, MLPSpec

__all__ = ["activation", "fit_mlp", "forward_layers", "init_numpy", "loss_and_grad", "pseudo_huber"]


def activation(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Activation value and its derivative at z."""
    if name == "sigmoid":
        s = 0.5 * (1.0 + np.tanh(0.5 * z))
        return s, s * (1.0 - s)
    if name == "tanh":
        t = np.tanh(z)
        return t, 1.0 - t * t
    if name == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(z.dtype)
    return z, np.ones_like(z)


def init_numpy(spec: MLPSpec, y_mean: np.ndarray, seed: int = 0) -> dict:
    """Initial parameters with :func:`lutlearn.learn.model.init`'s recipe, from a numpy generator.

    Hidden sigmoid layers start with gain 4 / sqrt(fan_in); the output layer with 0.1
    and an output bias that keeps every ReLU output alive on a 9^3 probe grid of the cube.
    """
    rng = np.random.default_rng(seed)
    sizes = (3, *spec.hidden, 3)
    ws, bs = [], []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        gain = 0.1 if i == len(sizes) - 2 else (4.0 if spec.hidden_activation == "sigmoid" else 1.0)
        ws.append((gain * rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32))
        bs.append(np.zeros(fan_out, np.float32))
    target = np.maximum(np.asarray(y_mean, np.float32), 0.05)
    g = np.linspace(0, 1, 9, dtype=np.float32)
    probe = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3)
    pre = forward_layers({"w": ws, "b": bs}, probe, spec)[1][-1]
    centred = pre - pre.mean(0)
    scale = np.minimum(1.0, 0.5 * target / np.maximum(-centred.min(0), 1e-12))
    ws[-1] = (ws[-1] * scale).astype(np.float32)
    pre = forward_layers({"w": ws, "b": bs}, probe, spec)[1][-1]
    bs[-1] = (target - pre.mean(0)).astype(np.float32) if spec.output_activation == "relu" else target
    return {"w": ws, "b": bs}


def forward_layers(params: dict, x: np.ndarray, spec: MLPSpec, derivatives: bool = False):
    """Activations of every layer: (hs, zs, ds), hs[0] the centred input, zs the pre-activations,
    ds the hidden activations' derivatives (when asked)."""
    hs, zs, ds = [2.0 * x - 1.0], [], []
    n = len(params["w"])
    for i, (w, b) in enumerate(zip(params["w"], params["b"])):
        z = hs[-1] @ w + b
        zs.append(z)
        if i < n - 1:
            h, d = activation(spec.hidden_activation, z)
            hs.append(h)
            if derivatives:
                ds.append(d)
    return hs, zs, ds


def _backward(params: dict, hs, ds, g) -> dict:
    """Gradient pytree from d loss / d (last pre-activation) ``g`` (M, 3)."""
    gw, gb = [], []
    for i in range(len(params["w"]) - 1, -1, -1):
        gw.append(hs[i].T @ g)
        gb.append(g.sum(0))
        if i:
            g = (g @ params["w"][i].T) * ds[i - 1]
    return {"w": gw[::-1], "b": gb[::-1]}


def loss_and_grad(params: dict, x: np.ndarray, y: np.ndarray, w: np.ndarray, spec: MLPSpec, delta: float):
    """Weighted pseudo-Huber loss (mean over channels) and its gradient pytree.

    Args:
        params: {"w": [...], "b": [...]} numpy arrays.
        x, y: (M, 3) inputs and targets; w: (M,) weights summing to 1.
        delta: pseudo-Huber threshold.
    """
    hs, zs, ds = forward_layers(params, x, spec, derivatives=True)
    out, dout = activation(spec.output_activation, zs[-1])
    err = out - y
    loss, root = pseudo_huber(err, w, delta)
    g = (w[:, None] * err / root / 3.0) * dout  # d loss / d z_last
    return loss, _backward(params, hs, ds, g)


def pseudo_huber(err: np.ndarray, w: np.ndarray, delta: float) -> tuple[float, np.ndarray]:
    """The weighted pseudo-Huber loss of errors (M, 3), mean over channels, and sqrt(1 + err²/δ²).

    The loss both base-network trainers minimise (this module's L-BFGS, :mod:`~lutlearn.learn.train.lm_fit`);
    the root gives the gradient and the IRLS weights.
    """
    d2 = delta * delta
    root = np.sqrt(1.0 + err * err / d2)
    return float(np.sum(w[:, None] * d2 * (root - 1.0), dtype=np.float64) / 3.0), root


def _pack(p: dict) -> np.ndarray:
    return np.concatenate([np.ravel(v) for v in p["w"] + p["b"]]).astype(np.float64)


def _unpack(flat: np.ndarray, like: dict) -> dict:
    out, i = [], 0
    for v in like["w"] + like["b"]:
        out.append(flat[i:i + v.size].reshape(v.shape))
        i += v.size
    n = len(like["w"])
    return {"w": out[:n], "b": out[n:]}


def fit_mlp(x: np.ndarray, y: np.ndarray, w: np.ndarray, spec: MLPSpec = MLPSpec(), *, delta: float = 0.02,
            max_iter: int = 500, seed: int = 0, init_params: dict | None = None) -> tuple[LearnedModel, dict]:
    """Fit the base network to weighted colour samples with full-batch L-BFGS.

    Args:
        x: float32 (M, 3) before-colours in [0, 1].
        y: float32 (M, 3) target after-colours.
        w: float (M,) sample weights (any scale).
        spec: the architecture (its ``lattice`` is ignored here).
        delta: pseudo-Huber threshold in sRGB units (0.02 = 5 codes); quadratic below.
        max_iter: L-BFGS iterations.
        seed: initialisation seed.
        init_params: start here instead of :func:`init_numpy`.

    Returns:
        (model, info): a :class:`LearnedModel` without lattice, and
        {"iterations", "loss", "seconds"}.

    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((500, 3), np.float32)
    >>> model, info = fit_mlp(x, 0.8 * x + 0.1, np.ones(500))
    >>> bool(np.abs(model.predict(x) - (0.8 * x + 0.1)).max() < 0.03)
    True
    """
    from scipy.optimize import minimize

    t0 = time.perf_counter()
    spec = spec._replace(lattice=0)
    x32, y32 = np.asarray(x, np.float32), np.asarray(y, np.float32)
    w32 = (np.asarray(w, np.float64) / np.sum(w)).astype(np.float32)
    like = init_params or init_numpy(spec, np.average(y, axis=0, weights=w), seed)
    like = {k: [np.asarray(v, np.float32) for v in like[k]] for k in ("w", "b")}

    def fun(flat):
        loss, grad = loss_and_grad(_unpack(flat.astype(np.float32), like), x32, y32, w32, spec, np.float32(delta))
        return loss, _pack(grad)

    res = minimize(fun, _pack(like), jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "maxcor": 20, "ftol": 1e-13, "gtol": 1e-11})
    params = {k: [v.astype(np.float32) for v in vs] for k, vs in _unpack(res.x, like).items()}
    return LearnedModel(spec=spec, params=params), {"iterations": int(res.nit), "loss": float(res.fun),
                                                    "seconds": time.perf_counter() - t0}

