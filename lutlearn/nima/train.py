"""Fine-tune NIMA on ratings: NIMA's two-phase transfer learning, as pure JAX functions over the folded parameters.

The recipe (Talebi & Milanfar; idealo's aesthetic configuration), on lutlearn's
JAX MobileNet (:mod:`lutlearn.nima.model`):

1. **head**: the base frozen, the Dense(10) head trained at ``lr_head``;
2. **all layers**: from the best head, every layer at the lower ``lr_all``.

Both phases: the EMD loss with r = 2 (:func:`lutlearn.nima.loss.emd_loss`), dropout
before the head, optax Adam with a cosine-decay schedule (after a warm-up of half
an epoch in phase 2) and gradient clipping, random 224 crops of the 256 x 256
resize plus horizontal flips (:func:`lutlearn.nima.dataset.augment`), a
validation split by *group* (all crops and edits of one photo on the same
side), and early stopping on the validation EMD; the best parameters are kept.
Validation scores each image exactly as ``lutlearn score`` does, and reports
SRCC, LCC, accuracy at threshold 5 and EMD (:mod:`lutlearn.nima.metrics`), for
the untrained model and for the best parameters.

BatchNorm is folded into the convolutions (:mod:`lutlearn.nima.weights`), so
fine-tuning trains the folded kernels and biases: frozen BatchNorm statistics,
the usual choice for small fine-tuning sets.

Everything random comes from ``seed`` (a numpy Generator for the split and the
order, JAX keys for crops, flips and dropout): one seed gives the same weights
on the same machine. Ctrl-C stops training and returns the best parameters so
far (``TrainResult.interrupted``). JAX runs on a GPU when it sees one.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Callable, NamedTuple

import numpy as np

from lutlearn.errors import LutlearnError
from lutlearn.nima.dataset import Dataset, augment, split_by_group
from lutlearn.nima.metrics import evaluate

__all__ = ["TrainConfig", "TrainResult", "predict", "train"]


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Training settings (idealo's aesthetic recipe, scaled for small rating sets).

    Attributes:
        epochs_head, epochs_all: the most epochs of phase 1 and phase 2 (0 skips a phase).
        lr_head, lr_all: peak learning rates.
        batch_size: images per step.
        dropout: rate before the head, in both phases (idealo: 0.75).
        patience: epochs without a better validation EMD before a phase stops.
        val_fraction: share of the images held out for validation, by whole groups.
        seed: everything random.
        padding: the NIMA padding variant ("keras216", the weights' own).
        clip_norm: global gradient-norm clip.
    """

    epochs_head: int = 5
    epochs_all: int = 9
    lr_head: float = 1e-3
    lr_all: float = 3e-5
    batch_size: int = 16
    dropout: float = 0.75
    patience: int = 3
    val_fraction: float = 0.2
    seed: int = 0
    padding: str = "keras216"
    clip_norm: float = 1.0

    def check(self) -> None:
        """Raise LutlearnError on a setting out of range."""
        if self.epochs_head < 0 or self.epochs_all < 0 or self.epochs_head + self.epochs_all == 0:
            raise LutlearnError("epochs: need at least one epoch in one phase")
        if not (self.lr_head > 0 and self.lr_all > 0):
            raise LutlearnError(f"learning rates must be positive, got {self.lr_head} and {self.lr_all}")
        if self.batch_size < 1 or self.patience < 1:
            raise LutlearnError("batch size and patience must be at least 1")
        if not 0.0 <= self.dropout < 1.0:
            raise LutlearnError(f"dropout must be in [0, 1), got {self.dropout}")
        if not 0.0 < self.val_fraction < 1.0:
            raise LutlearnError(f"the validation fraction must be in (0, 1), got {self.val_fraction}")


class TrainResult(NamedTuple):
    """What :func:`train` returns: the best parameters and the record of how they were found."""

    params: dict  # the best parameter pytree (jax arrays)
    before: dict  # validation metrics of the untrained model
    after: dict  # validation metrics of the best parameters
    history: list  # one dict per epoch: phase, epoch, train_emd, val (metrics), images_per_s
    best: tuple  # (phase, epoch) of the best parameters; ("untrained", 0) if nothing beat them
    interrupted: bool  # stopped by Ctrl-C
    throughput: dict  # training images/s per phase (compilation excluded)


def predict(params, x, *, padding: str = "keras216", dropout: float = 0.0, key=None):
    """Rating distributions float32 (N, 10) of network input ``x`` (N, 224, 224, 3); with ``key``, inverted
    dropout at rate ``dropout`` before the head. Without dropout it is :func:`lutlearn.nima.model.forward`."""
    import jax
    import jax.numpy as jnp

    from lutlearn.nima.model import features

    f = features(params, x, padding=padding)
    if key is not None and dropout > 0.0:
        keep = jax.random.bernoulli(key, 1.0 - dropout, f.shape)
        f = jnp.where(keep, f / (1.0 - dropout), 0.0)
    return jax.nn.softmax(f @ params["head"]["w"] + params["head"]["b"], axis=-1)


def _loss(trainable, frozen, images, targets, key, *, padding: str, dropout: float):
    import jax

    from lutlearn.nima.loss import emd_loss

    k_aug, k_drop = jax.random.split(key)
    x = augment(k_aug, images)
    return emd_loss(targets, predict({**frozen, **trainable}, x, padding=padding, dropout=dropout, key=k_drop))


def _make_step(optimizer, padding: str, dropout: float):
    """One jit-compiled Adam step over the ``trainable`` part of the parameters: -> (trainable, state, loss)."""
    import jax
    import optax

    loss = functools.partial(_loss, padding=padding, dropout=dropout)

    @jax.jit
    def step(trainable, frozen, opt_state, images, targets, key):
        value, grads = jax.value_and_grad(loss)(trainable, frozen, images, targets, key)
        updates, opt_state = optimizer.update(grads, opt_state, trainable)
        return optax.apply_updates(trainable, updates), opt_state, value

    return step


