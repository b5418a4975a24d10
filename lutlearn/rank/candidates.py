"""What ``suggest`` tries: the candidate looks and strengths, and every candidate applied to a photo's pixels.

A look at strength ``s`` grades an 8-bit pixel ``p`` as::

    x     = p / 255                                   (float32)
    y     = x + s * (look(x) - x)                     (float32; y = look(x) when s = 1)
    codes = clip(rint(255 * y), 0, 255)               (uint8)

which is what ``lutlearn apply --strength s`` writes to an 8-bit PNG
(:func:`lutlearn.looks.render.look_codes`).

>>> expand_strengths((0.3, 0.6))
((0.3, 0.6, 1.0), 2)
"""

from __future__ import annotations

import os
from typing import Callable, Sequence

import numpy as np

from lutlearn.codes import key_values, pack_rgb8
from lutlearn.errors import LutlearnError, LutlearnWarning
from lutlearn.looks.library import find_look, list_looks, load_info
from lutlearn.looks.render import evaluate, look_codes
from lutlearn.looks.resolve import is_look_name, resolve_look

__all__ = ["ORIGINAL", "parse_strengths", "expand_strengths", "load_candidates", "grade_pixels", "batch_size"]

ORIGINAL = "none"  # the look name of the "keep it as it is" entry of a ranking


def parse_strengths(text: str) -> tuple[float, ...]:
    """'0.5,1' -> (0.5, 1.0): distinct strengths in (0, 1], in the order given.

    Raises:
        LutlearnError: not numbers, or out of range.
    """
    try:
        values = [float(v) for v in str(text).replace(" ", "").split(",") if v]
    except ValueError:
        values = []
    if not values or any(not 0.0 < v <= 1.0 for v in values):
        raise LutlearnError(f"--strengths takes comma-separated numbers in (0, 1] like 0.5,1; got {text!r}")
    return tuple(dict.fromkeys(values))


def expand_strengths(strengths: Sequence[float]) -> tuple[tuple[float, ...], int]:
    """The strengths to grade: the requested ones, plus 1 when missing (the guards judge a look at full strength).

    Returns:
        (strengths to grade, index of the full-strength one in that tuple).
    """
    graded = tuple(strengths) if 1.0 in strengths else tuple(strengths) + (1.0,)
    return graded, graded.index(1.0)


def load_candidates(specs: Sequence[str] | None = None, method: str = "tetrahedral",
                    warn: Callable[[str], None] | None = None) -> list[tuple[str, object]]:
    """Load the candidate looks; a look whose file fails to load is reported and skipped.

    Args:
        specs: look names or look files (see :func:`lutlearn.looks.resolve.resolve_look`);
            None: every look of the library (:func:`lutlearn.looks.library.list_looks`).
        method: LUT interpolation.
        warn: called with a message for each look skipped (default: a LutlearnWarning).

    Returns:
        [(label, look)] in the order given; the label is the name, or the file name.

    Raises:
        LookError: a name that is no look at all. LutlearnError: no look could be
            loaded (the one look's own error, when only one was asked for).
    """
    warn = warn or _warn
    library = {info.name: info for info in list_looks()}
    specs = list(library) if specs is None else list(dict.fromkeys(specs))
    loaded, failed = [], []
    for spec in specs:
        if spec.lower() == ORIGINAL:
            warn(f"skipped look {spec!r}: {ORIGINAL!r} is the original photo in suggest's ranking; rename the look")
            continue
        is_name = is_look_name(spec)
        info = library.get(spec) or (find_look(spec) if is_name else None)  # an unknown name is an error
        try:
            look = load_info(info, method) if is_name else resolve_look(spec, method=method)
        except LutlearnError as e:
            failed.append((spec, e))
            continue
        label = spec if is_name else os.path.basename(spec)
        loaded.append((spec if any(label == other for other, _ in loaded) else label, look))
    if not loaded and len(failed) == 1:
        raise failed[0][1]  # the only look asked for: its error, once
    for spec, e in failed:
        warn(f"skipped look {spec!r}: {e}")
    if not loaded:
        raise LutlearnError("no look to try: " + ("every look failed to load" if specs else "the library is empty"))
    return loaded


def _warn(message: str) -> None:
    import warnings

    warnings.warn(message, LutlearnWarning, stacklevel=3)


def grade_pixels(pixels: np.ndarray, looks: Sequence[object], strengths: Sequence[float]) -> np.ndarray:
    """Every look at every strength applied to an 8-bit image, as the module docstring defines.

    The looks run once each on the image's distinct colours.

    Args:
        pixels: uint8 (H, W, 3).
        looks: objects with ``apply(float32 (M, 3)) -> float32 (M, 3)``.
        strengths: blends in (0, 1].

    Returns:
        uint8 (len(looks) * len(strengths), H, W, 3), look-major: look i at
        strength j is image ``i * len(strengths) + j``.
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[-1] != 3:
        raise LutlearnError(f"expected uint8 (H, W, 3) pixels, got {pixels.dtype} {pixels.shape}")
    keys, inverse = np.unique(pack_rgb8(pixels).reshape(-1), return_inverse=True)
    x = key_values(keys)
    out = np.empty((len(looks) * len(strengths),) + pixels.shape, np.uint8)
    with _one_blas_thread():
        for i, look in enumerate(looks):
            _grade_one(look, i, x, inverse.reshape(-1), strengths, out)
    return out


def _grade_one(look, i: int, x: np.ndarray, inverse: np.ndarray, strengths, out: np.ndarray) -> None:
    """Write look ``i`` at each strength, on distinct colours ``x`` (M, 3), into ``out`` (see grade_pixels)."""
    fx = evaluate(look.apply, x)
    for j, s in enumerate(strengths):
        codes = look_codes(x, fx, s, 8)[0]
        out[i * len(strengths) + j] = codes[inverse].reshape(out.shape[1:])


def _one_blas_thread():
    """Limit BLAS to one thread: the looks' small (M, 3) @ (3, 32) products run several times
    faster than with OpenBLAS's threads on a busy 2-core machine, and leave a core to the network."""
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:  # pragma: no cover
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def batch_size(n_looks: int, n_strengths: int) -> int:
    """Images per network call for one photo: the original plus every candidate, rounded up to even."""
    n = 1 + n_looks * n_strengths
    return n + n % 2
