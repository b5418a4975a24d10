"""Apply a colour function to whole images of integer codes: exact, fast, lean.

The look is any function ``fn(rgb float32 (M, 3)) -> float32 (M, 3)`` on
colours in [0, 1]. A look at strength ``s`` turns a pixel of codes ``p`` into::

    x     = p / top                                   (float32; lutlearn.codes)
    y     = x + s * (fn(x) - x)                       (float32; y = fn(x) when s = 1)
    codes = clip(rint(top * y), 0, top)

:func:`look_codes` is that one definition; everything that grades pixels
(this module, ``lutlearn apply``, ``lutlearn suggest``) goes through it. A LUT
look may also hand over a compiled kernel (:mod:`lutlearn.luts.kernel`) that
computes the same codes bit for bit, only faster.

- **8-bit images** have at most 2^24 distinct colours. :func:`render` marks the
  colours present in one pass (a 16 MB flag table), evaluates the look once on
  exactly those not yet in the :class:`ColourCache` (a 64 MB table of packed
  results, which a batch of images shares), then gathers every pixel's result
  in a second pass. Equal to evaluating ``fn`` on every pixel and rounding.
- **16-bit and float images** go through the compiled kernel in strips (XLA
  spreads each strip over every core), or, for a look without one (a learned
  model), through ``fn`` chunk by chunk on ``threads`` threads.

Why the 8-bit passes are laid out as they are (measured on a 2-core EPYC VM
shared with other work): they are memory-bound numpy loops, so each must touch
few bytes and never allocate. Every worker thread owns its scratch buffers (an
allocation of 256 KB or more per chunk is an ``mmap``/``munmap`` pair, a page
fault per 4 KB and a lock both threads share), takes chunks from a shared
counter (a core taken by another process simply does fewer), reads pixel codes
straight into ``intp`` (numpy converts uint32 indices to intp on every call,
holding the GIL) and, after the prefill, gathers without checking for missing
entries. Peak memory is the input, the output (or neither: ``out`` may be the
input itself) and the 80 MB of tables.
"""

from __future__ import annotations

import itertools
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

from lutlearn.codes import distinct, from_codes, key_values, pack_rgb8, round_scaled, to_codes
from lutlearn.errors import LutlearnError, LutlearnWarning
from lutlearn.luts.tabulated import TabulatedLut, apply_codes

__all__ = ["ColourCache", "render", "evaluate", "blend", "look_codes", "CHUNK"]

