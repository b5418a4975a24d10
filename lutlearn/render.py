"""Apply a colour function to whole images of integer codes: exact, fast, lean.

The look is any function ``fn(rgb float32 (M, 3)) -> float32 (M, 3)`` on
colours in [0, 1]. Results are rounded to the image's own codes.

- **8-bit images** have at most 2^24 distinct colours. :class:`ColourCache`
  keeps the rounded result for each colour met so far (a 64 MB table indexed
  by ``r | g << 8 | b << 16``), so the look is evaluated once per distinct
  colour, never per pixel; a pixel then costs one table gather. The cache can
  be kept for a whole batch of images. Results equal evaluating ``fn`` on
  every pixel and rounding.
- **16-bit and float images** are evaluated pixel by pixel.

Both work through the image in chunks of :data:`CHUNK` pixels on ``threads``
threads (numpy releases the GIL), and write into a separate output array, so
peak memory is the input plus the output plus a few MB.
"""

from __future__ import annotations

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

from lutlearn.errors import LutlearnError, LutlearnWarning

__all__ = ["ColourCache", "render", "CHUNK"]

CHUNK = 1 << 16
_LOW24 = np.uint32(0xFFFFFF)

ColourFn = Callable[[np.ndarray], np.ndarray]


def _blend(fn: ColourFn, rgb: np.ndarray, strength: float) -> np.ndarray:
    """``rgb + strength * (fn(rgb) - rgb)`` for float32 (M, 3)."""
    out = np.asarray(fn(rgb), dtype=np.float32)
    if out.shape != rgb.shape:
        raise LutlearnError(f"the look returned shape {out.shape} for colours of shape {rgb.shape}")
    if strength != 1.0:
        out = rgb + np.float32(strength) * (out - rgb)
    return out


def _round(values: np.ndarray, top: float) -> tuple[np.ndarray, int]:
    """Floats (M, 3) -> codes rounded to nearest in 0..top, and the number of rows clipped by over half a code."""
    scaled = values * np.float32(top)
    clipped = 0
    if scaled.min() < -0.5 or scaled.max() > top + 0.5:
        clipped = int(((scaled < -0.5) | (scaled > top + 0.5)).any(axis=1).sum())
    np.rint(scaled, out=scaled)
    np.clip(scaled, 0, top, out=scaled)
    return scaled, clipped


class ColourCache:
    """The look's rounded 8-bit result for every 8-bit colour met so far.

    Args:
        fn: the look, float32 (M, 3) -> float32 (M, 3).
        strength: blend with the original colour, 0..1.

    Attributes:
        table: uint32 (2^24,) indexed ``r | g << 8 | b << 16``; an entry is the
            packed result ``r | g << 8 | b << 16 | 1 << 24``, or 0 if not computed
            yet (zeroed pages cost nothing until touched).
        evaluated: how many colours the look was evaluated on.
        clipped: how many of them left [0, 1] by more than half a code.
    """

    def __init__(self, fn: ColourFn, strength: float = 1.0):
        self.fn, self.strength = fn, float(strength)
        self.table = np.zeros(1 << 24, dtype=np.uint32)
        self.evaluated = self.clipped = 0
        self._lock = threading.Lock()

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        """Packed results (M,) uint32 (bit 24 set) for packed colour codes (M,) uint32, computing unknown ones."""
        out = self.table.take(codes)
        missing = out == 0
        if missing.any():
            need = codes[missing]
            found = self._evaluate(need)
            self.table[need] = found  # racing threads write identical values
            out[missing] = found
        return out

    def _evaluate(self, codes: np.ndarray) -> np.ndarray:
        """Packed colour codes (M,) uint32 -> packed, rounded results with the known bit set."""
        rgb = codes.view(np.uint8).reshape(-1, 4)[:, :3].astype(np.float32) / np.float32(255)
        values, clipped = _round(_blend(self.fn, rgb, self.strength), 255.0)
        with self._lock:
            self.evaluated += codes.size
            self.clipped += clipped
        packed = np.empty((codes.size, 4), np.uint8)
        packed[:, :3] = values  # whole numbers in 0..255 after rounding and clipping
        packed[:, 3] = 1  # bit 24: computed
        return packed.view("<u4").reshape(-1)


def _chunks(n: int) -> list[tuple[int, int]]:
    return [(s, min(s + CHUNK, n)) for s in range(0, n, CHUNK)]


def _run(work, n: int, threads: int) -> None:
    spans = _chunks(n)
    if threads <= 1 or len(spans) == 1:
        for span in spans:
            work(*span)
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in pool.map(lambda span: work(*span), spans):
            pass


