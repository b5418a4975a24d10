"""The colour model: a small MLP RGB -> RGB, optionally with a residual correction lattice.

The model is a pure function of a parameter pytree::

    params = {"w": [W1, W2, ...], "b": [b1, b2, ...]}          # W_k (fan_in, fan_out), b_k (fan_out,)
    params["lattice"] = residual (L, L, L, 3) indexed [b, g, r]   # only when spec.lattice > 0

and a static :class:`MLPSpec`. Inputs are sRGB in [0, 1]; the network sees them
centred as ``2 x - 1``. Hidden units use ``spec.hidden_activation`` (default
sigmoid), the output unit ``spec.output_activation`` (default ReLU: the product
owner's 3-32-3 design). With a lattice, the output is ``mlp(x) + tetrahedral(lattice, x)``:
the MLP carries the smooth global shape, the lattice the fine detail a small
network cannot (fitted by least squares after the MLP, see :mod:`lutlearn.learn.lattice`).
A trained model with its metadata is a :class:`LearnedModel`.

Every function takes an ``xp`` argument (numpy or jax.numpy), so the same code
trains under jit and predicts with plain numpy.

A ReLU output unit whose pre-activation is negative for every input is dead:
its gradient is zero and it never recovers. :func:`init` starts every output
bias at the target mean, so each output unit is alive on the whole cube, and
:func:`dead_outputs` lets the trainer detect and revive one that dies.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from lutlearn.errors import LutlearnError
from lutlearn.luts.interp import lookup
from lutlearn.luts.lut import LUT3D, identity_grid

__all__ = ["MLPSpec", "LearnedModel", "init", "forward", "preactivation", "dead_outputs", "parse_hidden",
           "count_params", "to_numpy"]

_CHUNK = 1 << 20

ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")


class MLPSpec(NamedTuple):
    """Static architecture of a colour model.

    Attributes:
        hidden: hidden layer widths, e.g. (32,) or (64, 64).
        hidden_activation: "sigmoid" (default), "tanh" or "relu".
        output_activation: "relu" (default) or "identity".
        lattice: nodes per axis of the residual correction lattice; 0 = none.
    """

    hidden: tuple[int, ...] = (32,)
    hidden_activation: str = "sigmoid"
    output_activation: str = "relu"
    lattice: int = 0

    def validate(self) -> "MLPSpec":
        if not self.hidden or any(int(h) < 1 for h in self.hidden):
            raise LutlearnError(f"hidden layer widths must be positive integers, got {self.hidden}")
        if self.hidden_activation not in ACTIVATIONS or self.output_activation not in ("relu", "identity"):
            raise LutlearnError(
                f"unknown activation ({self.hidden_activation!r}, {self.output_activation!r}); "
                f"hidden: {', '.join(ACTIVATIONS)}; output: relu, identity"
            )
        if self.lattice and not 2 <= self.lattice <= 129:
            raise LutlearnError(f"lattice size must be 0 (none) or in 2..129, got {self.lattice}")
        return self

    def describe(self) -> str:
        sizes = "-".join(str(v) for v in (3, *self.hidden, 3))
        extra = f" + {self.lattice}^3 lattice" if self.lattice else ""
        return f"MLP {sizes} ({self.hidden_activation} hidden, {self.output_activation} output){extra}"


def parse_hidden(text: str) -> tuple[int, ...]:
    """'64,64' -> (64, 64)."""
    try:
        sizes = tuple(int(v) for v in str(text).replace(" ", "").split(",") if v)
    except ValueError:
        sizes = ()
    if not sizes or any(s < 1 or s > 4096 for s in sizes):
        raise LutlearnError(f"--hidden takes comma-separated layer widths like 32 or 64,64; got {text!r}")
    return sizes


def init(key, spec: MLPSpec, y_mean=None) -> dict:
    """Random initial parameters.

    Args:
        key: a ``jax.random`` key.
        spec: the architecture.
        y_mean: (3,) mean target colour; the output bias starts there (at
            least 0.05) so that no ReLU output unit starts dead.

    Returns:
        The parameter pytree (jax arrays, float32).
    """
    import jax
    import jax.numpy as jnp

    sizes = (3, *spec.hidden, 3)
    keys = jax.random.split(key, len(sizes) - 1)
    ws, bs = [], []
    n_layers = len(sizes) - 1
    for i, (k, fan_in, fan_out) in enumerate(zip(keys, sizes[:-1], sizes[1:])):
        # Hidden sigmoid layers get a wider start (the logistic's slope is 1/4);
        # the output layer starts small so the output sits near its bias.
        gain = 0.1 if i == n_layers - 1 else (4.0 if spec.hidden_activation == "sigmoid" else 1.0)
        ws.append(gain * jax.random.normal(k, (fan_in, fan_out), jnp.float32) / jnp.sqrt(fan_in))
        bs.append(jnp.zeros((fan_out,), jnp.float32))
    mean = jnp.full((3,), 0.5, jnp.float32) if y_mean is None else jnp.asarray(y_mean, jnp.float32)
    params = {"w": ws, "b": bs}
    if spec.output_activation == "relu":
        params = _alive_output(params, spec, jnp.maximum(mean, 0.05))
    else:
        params["b"][-1] = mean
    if spec.lattice:
        params["lattice"] = jnp.zeros((spec.lattice,) * 3 + (3,), jnp.float32)
    return params


def _alive_output(params: dict, spec: MLPSpec, target):
    """Set the output layer so each unit's pre-activation is centred on ``target`` (3,) and
    stays above target/2 on a 9³ probe grid of the cube: no ReLU output starts dead."""
    import jax.numpy as jnp

    probe = jnp.asarray(identity_grid(9).reshape(-1, 3))
    params["b"][-1] = jnp.zeros(3, jnp.float32)
    centred = preactivation(params, probe, spec, jnp)
    centred = centred - centred.mean(axis=0)
    spread = jnp.maximum(-centred.min(axis=0), 1e-12)
    scale = jnp.minimum(1.0, 0.5 * target / spread)
    params["w"][-1] = params["w"][-1] * scale
    params["b"][-1] = target - (preactivation(params, probe, spec, jnp).mean(axis=0))
    return params


def _activation(name, xp):
    if name == "sigmoid":
        if xp is np:
            return lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic
        import jax

        return jax.nn.sigmoid
    return {
        "tanh": xp.tanh,
        "relu": lambda z: xp.maximum(z, 0),
        "identity": lambda z: z,
    }[name]


def preactivation(params: dict, x, spec: MLPSpec, xp=np):
    """The output layer's pre-activation (M, 3) for inputs ``x`` (M, 3)."""
    act = _activation(spec.hidden_activation, xp)
    if xp is np:
        return _preactivation_np(params, x, act)
    h = 2.0 * x - 1.0
    for w, b in zip(params["w"][:-1], params["b"][:-1]):
        h = act(h @ w + b)
    return h @ params["w"][-1] + params["b"][-1]