def _optimizer(lr: float, steps: int, warmup: int, clip_norm: float):
    """Adam after global-norm clipping; cosine decay to lr/10 (after a linear warm-up from lr/10, if any)."""
    import optax

    if warmup > 0:
        schedule = optax.warmup_cosine_decay_schedule(lr / 10, lr, warmup, max(steps, warmup + 1), lr / 10)
    else:
        schedule = optax.cosine_decay_schedule(lr, max(steps, 1), alpha=0.1)
    return optax.chain(optax.clip_by_global_norm(clip_norm), optax.adam(schedule))


def train(base_params: dict, data: Dataset, config: TrainConfig = TrainConfig(), *,
          on_step: Callable[[str, float], None] | None = None,
          on_epoch: Callable[[dict], None] | None = None) -> TrainResult:
    """Fine-tune ``base_params`` on ``data`` in two phases (module docstring).

    Args:
        base_params: the folded NIMA pytree to start from (idealo's weights, or a fine-tuned file's).
        data: from :func:`lutlearn.nima.dataset.load_dataset`; split here by group.
        config: the settings.
        on_step: called after each step with (phase, loss), e.g. to move a progress bar.
        on_epoch: called with each epoch's record (see :class:`TrainResult` ``history``).

    Returns:
        A :class:`TrainResult`; ``interrupted`` is True after Ctrl-C (the best parameters so far).

    Raises:
        LutlearnError: bad settings, fewer than 2 groups, or non-finite parameters.
    """
    import jax

    from lutlearn.nima.score import Scorer

    config.check()
    tr, va = split_by_group(data.groups, config.val_fraction, config.seed)
    train_set, val_set = data.take(tr), data.take(va)
    params = jax.tree_util.tree_map(jax.numpy.asarray, base_params)
    scorer = Scorer(params, padding=config.padding, batch_size=min(32, max(len(va), 1)))
    before = evaluate(scorer, params, val_set)
    state = {"best": params, "best_emd": before["emd"], "best_at": ("untrained", 0), "history": [], "speed": {}}
    rng, key = np.random.default_rng(config.seed), jax.random.PRNGKey(config.seed)
    interrupted = False
    try:
        for phase, epochs, lr in (("head", config.epochs_head, config.lr_head),
                                  ("all", config.epochs_all, config.lr_all)):
            if epochs:
                key, sub = jax.random.split(key)
                _run_phase(phase, epochs, lr, state, (train_set, val_set, scorer), config, rng, sub,
                           on_step, on_epoch)
    except KeyboardInterrupt:
        interrupted = True
    best = state["best"]
    if not all(np.isfinite(np.asarray(leaf)).all() for leaf in jax.tree_util.tree_leaves(best)):
        raise LutlearnError("training produced non-finite weights; try a lower learning rate")
    after = before if state["best_at"][0] == "untrained" else evaluate(scorer, best, val_set)
    return TrainResult(best, before, after, state["history"], state["best_at"], interrupted, state["speed"])


def _run_phase(phase, epochs, lr, state, sets, config, rng, key, on_step, on_epoch) -> None:
    """One phase from ``state["best"]``; updates ``state`` (best params, history, speed) after each epoch."""
    import jax

    train_set, val_set, scorer = sets
    n = len(train_set.targets)
    batch = min(config.batch_size, n)
    steps = n // batch
    optimizer = _optimizer(lr, epochs * steps, steps // 2 if phase == "all" else 0, config.clip_norm)
    start = state["best"]
    frozen = {k: v for k, v in start.items() if k != "head"} if phase == "head" else {}
    trainable = {"head": start["head"]} if phase == "head" else start
    opt_state = optimizer.init(trainable)
    step = _make_step(optimizer, config.padding, config.dropout)
    after_step = (lambda loss: on_step(phase, loss)) if on_step is not None else (lambda loss: None)
    stale = 0
    for epoch in range(1, epochs + 1):
        key, sub = jax.random.split(key)
        trainable, opt_state, losses, speed = _epoch(step, trainable, frozen, opt_state, train_set,
                                                     rng.permutation(n), batch, sub, after_step)
        params = {**frozen, **trainable}
        record = {"phase": phase, "epoch": epoch, "train_emd": float(np.mean(losses)),
                  "val": evaluate(scorer, params, val_set), "images_per_s": speed}
        state["history"].append(record)
        state["speed"][phase] = speed
        if on_epoch is not None:
            on_epoch(record)
        if record["val"]["emd"] < state["best_emd"] - 1e-5:
            state.update(best=params, best_emd=record["val"]["emd"], best_at=(phase, epoch))
            stale = 0
        else:
            stale += 1
            if stale >= config.patience:
                break


def _epoch(step, trainable, frozen, opt_state, data: Dataset, order, batch, key, after_step):
    """One pass over ``data`` in ``order``: (trainable, opt_state, losses, images/s without the first step)."""
    import jax

    losses, t_start, timed = [], None, 0
    for s in range(len(order) // batch):
        idx = np.sort(order[s * batch:(s + 1) * batch])
        key, sub = jax.random.split(key)
        trainable, opt_state, loss = step(trainable, frozen, opt_state, data.train[idx], data.targets[idx], sub)
        losses.append(float(loss))  # waits for the step: honest timings
        if s == 0:
            t_start = time.perf_counter()  # the first step may compile
        else:
            timed += batch
        after_step(losses[-1])
    seconds = time.perf_counter() - t_start if t_start is not None else 0.0
    return trainable, opt_state, losses, (timed / seconds if timed and seconds > 0 else float("nan"))