def _prefill(codes_of, n: int, cache: ColourCache, threads: int) -> None:
    """Evaluate the look once on exactly the image's distinct colours, in colour order.

    One pass marks the colours present (a 16 MB flag table); the unknown ones are
    then evaluated in sorted chunks on ``threads`` threads. Without it, a cold
    cache evaluates colours repeated inside a chunk several times.
    """
    present = np.zeros(1 << 24, dtype=np.bool_)

    def mark(a: int, b: int) -> None:
        present[codes_of(a, b)] = True  # racing threads write the same value

    _run(mark, n, threads)
    need = np.flatnonzero(present & (cache.table == 0)).astype(np.uint32)

    def fill(a: int, b: int) -> None:
        codes = need[a:b]
        cache.table[codes] = cache._evaluate(codes)

    _run(fill, need.size, threads)


def _render8(src: np.ndarray, dst: np.ndarray, cache: ColourCache, threads: int) -> None:
    """src, dst: uint8 (P, 3), dst C-contiguous; dst = cache results for src.

    Pixels are read and written as overlapping little-endian uint32 at a stride
    of 3 bytes: one pass each way. A read takes one byte of the next pixel
    (masked off); a write spills one byte into the next pixel, which the next,
    ascending write then sets, and each chunk's last pixel is copied as 3 bytes
    so that no write crosses into another thread's chunk.
    """
    n = src.shape[0]
    flat_src = src.reshape(-1) if src.flags.c_contiguous else None
    flat_dst = dst.reshape(-1)

    def codes_of(a: int, b: int) -> np.ndarray:
        m = b - a
        if flat_src is not None and b < n:  # the spare byte read lies inside the array
            return np.ndarray((m,), dtype="<u4", buffer=flat_src, offset=3 * a, strides=(3,)) & _LOW24
        inbuf = np.empty(3 * m + 1, np.uint8)
        inbuf[: 3 * m] = src[a:b].reshape(-1)
        return np.ndarray((m,), dtype="<u4", buffer=inbuf, strides=(3,)) & _LOW24

    if cache.evaluated == 0:
        _prefill(codes_of, n, cache, threads)

    def work(a: int, b: int) -> None:
        m = b - a
        codes = codes_of(a, b)
        result = cache.lookup(codes)
        if m > 1:
            np.ndarray((m - 1,), dtype="<u4", buffer=flat_dst, offset=3 * a, strides=(3,))[...] = result[:-1]
        flat_dst[3 * (b - 1) : 3 * b] = result[-1:].view(np.uint8)[:3]

    _run(work, n, threads)


def _render_direct(src, dst, fn, strength: float, top: float | None, threads: int) -> int:
    """src: uint16 or float32 (P, 3); dst likewise; evaluates ``fn`` per pixel. Returns rows clipped."""
    clipped = [0]
    lock = threading.Lock()

    def work(a: int, b: int) -> None:
        rgb = src[a:b].astype(np.float32)
        if top is not None:
            rgb /= np.float32(top)
        out = _blend(fn, rgb, strength)
        if top is not None:
            out, c = _round(out, top)
            with lock:
                clipped[0] += c
        dst[a:b] = out

    _run(work, src.shape[0], threads)
    return clipped[0]


def render(rgb: np.ndarray, fn: ColourFn, *, strength: float = 1.0, threads: int = 2,
           cache: ColourCache | None = None) -> np.ndarray:
    """Apply ``fn`` to an image of codes.

    Args:
        rgb: (..., 3) uint8 or uint16 codes, or float32 values in [0, 1].
        fn: the look, float32 (M, 3) -> float32 (M, 3).
        strength: 0..1, blend of the look with the original.
        threads: worker threads.
        cache: for uint8 input, a :class:`ColourCache` of the same ``fn`` and
            ``strength`` to reuse across images (default: a new one).

    Returns:
        A new array of ``rgb``'s shape and dtype: rounded codes (or floats).

    >>> lift = lambda c: np.minimum(c + 0.5, 1.0)
    >>> render(np.array([[0, 100, 255]], np.uint8), lift, threads=1).tolist()
    [[128, 228, 255]]
    """
    if rgb.shape[-1:] != (3,):
        raise LutlearnError(f"expected an image of shape (..., 3), got {rgb.shape}")
    if not 0.0 <= strength <= 1.0:
        raise LutlearnError(f"strength must be in 0..1, got {strength}")
    src = rgb.reshape(-1, 3)
    dst = np.empty(src.shape, rgb.dtype)
    if rgb.dtype == np.uint8:
        cache = cache or ColourCache(fn, strength)
        before = cache.clipped
        _render8(src, dst, cache, threads)
        clipped, unit = cache.clipped - before, "colours"
    elif rgb.dtype in (np.uint16, np.float32):
        top = 65535.0 if rgb.dtype == np.uint16 else None
        clipped, unit = _render_direct(src, dst, fn, strength, top, threads), "pixels"
    else:
        raise LutlearnError(f"expected uint8, uint16 or float32 pixels, got {rgb.dtype}")
    if clipped:
        warnings.warn(f"{clipped} {unit} outside [0, 1] after the look were clipped", LutlearnWarning, stacklevel=2)
    return dst.reshape(rgb.shape)