CHUNK = 1 << 16  # pixels per task of a per-pixel pass: its scratch (768 KB) stays in the L2 cache
SMALL = 1 << 18  # images with fewer pixels find their distinct colours by sorting, not with the flag table
KERNEL_MIN = 1 << 16  # fewer colours or pixels than this take the numpy path: no compile for small work
FILL_STRIP = 1 << 18  # colours per compiled-kernel call when filling the 8-bit cache
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
        kernel: optional :class:`~lutlearn.luts.kernel.LutKernel` of the same
            look, used instead of ``fn`` for big fills (same results, bit for bit).

    Attributes:
        table: uint32 (2^24,) indexed ``r | g << 8 | b << 16``; an entry is the
            packed result ``r | g << 8 | b << 16 | 1 << 24``, or 0 if not computed
            yet (zeroed pages cost nothing until touched).
        evaluated: how many colours the look was evaluated on.
        clipped: how many of them left [0, 1] by more than half a code.
    """

    def __init__(self, fn: ColourFn, strength: float = 1.0, kernel=None):
        self.fn, self.strength, self.kernel = fn, float(strength), kernel
        self.table = np.zeros(1 << 24, dtype=np.uint32)
        self.evaluated = self.clipped = 0
        self._lock = threading.Lock()

    def serves(self, fn: ColourFn, strength: float) -> bool:
        """Whether this cache holds ``fn`` at ``strength`` (a bound method equals another of the same look)."""
        return (fn is self.fn or fn == self.fn) and float(strength) == self.strength

    def fill(self, codes: np.ndarray, threads: int = 2) -> None:
        """Evaluate the look on packed colours ``codes`` (M,) uint32 (distinct, not known yet) and store them."""
        if codes.size == 0:
            return
        if self.kernel is not None and codes.size >= KERNEL_MIN:
            self._fill_kernel(codes)
        else:
            _run(lambda a, b: self._store(codes[a:b], *self._evaluate(codes[a:b])), codes.size, threads)
        with self._lock:
            self.evaluated += codes.size

    def _evaluate(self, codes: np.ndarray) -> tuple[np.ndarray, int]:
        x = key_values(codes)
        return look_codes(x, evaluate(self.fn, x), self.strength, 8)

    def _store(self, codes: np.ndarray, values: np.ndarray, clipped: int) -> None:
        """Store rounded results (M, 3) uint8 for packed colours ``codes`` (M,)."""
        self.table[codes] = pack_rgb8(values) | _KNOWN
        if clipped:
            with self._lock:
                self.clipped += clipped

    def _fill_kernel(self, codes: np.ndarray) -> None:
        from lutlearn.luts.kernel import kernel_packed8

        padded = np.zeros(-(-codes.size // FILL_STRIP) * FILL_STRIP, np.uint32)  # one compiled shape
        padded[: codes.size] = codes
        for a in range(0, codes.size, FILL_STRIP):
            m = min(FILL_STRIP, codes.size - a)
            out = np.asarray(kernel_packed8(self.kernel, padded[a : a + FILL_STRIP], self.strength))[:m]
            if self.kernel.in_range:
                self.table[codes[a : a + m]] = out
            else:
                self._store(codes[a : a + m], *round_scaled(out.copy(), 8))


def _run(work: Callable, n: int, threads: int, chunk: int = CHUNK, setup: Callable | None = None) -> None:
    """Call ``work(a, b)`` on spans of ``chunk`` items covering 0..n, on ``threads`` threads.

    Spans are handed out from a shared counter, so a thread slowed by another
    process simply takes fewer. ``setup()``, if given, runs once per thread and
    its result is passed on as ``work(a, b, scratch)``.
    """
    spans = -(-n // chunk)
    counter = itertools.count()  # next() on it is atomic under the GIL

    def worker() -> None:
        scratch = () if setup is None else (setup(),)
        while (k := next(counter)) < spans:
            work(k * chunk, min(k * chunk + chunk, n), *scratch)

    threads = max(1, min(threads, spans))
    if threads == 1:
        worker()
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()


class _Codes:
    """Packed colours ``r | g << 8 | b << 16`` of an 8-bit image (P, 3), read a chunk at a time.

    Pixels are read as overlapping little-endian uint32 at a stride of 3 bytes
    (one pass), the spare byte of the next pixel masked off. A chunk whose
    spare byte would lie past the array (the last) or a non-contiguous image is
    copied into a padded buffer first.
    """

    def __init__(self, src: np.ndarray):
        self.src, self.n = src, src.shape[0]
        self.flat = src.reshape(-1) if src.flags.c_contiguous else None

    def into(self, a: int, b: int, out: np.ndarray) -> np.ndarray:
        """Codes of pixels a..b as intp, written into ``out`` (scratch of at least b - a); returns the view."""
        m = b - a
        if self.flat is not None and b < self.n:
            words = np.ndarray((m,), dtype="<u4", buffer=self.flat, offset=3 * a, strides=(3,))
        else:
            buf = np.zeros(3 * m + 1, np.uint8)
            buf[: 3 * m] = self.src[a:b].reshape(-1)
            words = np.ndarray((m,), dtype="<u4", buffer=buf, strides=(3,))
        codes = out[:m]
        codes[...] = words
        codes &= 0xFFFFFF
        return codes


def _distinct(codes: _Codes, threads: int) -> np.ndarray:
    """The distinct packed colours of the image, sorted, as uint32."""
    n = codes.n
    if n < SMALL:
        return distinct(codes.into(0, n, np.empty(n, np.intp)).astype(np.uint32))
    present = np.zeros(1 << 24, np.bool_)

    def mark(a: int, b: int, scratch: np.ndarray) -> None:
        present[codes.into(a, b, scratch)] = True  # racing threads write the same value

    _run(mark, n, threads, setup=lambda: np.empty(CHUNK, np.intp))
    parts: list = [None] * 8  # the 16 MB scan, split over the threads too
    step = (1 << 24) // len(parts)

    def scan(a: int, b: int) -> None:
        parts[a // step] = np.flatnonzero(present[a:b]).astype(np.uint32) + np.uint32(a)

    _run(scan, 1 << 24, threads, chunk=step)
    return np.concatenate(parts)


def _render8(src: np.ndarray, dst: np.ndarray, cache: ColourCache, threads: int) -> None:
    """src, dst: uint8 (P, 3), dst C-contiguous (it may be src); dst = the cached result of each pixel of src."""
    codes = _Codes(src)
    need = _distinct(codes, threads)
    if cache.evaluated:
        need = need[cache.table.take(need) == 0]
    cache.fill(need, threads)
    table, flat_dst = cache.table, dst.reshape(-1)

    def gather(a: int, b: int, scratch) -> None:
        index, result = scratch
        m = b - a
        got = table.take(codes.into(a, b, index), out=result[:m])  # every entry is known after the fill
        if m > 1:  # overlapping uint32 writes, ascending: each spills a byte that the next one sets
            np.ndarray((m - 1,), dtype="<u4", buffer=flat_dst, offset=3 * a, strides=(3,))[...] = got[:-1]
        flat_dst[3 * (b - 1) : 3 * b] = got[-1:].view(np.uint8)[:3]  # never into another thread's chunk

    _run(gather, codes.n, threads, setup=lambda: (np.empty(CHUNK, np.intp), np.empty(CHUNK, np.uint32)))


def _render_kernel(src: np.ndarray, dst: np.ndarray, kernel, strength: float) -> int:
    """src, dst: uint16 or float32 (P, 3); the compiled kernel in strips, two in flight. Returns pixels clipped."""
    from lutlearn.luts.kernel import STRIP, kernel_codes, kernel_floats

    n, codes = src.shape[0], src.dtype != np.float32
    strip = min(STRIP, 1 << int(n - 1).bit_length())  # a power of two: few compiled shapes
    last = np.zeros((strip, 3), src.dtype)  # the final, shorter strip is padded to the same shape
    pending: list = []
    clipped = 0

    def finish(a: int, b: int, result) -> int:
        out = np.asarray(result)[: b - a]
        if not codes or kernel.in_range:
            dst[a:b] = out
            return 0
        dst[a:b], c = round_scaled(out.copy(), 16)
        return c

    for a in range(0, n, strip):
        b = min(a + strip, n)
        piece = np.ascontiguousarray(src[a:b])
        if b - a < strip:
            last[: b - a] = piece
            piece = last
        run = kernel_codes if codes else kernel_floats
        pending.append((a, b, run(kernel, piece, strength)))
        if len(pending) > 1:  # copy out the previous strip while this one computes
            clipped += finish(*pending.pop(0))
    for item in pending:
        clipped += finish(*item)
    return clipped


def _run_counting(work: Callable[[int, int], int], n: int, threads: int) -> int:
    """:func:`_run` for per-span work that returns how many pixels it clipped; returns their sum."""
    clipped = [0]
    lock = threading.Lock()

    def counted(a: int, b: int) -> None:
        c = work(a, b)
        if c:
            with lock:
                clipped[0] += c

    _run(counted, n, threads)
    return clipped[0]


def _render_tabulated(src: np.ndarray, dst: np.ndarray, tab: TabulatedLut, strength: float, threads: int) -> int:
    """src, dst: uint16 (P, 3); the per-code tables of :mod:`lutlearn.luts.tabulated`. Returns pixels clipped."""
    return _run_counting(lambda a, b: apply_codes(tab, src[a:b], dst[a:b], strength), src.shape[0], threads)


def _render_direct(src, dst, fn, strength: float, threads: int) -> int:
    """src, dst: uint16 codes or float32 values (never rounded) (P, 3); ``fn`` per pixel. Returns pixels clipped."""

    def work(a: int, b: int) -> int:
        x = from_codes(src[a:b])
        fx = evaluate(fn, x)
        if src.dtype == np.float32:
            dst[a:b] = blend(x, fx, strength)
            return 0
        dst[a:b], c = look_codes(x, fx, strength, 16)
        return c

    return _run_counting(work, src.shape[0], threads)


def render(rgb: np.ndarray, fn: ColourFn, *, strength: float = 1.0, threads: int = 2,
           cache: ColourCache | None = None, kernel=None, out: np.ndarray | None = None) -> np.ndarray:
    """Apply ``fn`` to an image of codes.

    Args:
        rgb: (..., 3) uint8 or uint16 codes, or float32 values in [0, 1].
        fn: the look, float32 (M, 3) -> float32 (M, 3).
        strength: 0..1, blend of the look with the original.
        threads: worker threads (the compiled kernel uses every core by itself).
        cache: for uint8 input, a :class:`ColourCache` of this ``fn`` at this
            ``strength`` to reuse across images (default: a new one).
        kernel: optional :class:`~lutlearn.luts.kernel.LutKernel` computing
            ``fn`` exactly (a LUT look's, ``LatticeLook.kernel``); used for
            16-bit and float images of at least 2^16 pixels and to fill a new
            8-bit cache. Or a :class:`~lutlearn.luts.tabulated.TabulatedLut`
            of the same look (``LatticeLook.tabulated``): the numpy kernel for
            16-bit images, same codes as ``fn``.
        out: optional C-contiguous array of ``rgb``'s shape and dtype for the
            result; it may be ``rgb`` itself (every pixel is read before it is
            written), which saves a full-size array.

    Returns:
        ``out``, or a new array of ``rgb``'s shape and dtype: rounded codes (or floats).

    Raises:
        LutlearnError: bad shape, dtype, strength or ``out``, or a ``cache`` made
            for another look or strength.

    >>> lift = lambda c: np.minimum(c + 0.5, 1.0)
    >>> render(np.array([[0, 100, 255]], np.uint8), lift, threads=1).tolist()
    [[128, 228, 255]]
    """
    if rgb.shape[-1:] != (3,):
        raise LutlearnError(f"expected an image of shape (..., 3), got {rgb.shape}")
    if not 0.0 <= strength <= 1.0:
        raise LutlearnError(f"strength must be in 0..1, got {strength}")
    if rgb.dtype not in (np.uint8, np.uint16, np.float32):
        raise LutlearnError(f"expected uint8, uint16 or float32 pixels, got {rgb.dtype}")
    if cache is not None and not cache.serves(fn, strength):
        raise LutlearnError(f"the colour cache holds another look or strength ({cache.strength}) than the one "
                            f"asked for ({strength}); make one ColourCache per look and strength")
    if out is not None and (out.shape != rgb.shape or out.dtype != rgb.dtype or not out.flags.c_contiguous):
        raise LutlearnError(f"out must be a C-contiguous {rgb.dtype} array of shape {rgb.shape}, "
                            f"got {out.dtype} {out.shape}")
    src = rgb.reshape(-1, 3)
    dst = np.empty(src.shape, rgb.dtype) if out is None else out.reshape(-1, 3)
    clipped, unit = 0, "pixels"
    if src.shape[0] == 0:
        pass
    elif rgb.dtype == np.uint8:
        cache = cache or ColourCache(fn, strength, None if isinstance(kernel, TabulatedLut) else kernel)
        before = cache.clipped
        _render8(src, dst, cache, threads)
        clipped, unit = cache.clipped - before, "colours"
    elif isinstance(kernel, TabulatedLut):
        if rgb.dtype == np.uint16:
            clipped = _render_tabulated(src, dst, kernel, strength, threads)
        else:
            clipped = _render_direct(src, dst, fn, strength, threads)
    elif kernel is not None and src.shape[0] >= KERNEL_MIN:
        clipped = _render_kernel(src, dst, kernel, strength)
    else:
        clipped = _render_direct(src, dst, fn, strength, threads)
    if clipped:
        warnings.warn(f"{clipped} {unit} outside [0, 1] after the look were clipped", LutlearnWarning, stacklevel=2)
    return out if out is not None else dst.reshape(rgb.shape)

