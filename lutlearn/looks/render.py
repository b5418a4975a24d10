"""Apply a colour function to whole images of integer codes: exact, fast, lean.

The look is any function ``fn(rgb float32 (M, 3)) -> float32 (M, 3)`` on
colours in [0, 1]. A look at strength ``s`` turns a pixel of codes ``p`` into::

    x     = p / top                                   (float32; lutlearn.codes)
    y     = x + s * (fn(x) - x)                       (float32; y = fn(x) when s = 1)
    codes = clip(rint(top * y), 0, top)

:func:`look_codes` is that one definition; everything that grades pixels
(this module, ``lutlearn apply``, ``lutlearn suggest``) goes through it.

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

from lutlearn.codes import from_codes, key_values, pack_rgb8, to_codes
from lutlearn.errors import LutlearnError, LutlearnWarning

__all__ = ["ColourCache", "render", "evaluate", "blend", "look_codes", "CHUNK"]

CHUNK = 1 << 16
_LOW24 = np.uint32(0xFFFFFF)
_KNOWN = np.uint32(1 << 24)

ColourFn = Callable[[np.ndarray], np.ndarray]


def evaluate(fn: ColourFn, x: np.ndarray) -> np.ndarray:
    """``fn(x)`` as float32 for colours ``x`` (M, 3), or LutlearnError when the look returns another shape."""
    out = np.asarray(fn(x), dtype=np.float32)
    if out.shape != x.shape:
        raise LutlearnError(f"the look returned shape {out.shape} for colours of shape {x.shape}")
    return out


def blend(x: np.ndarray, fx: np.ndarray, strength: float) -> np.ndarray:
    """``x + strength * (fx - x)`` in float32; ``fx`` itself at strength 1."""
    if strength == 1.0:
        return fx
    return x + np.float32(strength) * (fx - x)


def look_codes(x: np.ndarray, fx: np.ndarray, strength: float, bit_depth: int) -> tuple[np.ndarray, int]:
    """Codes of the graded colours: ``to_codes(blend(x, fx, strength))`` (module docstring).

    Args:
        x: float32 (M, 3) original colours, ``code / top``.
        fx: float32 (M, 3) the look's output for them (:func:`evaluate`).
        strength: 0..1.
        bit_depth: 8 or 16.

    Returns:
        (codes, clipped) as :func:`lutlearn.codes.to_codes`.
    """
    return to_codes(blend(x, fx, strength), bit_depth)


class ColourCache:
    """The look's rounded 8-bit result for every 8-bit colour met so far.

    The cache belongs to one look at one strength: :func:`render` refuses a
    cache made for another.

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

    def serves(self, fn: ColourFn, strength: float) -> bool:
        """Whether this cache holds ``fn`` at ``strength`` (a bound method equals another of the same look)."""
        return (fn is self.fn or fn == self.fn) and float(strength) == self.strength

    def _evaluate(self, codes: np.ndarray) -> np.ndarray:
        """Packed colour codes (M,) uint32 -> packed, rounded results with the known bit set."""
        x = key_values(codes)
        values, clipped = look_codes(x, evaluate(self.fn, x), self.strength, 8)
        with self._lock:
            self.evaluated += codes.size
            self.clipped += clipped
        return pack_rgb8(values) | _KNOWN


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
    """src: uint16 (``top`` 65535) or float32 (``top`` None: never rounded) (P, 3); dst likewise.

    Evaluates ``fn`` per pixel. Returns the number of pixels clipped.
    """
    clipped = [0]
    lock = threading.Lock()

    def work(a: int, b: int) -> None:
        x = from_codes(src[a:b])
        fx = evaluate(fn, x)
        if top is None:
            dst[a:b] = blend(x, fx, strength)
            return
        dst[a:b], c = look_codes(x, fx, strength, 16)
        with lock:
            clipped[0] += c

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
        cache: for uint8 input, a :class:`ColourCache` of this ``fn`` at this
            ``strength`` to reuse across images (default: a new one).

    Returns:
        A new array of ``rgb``'s shape and dtype: rounded codes (or floats).

    Raises:
        LutlearnError: bad shape, dtype or strength, or a ``cache`` made for
            another look or strength.

    >>> lift = lambda c: np.minimum(c + 0.5, 1.0)
    >>> render(np.array([[0, 100, 255]], np.uint8), lift, threads=1).tolist()
    [[128, 228, 255]]
    """
    if rgb.shape[-1:] != (3,):
        raise LutlearnError(f"expected an image of shape (..., 3), got {rgb.shape}")
    if not 0.0 <= strength <= 1.0:
        raise LutlearnError(f"strength must be in 0..1, got {strength}")
    if cache is not None and not cache.serves(fn, strength):
        raise LutlearnError(f"the colour cache holds another look or strength ({cache.strength}) than the one "
                            f"asked for ({strength}); make one ColourCache per look and strength")
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
