"""Score images with NIMA: batching, one compiled function per process, mean and std.

    >>> scorer = Scorer.load()                          # doctest: +SKIP
    >>> [r.mean for r in scorer.score_files(["a.jpg", "b.jpg"])]  # doctest: +SKIP
    [5.23, 4.65]

A :class:`Scorer` holds the parameters and one jit-compiled forward pass for a
fixed batch size; the last batch is padded to that size, so a run compiles once.
:func:`enable_compilation_cache` keeps compiled code on disk between runs.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np

from lutlearn.errors import ImageReadError, LutlearnError
from lutlearn.nima.model import INPUT_SIZE, PADDINGS, forward
from lutlearn.nima.preprocess import nima_pixels, to_network_input
from lutlearn.nima.weights import locate_weights
from lutlearn.paths import cache_dir
from lutlearn.progress import progress_bar

__all__ = ["NimaScore", "Scorer", "mean_std", "score_arrays", "enable_compilation_cache", "MICRO_BATCH"]

RATINGS = np.arange(1, 11, dtype=np.float64)
MICRO_BATCH = 2  # images per step inside a compiled batch: keeps activations in cache on CPU


class NimaScore(NamedTuple):
    """One image's result; ``error`` is set (and the numbers are None) when it failed."""

    path: str
    mean: float | None  # expected rating, 1..10
    std: float | None  # standard deviation of the rating
    distribution: tuple[float, ...] | None  # 10 probabilities of the ratings 1..10
    error: str | None = None

    def to_dict(self) -> dict:
        """JSON-ready: path, mean, std, distribution; or path and error."""
        if self.error is not None:
            return {"path": self.path, "error": self.error}
        return {"path": self.path, "mean": self.mean, "std": self.std, "distribution": list(self.distribution)}


def mean_std(dist) -> tuple[np.ndarray, np.ndarray]:
    """Mean rating and its standard deviation of 10-bin distributions.

    The distribution is renormalised to sum to 1 first (as idealo does).

    Args:
        dist: float (..., 10): probabilities of the ratings 1..10.

    Returns:
        (mean, std): float64 arrays of shape (...).

    >>> m, s = mean_std(np.eye(10)[[4]] * 0.5 + np.eye(10)[[5]] * 0.5)
    >>> float(m[0]), float(s[0])
    (5.5, 0.5)
    """
    p = np.asarray(dist, np.float64)
    p = p / p.sum(axis=-1, keepdims=True)
    mean = p @ RATINGS
    std = np.sqrt(np.sum(p * (RATINGS - mean[..., None]) ** 2, axis=-1))
    return mean, std


