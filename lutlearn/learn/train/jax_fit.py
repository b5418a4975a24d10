"""The JAX/optax trainer: Adam, jit-compiled epochs of minibatch steps, early stopping.

One epoch is one call of a jitted function that ``lax.scan``s over minibatches,
so Python runs once per epoch, on CPU or GPU alike. The learning rate follows
a cosine decay to 1% over ``max_epochs`` (or, with ``schedule="plateau"``, drops
3x whenever validation loss stalls for ``patience // 3`` epochs), set through
``optax.inject_hyperparams`` without recompiling; training stops early after
``patience`` epochs without improvement of the smoothed validation loss, and
keeps the parameters of the epoch with the lowest validation loss.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from lutlearn.errors import LutlearnWarning
from lutlearn.learn.jpeg420 import block_loss
from lutlearn.learn.model import LearnedModel, MLPSpec, forward, init, preactivation, to_numpy
from lutlearn.learn.train.config import FitResult, split_samples

__all__ = ["fit_jax"]


def _loss(params, batch, spec, kind):
    """Weighted MSE (per channel, sRGB) of a batch of pixel samples, or the 4:2:0 JPEG block loss."""
    import jax.numpy as jnp

    pred = forward(params, batch[0].reshape(-1, 3), spec, jnp)
    if kind == "jpeg420":
        return block_loss(pred, batch, jnp)
    _, y, w = batch
    err = pred - y
    return jnp.sum(w[:, None] * err * err) / (3.0 * jnp.sum(w))


def _make_fns(spec: MLPSpec, optimizer, kind: str):
    import jax
    import optax

    def step(carry, batch):
        params, opt_state = carry
        loss, grads = jax.value_and_grad(_loss)(params, batch, spec, kind)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    @jax.jit
    def run_epoch(params, opt_state, arrays, idx):
        batches = tuple(a[idx] for a in arrays)  # idx: (steps, batch)
        (params, opt_state), losses = jax.lax.scan(step, (params, opt_state), batches)
        return params, opt_state, losses.mean()

    @jax.jit
    def evaluate(params, arrays):
        pre = preactivation(params, arrays[0].reshape(-1, 3), spec, jax.numpy)
        return _loss(params, arrays, spec, kind), (pre <= 0).all(axis=0)

    return run_epoch, evaluate


def fit_jax(samples, spec: MLPSpec, config, progress=None, init_params=None):
    """Train with optax Adam; see :func:`lutlearn.learn.train.fit`."""
    import jax
    import jax.numpy as jnp
    import optax

    t0 = time.perf_counter()
    train_idx, val_idx = split_samples(len(samples), config.val_fraction, config.seed)
    arrays = tuple(jnp.asarray(a) for a in samples.arrays)
    train, val = tuple(a[train_idx] for a in arrays), tuple(a[val_idx] for a in arrays)
    xv, yv = val[0].reshape(-1, 3), samples.target_rgb(val_idx)
    key_init, key_order = jax.random.split(jax.random.PRNGKey(config.seed))
    y_mean = samples.target_rgb(train_idx[:100_000]).mean(axis=0)
    params = init(key_init, spec, y_mean) if init_params is None else jax.tree_util.tree_map(jnp.asarray, init_params)
    optimizer = optax.inject_hyperparams(optax.adam)(learning_rate=config.learning_rate)
    opt_state = optimizer.init(params)
    run_epoch, evaluate = _make_fns(spec, optimizer, samples.kind)

    n = len(train_idx)
    per_sample = samples.pixels // max(len(samples), 1) if samples.kind == "jpeg420" else 1  # pixels per sample
    batch = min(max(config.batch_size // per_sample, 1), n)  # batch_size and epoch_samples count pixels
    epoch_samples = max(config.epoch_samples // per_sample, 1)
    steps = max(min(epoch_samples, n) // batch, 1)
    lr, best, best_params, best_epoch, stall = config.learning_rate, np.inf, params, 0, 0
    smooth, best_smooth = None, np.inf
    train_curve, val_curve, notes, interrupted = [], [], [], False
    try:
        for epoch in range(1, config.max_epochs + 1):
            key_order, k = jax.random.split(key_order)
            if n <= epoch_samples:  # a full pass in random order
                idx = jax.random.permutation(k, n)[: steps * batch].reshape(steps, batch)
            else:  # large data: draw the epoch's samples (a permutation of millions is slow)
                idx = jax.random.randint(k, (steps, batch), 0, n)
            params, opt_state, train_loss = run_epoch(params, opt_state, train, idx)
            val_loss, dead = evaluate(params, val)
            train_loss, val_loss, dead = float(train_loss), float(val_loss), np.asarray(dead)
            if not np.isfinite(train_loss):
                notes.append(f"training diverged at epoch {epoch}; kept epoch {best_epoch}")
                break
            if dead.any():
                params, opt_state = _revive(params, opt_state, dead, xv, yv, spec, optimizer, notes, epoch)
            train_curve.append(train_loss)
            val_curve.append(val_loss)
            if val_loss < best:
                best, best_params, best_epoch = val_loss, params, epoch
            # Stalls are judged on a moving average: at a high learning rate the raw validation
            # loss is noisy, and one lucky epoch must not stop training that is still improving.
            smooth = val_loss if smooth is None else 0.7 * smooth + 0.3 * val_loss
            if smooth < best_smooth * (1 - 1e-3):
                best_smooth, stall = smooth, 0
            else:
                stall += 1
            lr = _next_lr(config, epoch, stall, lr)
            opt_state.hyperparams["learning_rate"] = jnp.asarray(lr)
            if progress:
                progress(epoch, config.max_epochs, train_loss, val_loss)
            if stall >= config.patience or (config.schedule == "plateau" and lr < config.learning_rate * 1e-3):
                break
    except KeyboardInterrupt:
        interrupted = True
        notes.append(f"interrupted at epoch {len(train_curve) + 1}; kept the best model so far (epoch {best_epoch})")
    model = LearnedModel(spec=spec, params=to_numpy(best_params))
    return FitResult(model, train_curve, val_curve, best_epoch, interrupted, val_idx,
                     time.perf_counter() - t0, tuple(notes))


def _next_lr(config, epoch: int, stall: int, lr: float) -> float:
    """Learning rate for the next epoch: cosine decay to 1% over max_epochs, or /3 on each plateau."""
    if config.schedule == "cosine":
        return config.learning_rate * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * epoch / config.max_epochs)))
    if stall and stall % max(config.patience // 3, 1) == 0:
        return lr / 3.0
    return lr


def _revive(params, opt_state, dead, xv, yv, spec, optimizer, notes, epoch):
    """Shift the bias of dead ReLU output units so they are active on about half the inputs."""
    import jax.numpy as jnp

    pre = np.asarray(preactivation(params, xv, spec, jnp))
    bias = np.array(params["b"][-1])
    revived = []
    for c in np.flatnonzero(dead):
        if yv[:, c].mean() > 1e-3:  # a channel whose target is black everywhere may rightly stay at zero
            bias[c] += yv[:, c].mean() - np.median(pre[:, c])
            revived.append("RGB"[c])
    if not revived:
        return params, opt_state
    msg = f"output unit(s) {', '.join(revived)} died (ReLU inactive on every input) at epoch {epoch}; revived"
    warnings.warn(msg, LutlearnWarning, stacklevel=3)
    notes.append(msg)
    params = {**params, "b": [*params["b"][:-1], jnp.asarray(bias)]}
    fresh = optimizer.init(params)  # the old moments point the dead unit further down
    fresh.hyperparams["learning_rate"] = opt_state.hyperparams["learning_rate"]
    return params, fresh
