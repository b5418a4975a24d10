"""Apply a look to photo files: one file, or a batch on both cores.

:func:`apply_to_file` decodes a photo once as integer codes, renders it through
the look (:mod:`lutlearn.looks.render`) in place (no second full-size array) and
writes it at the same bit depth, stored as the input was (TIFF compression,
JPEG tables: :class:`~lutlearn.images.container.Container`), with its ICC
profile, EXIF (orientation included, never applied), DPI and alpha unchanged.
A LUT look computes 16-bit and float photos with its compiled kernel when its
engine says so (``LatticeLook.kernel``); the results are the same either way.
:func:`apply_batch` runs it over many files; a file that fails, for whatever
reason, is reported and skipped, and the rest are done; a batch asked to stop
finishes the files it began and starts no more.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import glob
import os
import warnings
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from lutlearn import filekinds
from lutlearn.codes import convert_depth
from lutlearn.errors import LutlearnError, LutlearnWarning
from lutlearn.images import check_output, check_output_path, preflight_writable, read_image, write_image
from lutlearn.looks.look import Look
from lutlearn.looks.render import ColourCache, render

__all__ = ["apply_to_file", "apply_batch", "expand_inputs", "plan_outputs", "BatchResult"]


def apply_to_file(src: str | os.PathLike, look: Look, dst: str | os.PathLike, *, strength: float = 1.0,
                  quality: int | None = None, bit_depth: int | None = None, overwrite: bool = False,
                  threads: int = 2, cache: ColourCache | None = None, png: str = "fast", files: int = 1) -> Path:
    """Apply ``look`` to the photo ``src`` and write the result to ``dst``.

    Args:
        src: PNG, JPEG or TIFF, 8- or 16-bit (float TIFF with ``bit_depth``).
        look: anything with ``apply(float32 (M, 3)) -> float32 (M, 3)``
            (see :func:`lutlearn.looks.resolve.resolve_look`), and optionally
            ``kernel(pixels)`` (a compiled kernel computing the same).
        dst: output path; the format follows its extension. Never ``src``.
        strength: 0..1, blend of the look with the original.
        quality: JPEG quality 1..100 (JPEG output only); default: a JPEG
            input's own tables and subsampling, else 95.
        bit_depth: output bit depth, 8 or 16; default: the input's.
        overwrite: replace an existing ``dst`` (never an input).
        threads: worker threads for the pixels and the codecs.
        cache: a :class:`ColourCache` of this look and strength, shared by a batch.
        png: PNG output compression, "fast" or "small" (see :func:`lutlearn.images.write_image`).
        files: how many photos like this one the caller is doing (a batch's
            size): the compiled kernel's start-up pays off on more work.

    Returns:
        ``dst`` as a Path.

    Raises:
        LutlearnError: unreadable input, unwritable output, bad arguments.
    """
    src, dst = Path(src), Path(dst)
    check_output(dst, [src], overwrite=overwrite, probe=False)  # the folder was tried by plan_outputs
    image = read_image(src, codes=True, threads=threads)
    for note in image.notes:  # CMYK converted, extra frames dropped...
        warnings.warn(f"{src}: {note}", LutlearnWarning, stacklevel=2)
    depth = bit_depth or image.bit_depth
    if depth not in (8, 16):
        raise LutlearnError(f"{src}: its pixels are not 8- or 16-bit codes (read as {image.bit_depth}-bit float); "
                            "give an output bit depth (--bit-depth 8 or 16)")
    if depth == 16 and dst.suffix.lower() in (".jpg", ".jpeg"):
        raise LutlearnError(f"{dst}: JPEG is 8-bit only and {src} is {image.bit_depth}-bit (pass --bit-depth 8)")
    if image.alpha is not None and dst.suffix.lower() in (".jpg", ".jpeg"):
        warnings.warn(f"{src}: JPEG has no alpha channel; it was dropped", LutlearnWarning, stacklevel=2)
    rgb = _render(image.rgb, look, strength, threads, cache, files)
    rgb_out = convert_depth(rgb, depth)
    # a copy of its own: a view would keep the whole decoded input (4 channels) alive through the write
    alpha_out = None if image.alpha is None else np.ascontiguousarray(convert_depth(image.alpha, depth))
    meta = dict(icc_profile=_rgb_profile(image.icc_profile, src), exif=image.exif, dpi=image.dpi)
    container = image.container
    del image, rgb  # the input's memory is free before the encoder takes its own copy
    return write_image(dst, rgb_out, bit_depth=depth, alpha=alpha_out, quality=quality, container=container,
                       png=png, threads=threads, **meta)


def _render(rgb: np.ndarray, look: Look, strength: float, threads: int, cache: ColourCache | None,
            files: int) -> np.ndarray:
    """The look on decoded codes, in place when the decoder's array allows (it is ours: nobody else sees it)."""
    out = rgb if rgb.flags.c_contiguous and rgb.flags.writeable else None
    if rgb.dtype == np.uint8:
        cache = cache or ColourCache(look.apply, strength, _kernel(look, 0))
        return render(rgb, look.apply, strength=strength, threads=threads, cache=cache, out=out)
    kernel = _kernel(look, rgb.size // 3 * files)
    if kernel is None and rgb.dtype == np.uint16:
        kernel = look.tabulated()  # no JAX to import: the numpy kernel by code tables
    return render(rgb, look.apply, strength=strength, threads=threads, kernel=kernel, out=out)


def _kernel(look: Look, pixels: int):
    """The look's compiled kernel for ``pixels`` of 16-bit/float work, or None (any look without one)."""
    offer = getattr(look, "kernel", None)
    return offer(pixels) if offer is not None else None


def _rgb_profile(icc: bytes | None, src: Path) -> bytes | None:
    """The ICC profile if it describes RGB data; a grey or CMYK one cannot travel with RGB output."""
    if icc is None or icc[16:20] == b"RGB ":
        return icc
    space = icc[16:20].decode("ascii", "replace").strip()
    warnings.warn(f"{src}: its {space} ICC profile was not copied to the RGB output", LutlearnWarning, stacklevel=3)
    return None


def expand_inputs(specs: Iterable[str | os.PathLike]) -> list[Path]:
    """Files, folders (their image files, not recursive) and glob patterns -> files, in order, no repeats.

    Raises:
        LutlearnError: a spec that names nothing.
    """
    found: list[Path] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            matches = sorted(p for p in path.iterdir() if p.is_file() and filekinds.kind_of(p, "image"))
        elif path.exists():
            matches = [path]
        else:
            matches = sorted(Path(p) for p in glob.glob(str(spec)) if Path(p).is_file())
        if not matches:
            raise LutlearnError(f"{spec}: no such file, or no image files there")
        found.extend(matches)
    unique = {p.resolve(): p for p in reversed(found)}
    return [p for p in found if unique.get(p.resolve()) is p]


def plan_outputs(inputs: list[Path], output: str | os.PathLike | None = None,
                 out_dir: str | os.PathLike | None = None, suffix: str = "", *,
                 overwrite: bool = False) -> list[tuple[Path, Path]]:
    """Pair each input with its output path, checking every output before any work is done.

    Args:
        inputs: photo files.
        output: the output file, for exactly one input.
        out_dir: the output folder, for any number of inputs; outputs keep the
            input's name (plus ``suffix`` before the extension, if given).
        overwrite: whether outputs that exist may be replaced (never an input).

    Raises:
        LutlearnError: both or neither given, -o with several inputs, two inputs
            with one output name, an output that would overwrite an input, one
            that exists without ``overwrite``, or an output folder that cannot be
            made or written (checked with a test write; ``out_dir`` is created).
    """
    if (output is None) == (out_dir is None):
        raise LutlearnError("give either -o/--output FILE (one photo) or --out-dir DIR (any number)")
    if output is not None:
        if len(inputs) != 1:
            raise LutlearnError(f"-o/--output takes one photo, got {len(inputs)} (use --out-dir for several)")
        pairs = [(inputs[0], Path(output))]
    else:
        folder = Path(out_dir)
        if folder.exists() and not folder.is_dir():
            raise LutlearnError(f"{folder}: not a folder")
        pairs = [(p, folder / f"{p.stem}{suffix}{p.suffix}") for p in inputs]
    seen: dict[Path, Path] = {}
    for src, dst in pairs:
        key = dst.resolve()
        if key in seen:
            raise LutlearnError(f"{dst}: both {seen[key]} and {src} would be written there")
        seen[key] = src
        check_output_path(dst, inputs)
        if dst.exists() and not overwrite:
            raise LutlearnError(f"{dst}: exists (pass --overwrite to replace it)")
    if out_dir is not None:
        preflight_writable(out_dir, create=True)
    else:
        check_output(pairs[0][1], inputs, overwrite=overwrite)
    return pairs


@dataclasses.dataclass
class BatchResult:
    """What a batch did.

    Attributes:
        written: (input, output) for each file done, in input order.
        failed: (input, message) for each file that failed.
        total: the number of files the batch was given.
        stopped: True when it was asked to stop before every file was tried.
    """

    written: list[tuple[Path, Path]] = dataclasses.field(default_factory=list)
    failed: list[tuple[Path, str]] = dataclasses.field(default_factory=list)
    total: int = 0
    stopped: bool = False

    def summary(self) -> str:
        """One line, e.g. ``applied to 9 of 10 files; 1 failed`` (``interrupted: ...`` when stopped)."""
        head = "interrupted: " if self.stopped else ""
        tail = f"; {len(self.failed)} failed" if self.failed else ""
        return f"{head}applied to {len(self.written)} of {self.total} files{tail}"


def apply_batch(pairs: list[tuple[Path, Path]], look: Look, *, jobs: int = 2,
                on_done: Callable[[Path, Path | None, str | None], None] | None = None,
                stop: Callable[[], bool] | None = None, **options) -> BatchResult:
    """Apply ``look`` to every (input, output) pair; failures are collected, not raised.

    Any exception while doing one file (an unreadable image, a full disk, out of
    memory, a bug) is that file's failure; the other files are still done.

    Args:
        pairs: from :func:`plan_outputs`.
        look: the look.
        jobs: files processed at once (each on one thread); one file alone uses ``jobs`` threads.
        on_done: called as ``on_done(src, dst or None, error message or None)`` after each file, in input order.
        stop: polled while files run; once it returns True, no further file starts, the
            running ones finish (their writes are atomic) and the result is ``stopped``.
        **options: passed to :func:`apply_to_file` (strength, quality, bit_depth, overwrite, png).

    Returns:
        A :class:`BatchResult`.
    """
    jobs = max(1, int(jobs))
    # 8-bit results shared by all files; filled by the compiled kernel only when JAX is loaded anyway
    cache = ColourCache(look.apply, options.get("strength", 1.0), _kernel(look, 0))
    threads = jobs if len(pairs) == 1 else 1
    result = BatchResult(total=len(pairs))
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(jobs, len(pairs)) or 1)
    try:
        futures = [pool.submit(apply_to_file, src, look, dst, threads=threads, cache=cache, files=len(pairs),
                               **options) for src, dst in pairs]
        for future, (src, dst) in zip(futures, pairs):
            error = _outcome(future, futures, stop, result)
            if error is _CANCELLED:
                continue
            if error is None:
                result.written.append((src, dst))
            else:
                result.failed.append((src, _message(src, dst, error)))
            if on_done is not None:
                on_done(src, dst if error is None else None, None if error is None else result.failed[-1][1])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # an exception here (a second Ctrl-C) starts nothing new
    return result


_CANCELLED = object()


def _outcome(future, futures, stop, result):
    """Wait for ``future``: its exception, None, or _CANCELLED. Once ``stop()`` is true, cancel what has not begun."""
    while True:
        if stop is not None and not result.stopped and stop():
            result.stopped = True
            for f in futures:
                f.cancel()  # only files not yet begun
        try:
            return future.exception(timeout=0.1)
        except concurrent.futures.TimeoutError:
            continue
        except concurrent.futures.CancelledError:
            return _CANCELLED


def _message(src: Path, dst: Path, e: BaseException) -> str:
    if isinstance(e, MemoryError):
        text = "out of memory"
    elif isinstance(e, LutlearnError):
        text = str(e) or type(e).__name__
    else:  # an OSError escaping a stage, or a bug: say what it was
        text = f"{type(e).__name__}: {e}"
    return text if str(src) in text or str(dst) in text else f"{src}: {text}"  # the CLI makes it one line
