"""Rated images decoded for NIMA training: the arrays, the validation split by group, and the augmentation.

Each image is decoded once (:func:`lutlearn.nima.preprocess.training_pixels`)
into a 256 x 256 nearest resize, from which training takes random 224 x 224
crops and horizontal flips (idealo's training pipeline), and the 224 x 224
resize that validation scores exactly as ``lutlearn score`` does. Everything is
held in memory: about 350 KB per image.

>>> tr, va = split_by_group(np.array(["a", "a", "b", "c", "c", "d"]), 0.3, seed=0)
>>> sorted(set(tr) | set(va)) == list(range(6)), len(set(tr) & set(va))
(True, 0)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, NamedTuple, Sequence

import numpy as np

from lutlearn.errors import LutlearnError
from lutlearn.nima.model import INPUT_SIZE
from lutlearn.nima.preprocess import TRAIN_SIDE, training_pixels

__all__ = ["Dataset", "load_dataset", "split_by_group", "augment"]


class Dataset(NamedTuple):
    """Decoded images and their targets."""

    train: np.ndarray  # uint8 (N, 256, 256, 3): crops are taken from these
    score: np.ndarray  # uint8 (N, 224, 224, 3): what NIMA scores
    targets: np.ndarray  # float32 (N, 10): rating distributions
    groups: np.ndarray  # str (N,): images of one group stay on one side of the split

    def take(self, index: np.ndarray) -> Dataset:
        """The images at ``index`` (int array)."""
        return Dataset(self.train[index], self.score[index], self.targets[index], self.groups[index])


def load_dataset(items: Sequence, progress: Callable[[int], None] | None = None, threads: int = 2) -> Dataset:
    """Decode rated images (:class:`lutlearn.nima.ratings.RatedImage`) for training and scoring.

    Args:
        items: objects with ``path``, ``target`` (10,) and ``group``.
        progress: called with 1 after each image is decoded.
        threads: decoding threads.

    Raises:
        ImageReadError: an image that cannot be decoded (named in the message).
    """
    n = len(items)
    train_px = np.empty((n, TRAIN_SIDE, TRAIN_SIDE, 3), np.uint8)
    score_px = np.empty((n, INPUT_SIZE, INPUT_SIZE, 3), np.uint8)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for i, (big, small) in enumerate(pool.map(training_pixels, [it.path for it in items])):
            train_px[i], score_px[i] = big, small
            if progress is not None:
                progress(1)
    targets = np.stack([np.asarray(it.target, np.float32) for it in items]) if n else np.zeros((0, 10), np.float32)
    return Dataset(train_px, score_px, targets, np.array([str(it.group) for it in items]))


def split_by_group(groups: np.ndarray, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, validation indices): whole groups, shuffled by ``seed``, held out until ``val_fraction``
    of the images is reached; at least one group always trains.

    Raises:
        LutlearnError: fewer than two groups.
    """
    groups = np.asarray(groups)
    names = np.unique(groups)
    if len(names) < 2:
        raise LutlearnError(f"need images of at least 2 groups (photos) to hold some out; got {len(names)}")
    order = np.random.default_rng(seed).permutation(names)
    counts = {g: int((groups == g).sum()) for g in names}
    held, total = [], 0
    for g in order[:-1]:
        if total >= val_fraction * len(groups):
            break
        held.append(g)
        total += counts[g]
    val = np.isin(groups, held)
    return np.flatnonzero(~val), np.flatnonzero(val)


def augment(key, images):
    """Random 224 x 224 crops and horizontal flips (p = 0.5) -> network input.

    Args:
        key: a JAX PRNG key.
        images: uint8 (B, S, S, 3) with S >= 224 (jax or numpy).

    Returns:
        float32 (B, 224, 224, 3) in [-1, 1] (:func:`lutlearn.nima.preprocess.to_network_input`).
    """
    import jax
    import jax.numpy as jnp
    from jax import lax

    from lutlearn.nima.preprocess import to_network_input

    k_off, k_flip = jax.random.split(key)
    b, side = images.shape[0], images.shape[1]
    offsets = jax.random.randint(k_off, (b, 2), 0, side - INPUT_SIZE + 1)
    crops = jax.vmap(lambda im, o: lax.dynamic_slice(im, (o[0], o[1], 0), (INPUT_SIZE, INPUT_SIZE, 3)))(
        jnp.asarray(images), offsets)
    flip = jax.random.bernoulli(k_flip, 0.5, (b,))
    crops = jnp.where(flip[:, None, None, None], crops[:, :, ::-1], crops)
    return to_network_input(crops)