def _preactivation_np(params: dict, x: np.ndarray, act) -> np.ndarray:
    """:func:`preactivation` in numpy, each layer's ``h @ w + b`` as elementwise products summed in a fixed
    order, so that every row is rounded the same wherever it lies in ``x``.

    A BLAS product rounds the rows its vector kernel takes and those of the edge tiles differently (fused
    multiply-adds, another order of sums), so with ``@`` a colour's output moved by an ulp with the other
    colours evaluated beside it, and now and then crossed a code: ``lutlearn apply`` of a learned look gave a
    few pixels one code apart for a photo applied alone and the same photo applied in a batch (whose colour
    cache holds colours evaluated with other photos'), seen with OpenBLAS's SkylakeX kernels.

    The activations are held transposed, (units, M): each term of a sum is then one contiguous row of ``h``
    times one column of ``w`` (3x faster than the columns of an (M, units) array; the same roundings).
    """
    h = np.ascontiguousarray((2.0 * x - 1.0).T)
    layers = list(zip(params["w"], params["b"]))
    for i, (w, b) in enumerate(layers):
        w, b = np.asarray(w), np.asarray(b)
        out = np.empty((w.shape[1], h.shape[1]), np.result_type(h, w))
        out[...] = b[:, None]
        term = np.empty_like(out)
        for k in range(w.shape[0]):
            out += np.multiply(w[k][:, None], h[k], out=term)
        h = act(out) if i < len(layers) - 1 else out
    return h.T


def forward(params: dict, x, spec: MLPSpec, xp=np):
    """Evaluate the model.

    Args:
        params: the parameter pytree.
        x: float32 (M, 3) sRGB inputs in [0, 1].
        spec: the architecture.
        xp: ``numpy`` or ``jax.numpy``.

    Returns:
        float32 (M, 3) predicted colours (not clipped).
    """
    out = _activation(spec.output_activation, xp)(preactivation(params, x, spec, xp))
    if spec.lattice:
        out = out + lookup(params["lattice"], x, xp)
    return out


def dead_outputs(params: dict, x, spec: MLPSpec) -> list[int]:
    """Output channels whose ReLU is inactive for every input in ``x`` (M, 3)."""
    if spec.output_activation != "relu":
        return []
    pre = np.asarray(preactivation(to_numpy(params), np.asarray(x, np.float32), spec, np))
    return [int(c) for c in np.flatnonzero((pre <= 0).all(axis=0))]


def count_params(params: dict) -> int:
    leaves = list(params["w"]) + list(params["b"]) + ([params["lattice"]] if "lattice" in params else [])
    return int(sum(np.size(v) for v in leaves))


def to_numpy(params: dict) -> dict:
    """The parameter pytree with numpy float32 leaves."""
    out = {"w": [np.asarray(w, np.float32) for w in params["w"]], "b": [np.asarray(b, np.float32) for b in params["b"]]}
    if "lattice" in params:
        out["lattice"] = np.asarray(params["lattice"], np.float32)
    return out



@dataclasses.dataclass(frozen=True, eq=False)
class LearnedModel:
    """A trained colour model (saved and loaded by :mod:`lutlearn.learn.modelfile`).

    Attributes:
        spec: the architecture.
        params: numpy parameter pytree (module docstring).
        metadata: JSON-able dict (metrics, inputs' hashes, versions, settings).
    """

    spec: MLPSpec
    params: dict
    metadata: dict = dataclasses.field(default_factory=dict)

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """Evaluate the model on float colours (..., 3) -> float32 (..., 3), unclipped."""
        rgb = np.asarray(rgb, np.float32)
        flat = rgb.reshape(-1, 3)
        out = np.empty_like(flat)
        for s in range(0, flat.shape[0], _CHUNK):
            out[s : s + _CHUNK] = forward(self.params, flat[s : s + _CHUNK], self.spec, np)
        return out.reshape(rgb.shape)

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """The look applied to colours in [0, 1]: ``predict`` clipped to [0, 1]."""
        return np.clip(self.predict(rgb), 0.0, 1.0)

    def bake(self, size: int = 33, title: str = "") -> LUT3D:
        """Sample the model on a ``size``³ lattice (outputs clipped to [0, 1])."""
        return LUT3D.bake(self.apply, size, title=title or self.metadata.get("name", ""))
