"""Compiled 3D LUT kernels (XLA through JAX) for whole images: fast, and bit-identical to the numpy kernel.

:func:`compile_lut` lays a :class:`~lutlearn.luts.lut.LUT3D` (or a
:class:`~lutlearn.luts.shaper.ShaperLUT`) out for the kernels;
:func:`kernel_codes`, :func:`kernel_packed8` and :func:`kernel_floats` apply it
to a strip of 16-bit or 8-bit codes, packed 8-bit colours, or floats. Each is
one fused, jitted function (:mod:`lutlearn.luts.fused`, where the exactness is
explained) that XLA spreads over every core by itself. Callers feed strips of
:data:`STRIP` pixels: memory stays flat and the kernel's own stored vertices
and weights stay in the L3 cache. Measured on a 2-core EPYC: ~150 Mpx/s for
16-bit RGB (the numpy kernel on two threads: ~60; ffmpeg's lut3d on one: ~39).

Start-up. Tracing, lowering and compiling a kernel takes 0.2-0.6 s; loading a
serialized one ~15 ms. With ``cache_dir`` the compiled executables are kept on
disk, keyed by the JAX and jaxlib versions, the CPU's flags, the kernel's own
source (:mod:`lutlearn.luts.fused`: an executable of an older lutlearn is never
loaded), the static choices and the strip shape (the table is an argument: one
executable serves every LUT of a size). Importing JAX itself costs 0.3-0.6 s, which is why callers choose
between this and the numpy kernel (``LatticeLook.engine``).

The kernels run on the CPU backend, whatever else JAX sees. No module-level
state: the kernel's per-code tables and loaded executables live on the
:class:`LutKernel` value the caller keeps.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pickle
import platform
from collections.abc import Callable
from pathlib import Path

import numpy as np

from lutlearn.codes import code_max
from lutlearn.errors import LutlearnError
from lutlearn.images.atomic import atomic_write
from lutlearn.luts.lut import LUT3D
from lutlearn.luts.shaper import ShaperLUT, code_coords, lattice_stages

__all__ = ["STRIP", "LutKernel", "compile_lut", "kernel_codes", "kernel_floats", "kernel_packed8"]

STRIP = 1 << 18  # pixels per kernel call: its stored vertices and weights (8-16 MB) stay in the L3 cache


@dataclasses.dataclass(frozen=True, eq=False)
class LutKernel:
    """A 3D LUT laid out for the compiled kernels (made by :func:`compile_lut`).

    Attributes:
        rows: jax float32 array (N³, 4) on the CPU: the table [b, g, r] flattened
            red fastest, one 16-byte row per node (the 4th column is 0).
        size: N, nodes per axis.
        method: "tetrahedral" or "trilinear".
        pre: numpy function float32 (M, 3) -> float32 (M, 3) from input colours
            to lattice coordinates (shaper, then domain scaling), or None for
            the identity.
        in_range: every table value lies in [0, 1], so no result can be
            clipped and the kernel rounds to codes itself.
        cache_dir: folder for compiled executables, or None.
    """

    rows: object
    size: int
    method: str
    pre: Callable[[np.ndarray], np.ndarray] | None
    in_range: bool
    cache_dir: Path | None = None

    def code_tables(self, dtype) -> np.ndarray:
        """float32 (3, top + 1): the lattice coordinate of every channel code, by the numpy reference itself.

        ``code / top`` (as :func:`lutlearn.codes.from_codes`), then ``pre``;
        zeros (3, 1) when there is no ``pre`` (the kernel divides itself).
        """
        if self.pre is None:
            return np.zeros((3, 1), np.float32)
        cached = self.__dict__.setdefault("_tables", {})
        key = np.dtype(dtype)
        if key not in cached:
            cached[key] = code_coords(self.pre, 8 * key.itemsize)
        return cached[key]


def compile_lut(lut: LUT3D | ShaperLUT, method: str = "tetrahedral",
                cache_dir: str | os.PathLike | None = None) -> LutKernel:
    """Lay out a 3D LUT (or a shaper + 3D LUT) for the compiled kernels; imports JAX.

    Args:
        lut: a :class:`LUT3D` or :class:`ShaperLUT`.
        method: "tetrahedral" or "trilinear".
        cache_dir: where compiled executables are kept between processes
            (``lutlearn.paths.cache_dir() / "xla"``); None: compile in every process.

    Returns:
        A :class:`LutKernel`; nothing is compiled until a kernel is first called.

    Raises:
        TypeError: another LUT type (1D curves stay with numpy).
        ValueError: another method.
    """
    import jax

    stages = lattice_stages(lut, method)
    lattice = stages.lattice
    n = lattice.size
    rows = np.zeros((n**3, 4), np.float32)
    rows[:, :3] = lattice.table.reshape(-1, 3)
    pre = stages.per_channel
    in_range = bool(lattice.table.min() >= 0.0 and lattice.table.max() <= 1.0)
    cpu = jax.devices("cpu")[0]
    return LutKernel(jax.device_put(rows, cpu), n, method, pre, in_range,
                     None if cache_dir is None else Path(cache_dir))


def kernel_codes(kernel: LutKernel, codes: np.ndarray, strength: float = 1.0):
    """Apply the LUT to integer codes; asynchronous (returns before the work is done).

    Args:
        kernel: from :func:`compile_lut`.
        codes: uint8 or uint16 (M, 3), C-contiguous (a strip; pad the last one
            to the same length so one compiled kernel serves every strip).
        strength: 0..1, blend with the original colour.

    Returns:
        A jax array: when ``kernel.in_range``, codes (M, 3) of ``codes``' dtype;
        otherwise float32 (M, 3) values scaled to codes, for
        :func:`lutlearn.codes.round_scaled`. Either way equal, bit for bit, to
        ``look_codes(x, lut.apply(x), strength, bits)`` with ``x = code / top``.
    """
    dtype = np.dtype(codes.dtype)
    statics = ("codes", kernel.size, kernel.method, strength != 1.0, code_max(8 * dtype.itemsize),
               kernel.in_range, kernel.pre is not None)
    return _call(kernel, statics, kernel.rows, kernel.code_tables(dtype), np.float32(strength), np.int32(0), codes)


def kernel_packed8(kernel: LutKernel, packed: np.ndarray, strength: float = 1.0):
    """Apply the LUT to packed 8-bit colours ``r | g << 8 | b << 16`` (M,) uint32; asynchronous.

    Returns:
        A jax array: when ``kernel.in_range``, the packed rounded results (M,)
        uint32 with bit 24 set (the entries of a ``ColourCache`` table);
        otherwise float32 (M, 3) values scaled to codes, as :func:`kernel_codes`.
    """
    statics = ("packed8", kernel.size, kernel.method, strength != 1.0, 255.0, kernel.in_range, kernel.pre is not None)
    return _call(kernel, statics, kernel.rows, kernel.code_tables(np.uint8), np.float32(strength), np.int32(0),
                 packed)


def kernel_floats(kernel: LutKernel, rgb: np.ndarray, strength: float = 1.0):
    """Apply the LUT to float32 colours (M, 3); the result float32 (M, 3) jax array (asynchronous), unclipped."""
    coords = rgb if kernel.pre is None else np.asarray(kernel.pre(rgb), np.float32)
    statics = ("floats", kernel.size, kernel.method, strength != 1.0, 0.0, False, False)
    return _call(kernel, statics, kernel.rows, np.float32(strength), np.int32(0), rgb, coords)


def _call(kernel: LutKernel, statics: tuple, *args):
    """Run the kernel for ``statics`` on ``args``: compiled once per shape, kept on ``kernel`` (and on disk)."""
    key = (statics, tuple((a.shape, str(a.dtype)) for a in args))
    executables = kernel.__dict__.setdefault("_executables", {})
    exe = executables.get(key)
    if exe is None:
        exe = executables[key] = _executable(statics, args, kernel.cache_dir)
    return exe(*args)


def _executable(statics: tuple, args, cache_dir: Path | None):
    """A compiled kernel for the CPU: loaded from ``cache_dir`` if there, else traced and compiled (and saved)."""
    import jax
    import jaxlib
    from jax.experimental import serialize_executable

    from lutlearn.luts.fused import build

    def compile_it():
        with jax.default_device(jax.devices("cpu")[0]):
            return jax.jit(build(*statics)).lower(*args).compile()

    if cache_dir is None:
        return compile_it()
    ident = repr((jax.__version__, jaxlib.__version__, platform.machine(), _cpu_flags(), _source_digest(), statics,
                  [(a.shape, str(a.dtype)) for a in args]))
    path = Path(cache_dir) / f"lutkernel-{hashlib.sha256(ident.encode()).hexdigest()[:24]}.bin"
    if path.is_file():
        with contextlib.suppress(Exception):  # a stale or damaged entry is compiled again and replaced
            return serialize_executable.deserialize_and_load(*pickle.loads(path.read_bytes()))
    compiled = compile_it()
    with contextlib.suppress(OSError, LutlearnError):  # a read-only or full cache folder only costs a compile
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as tmp:  # no half-written entry, and no temporary left when the write fails
            Path(tmp).write_bytes(pickle.dumps(serialize_executable.serialize(compiled)))
    return compiled


def _source_digest() -> str:
    """SHA-256 of the code that builds the kernels: a cached executable is only as current as this."""
    from lutlearn.luts import fused

    digest = hashlib.sha256(Path(fused.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def _cpu_flags() -> str:
    """The CPU's feature flags (a compiled executable may use any of them)."""
    try:
        with open("/proc/cpuinfo") as f:
            return next((line for line in f if line.startswith("flags")), "")
    except OSError:
        return platform.processor()