def _batched_forward(params, rgb, *, padding: str, micro_batch: int, depthwise: str):
    """uint8/float (N, 224, 224, 3) 0..255 -> (N, 10), in steps of ``micro_batch`` images."""
    from jax import lax

    x = to_network_input(rgb)
    n = x.shape[0]
    run = functools.partial(forward, params, padding=padding, depthwise=depthwise)
    if micro_batch >= n or n % micro_batch:
        return run(x)
    return lax.map(run, x.reshape((n // micro_batch, micro_batch) + x.shape[1:])).reshape(n, -1)


def score_arrays(params, batch, *, padding: str = "keras216") -> np.ndarray:
    """Rating distributions of a batch of preprocessed images (jit-compiled per shape).

    Args:
        params: parameter pytree from :func:`lutlearn.nima.weights.load_params`.
        batch: float32 (N, 224, 224, 3) network input in [-1, 1] (see
            :func:`lutlearn.nima.preprocess.to_network_input`).
        padding: "keras216" (faithful) or "tfkeras".

    Returns:
        float32 (N, 10) probabilities of the ratings 1..10.
    """
    import jax

    return np.asarray(jax.jit(forward, static_argnames=("padding", "depthwise"))(params, batch, padding=padding))


def enable_compilation_cache(directory: str | os.PathLike | None = None) -> Path:
    """Keep JAX's compiled code on disk so later processes skip compilation.

    Call it before the first compilation; it changes JAX's process-wide
    configuration (never done at import).

    Args:
        directory: default ``cache_dir() / "jax"``.

    Returns:
        The folder used.
    """
    import jax

    folder = Path(directory) if directory is not None else cache_dir() / "jax"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return folder  # an unwritable cache only costs speed
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return folder


class Scorer:
    """NIMA parameters plus one compiled forward pass for a fixed batch size.

    Args:
        params: the parameter pytree (numpy or jax arrays).
        padding: "keras216" (default, faithful to the weights) or "tfkeras".
        batch_size: images per compiled call; shorter batches are zero-padded.
        micro_batch: images per step inside a call (:data:`MICRO_BATCH`); on
            the CPU, small steps keep the activations in cache.
        depthwise: "shifted" (fastest on CPU) or "grouped"; see :func:`forward`.
    """

    def __init__(self, params, *, padding: str = "keras216", batch_size: int = 16, micro_batch: int = MICRO_BATCH,
                 depthwise: str = "shifted"):
        import jax

        if padding not in PADDINGS:
            raise LutlearnError(f"padding must be one of {PADDINGS}, got {padding!r}")
        if batch_size < 1:
            raise LutlearnError(f"batch_size must be >= 1, got {batch_size}")
        self.padding, self.batch_size = padding, int(batch_size)
        self.params = jax.device_put(params)
        self._fn = jax.jit(functools.partial(_batched_forward, padding=padding, micro_batch=micro_batch,
                                             depthwise=depthwise))

    @classmethod
    def load(cls, weights: str | os.PathLike | None = None, *, padding: str | None = None, batch_size: int = 16,
             download: bool = True, progress: bool | None = None) -> Scorer:
        """Find (or download), check and load the weights; see :func:`locate_weights`.

        The file is idealo's Keras HDF5 (sha256-checked) or a weights file of
        ``lutlearn nima train`` (``.npz``, :mod:`lutlearn.nima.weightsfile`).

        Args:
            weights: explicit weights file, else ``$LUTLEARN_NIMA_WEIGHTS``, the
                cache, or a download of idealo's file into the cache.
            padding: "keras216" or "tfkeras"; None: the variant the weights were
                trained with ("keras216" for idealo's).
            batch_size: images per compiled call.
            download: allow the download.
            progress: download progress bar (None: only on a terminal).

        Raises:
            ModelFileError: the weights are missing, corrupt, unreachable, or of another architecture.
        """
        from lutlearn.nima.weightsfile import load_any

        path, where = locate_weights(weights, download=download, progress=progress)
        params, meta = load_any(path, where=where)
        return cls(params, padding=padding or meta["padding"], batch_size=batch_size)

    def with_params(self, params) -> Scorer:
        """The same compiled scorer with other parameters of the same shapes (no recompilation).

        Training scores its validation images with this after every epoch.
        """
        import copy

        import jax

        other = copy.copy(self)
        other.params = jax.device_put(params)
        return other

    def distributions(self, rgb: np.ndarray) -> np.ndarray:
        """Rating distributions of already-resized images.

        Args:
            rgb: uint8 or float (N, 224, 224, 3), RGB values 0..255 (e.g. from
                :func:`lutlearn.nima.preprocess.nima_pixels`, possibly recoloured).

        Returns:
            float32 (N, 10).
        """
        rgb = np.asarray(rgb)
        if rgb.ndim != 4 or rgb.shape[1:] != (INPUT_SIZE, INPUT_SIZE, 3):
            raise LutlearnError(f"expected (N, {INPUT_SIZE}, {INPUT_SIZE}, 3) images, got {rgb.shape}")
        pending = [self._submit(rgb[i:i + self.batch_size]) for i in range(0, len(rgb), self.batch_size)]
        return np.concatenate([self._collect(*p) for p in pending]) if pending else np.zeros((0, 10), np.float32)

    def _submit(self, rgb: np.ndarray):
        """Start one padded batch (JAX dispatches asynchronously); returns (future, count)."""
        n = len(rgb)
        if n < self.batch_size:
            rgb = np.concatenate([rgb, np.zeros((self.batch_size - n,) + rgb.shape[1:], rgb.dtype)])
        return self._fn(self.params, rgb), n

    @staticmethod
    def _collect(future, n: int) -> np.ndarray:
        return np.asarray(future)[:n]

    def score_files(self, paths: Sequence[str | os.PathLike], *, progress: bool | None = None) -> list[NimaScore]:
        """Score image files; unreadable ones get ``error`` set instead of failing the rest.

        Each batch is decoded while the previous one computes.

        Args:
            paths: image files.
            progress: progress on stderr (None: a bar on a terminal, lines otherwise).

        Returns:
            One :class:`NimaScore` per path, in order.
        """
        results: list[NimaScore | None] = [None] * len(paths)
        bar = progress_bar(len(paths), "scoring", enabled=progress, unit="photo")
        in_flight = None
        for start in range(0, len(paths), self.batch_size):
            chunk = list(range(start, min(start + self.batch_size, len(paths))))
            good, pixels = [], []
            for i in chunk:
                try:
                    pixels.append(nima_pixels(paths[i]))
                    good.append(i)
                except ImageReadError as e:
                    results[i] = NimaScore(str(paths[i]), None, None, None, str(e))
            if in_flight:
                self._finish(in_flight, paths, results, bar)
            in_flight = (good, self._submit(np.stack(pixels)) if good else None, len(chunk))
        if in_flight:
            self._finish(in_flight, paths, results, bar)
        bar.close()
        return results

    def _finish(self, in_flight, paths, results, bar) -> None:
        good, submitted, count = in_flight
        if submitted is not None:
            dist = self._collect(*submitted)
            means, stds = mean_std(dist)
            for j, i in enumerate(good):
                results[i] = NimaScore(str(paths[i]), float(means[j]), float(stds[j]),
                                       tuple(float(v) for v in dist[j]))
        bar.update(count)
