"""Rank looks for a photo by predicted aesthetic gain: NIMA score of the graded photo minus the original's.

NIMA sees a photo as a 224 x 224 nearest-neighbour resize
(:func:`lutlearn.nima.nima_pixels`). A look acts on each pixel alone, so it
commutes with that resize: grading the 224 x 224 pixels gives exactly the
pixels NIMA would see in the graded full-size file. The candidate image of a
look at strength ``s`` is, per 8-bit pixel ``p``::

    x     = p / 255                                   (float32)
    y     = x + s * (look(x) - x)                     (float32; y = look(x) when s = 1)
    codes = clip(rint(255 * y), 0, 255)               (uint8)

which is what ``lutlearn apply --strength s`` writes to an 8-bit PNG
(:func:`lutlearn.looks.render.look_codes`), so a gain here equals ``lutlearn score`` of that file
minus the original's. (A 16-bit photo is read by NIMA at 8 bits and graded here
at 8 bits; a JPEG output adds its own compression.) The original and every
candidate of a photo go through the network in one batch.

>>> ranked = rank_photo(scorer, "photo.jpg", load_candidates(None)[0], (0.5, 1.0))   # doctest: +SKIP
>>> ranked.ranking[0].look, ranked.ranking[0].gain                                     # doctest: +SKIP
('vivid_slide', 0.21)
"""

from __future__ import annotations

import dataclasses
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, NamedTuple, Sequence

import numpy as np

from lutlearn.codes import key_values, pack_rgb8
from lutlearn.errors import ImageReadError, LutlearnError, LutlearnWarning
from lutlearn.looks.library import find_look, list_looks, load_info
from lutlearn.looks.render import evaluate, look_codes
from lutlearn.looks.resolve import is_look_name, resolve_look

__all__ = ["Ranked", "PhotoRanking", "parse_strengths", "load_candidates", "grade_pixels", "Prepared", "prepare",
           "rank_photo", "suggest", "overall_ranking", "batch_size"]


class Ranked(NamedTuple):
    """One candidate's result: NIMA mean and std of the graded photo, and the gain over the original."""

    look: str
    strength: float
    mean: float
    std: float
    gain: float

    def to_dict(self) -> dict:
        return {"look": self.look, "strength": self.strength, "mean": self.mean, "std": self.std, "gain": self.gain}


@dataclasses.dataclass
class PhotoRanking:
    """The ranking of the candidate looks on one photo.

    Attributes:
        photo: the photo's path as given.
        original: (mean, std) NIMA score of the photo itself; None when it failed.
        ranking: best gain first (ties: look name, then strength).
        error: why the photo could not be scored, else None.
        timings: seconds per stage: "decode" (decode + resize), "grade", "network".
    """

    photo: str
    original: tuple[float, float] | None = None
    ranking: list[Ranked] = dataclasses.field(default_factory=list)
    error: str | None = None
    timings: dict = dataclasses.field(default_factory=dict)

    def to_dict(self, top: int | None = None) -> dict:
        """The JSON schema of ``lutlearn suggest --json`` (the ``top`` best only, when given)."""
        if self.error is not None:
            return {"photo": self.photo, "error": self.error}
        return {"photo": self.photo, "original": {"mean": self.original[0], "std": self.original[1]},
                "ranking": [r.to_dict() for r in self.ranking[:top]]}


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


class Prepared(NamedTuple):
    """A photo ready for the network: ``batch`` uint8 (1 + L*S, 224, 224, 3), the original first; or an error."""

    batch: np.ndarray | None
    timings: dict
    error: str | None = None


def prepare(photo, looks: Sequence[tuple[str, object]], strengths: Sequence[float]) -> Prepared:
    """Decode ``photo`` as NIMA does (:func:`lutlearn.nima.nima_pixels`) and grade it with every candidate."""
    from lutlearn.nima import nima_pixels

    t0 = time.perf_counter()
    try:
        pixels = nima_pixels(photo)
    except ImageReadError as e:
        return Prepared(None, {}, str(e))
    t1 = time.perf_counter()
    graded = grade_pixels(pixels, [look for _, look in looks], strengths)
    batch = np.concatenate([pixels[None], graded])
    return Prepared(batch, {"decode": t1 - t0, "grade": time.perf_counter() - t1})


def _rank(photo, prepared: Prepared, scorer, looks, strengths) -> PhotoRanking:
    """Score a prepared photo with one network call and rank its candidates."""
    from lutlearn.nima import mean_std

    if prepared.error is not None:
        return PhotoRanking(str(photo), error=prepared.error)
    batch, timings = prepared.batch, prepared.timings
    t0 = time.perf_counter()
    means, stds = mean_std(scorer.distributions(batch))
    timings = {**timings, "network": time.perf_counter() - t0}
    labels = [(name, s) for name, _ in looks for s in strengths]
    ranked = [Ranked(name, float(s), float(means[k + 1]), float(stds[k + 1]), float(means[k + 1] - means[0]))
              for k, (name, s) in enumerate(labels)]
    ranked.sort(key=lambda r: (-r.gain, r.look, r.strength))
    return PhotoRanking(str(photo), (float(means[0]), float(stds[0])), ranked, timings=timings)


def rank_photo(scorer, photo, looks: Sequence[tuple[str, object]], strengths: Sequence[float]) -> PhotoRanking:
    """Score ``photo`` and every candidate with one network call, ranked by gain.

    Args:
        scorer: a :class:`lutlearn.nima.Scorer` (best with ``batch_size(len(looks), len(strengths))``).
        photo: an image file.
        looks: from :func:`load_candidates`.
        strengths: e.g. (0.5, 1.0).

    Returns:
        A :class:`PhotoRanking` (with ``error`` set when the photo cannot be read).
    """
    return _rank(photo, prepare(photo, looks, strengths), scorer, looks, strengths)


def suggest(photos: Sequence, looks: Sequence[tuple[str, object]], strengths: Sequence[float], scorer,
            on_done: Callable[[PhotoRanking], None] | None = None) -> list[PhotoRanking]:
    """:func:`rank_photo` on each photo; the next photo is decoded and graded while the network runs.

    Args:
        photos: image files.
        looks, strengths: as :func:`rank_photo`.
        scorer: a :class:`lutlearn.nima.Scorer`, or a function returning one; it
            is called once the first photo's decoding has started, so that
            loading the network overlaps it.
        on_done: called with each :class:`PhotoRanking` as it is finished, in order.

    Returns:
        One :class:`PhotoRanking` per photo, in order.
    """
    results = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(prepare, photos[0], looks, strengths) if photos else None
        scorer = scorer() if callable(scorer) else scorer
        for i, photo in enumerate(photos):
            prepared = ahead.result()
            if i + 1 < len(photos):
                ahead = pool.submit(prepare, photos[i + 1], looks, strengths)
            result = _rank(photo, prepared, scorer, looks, strengths)
            results.append(result)
            if on_done is not None:
                on_done(result)
    return results


def overall_ranking(results: Sequence[PhotoRanking]) -> list[dict]:
    """Every (look, strength) ranked by its mean gain over the photos that were scored.

    Returns:
        [{"look", "strength", "mean_gain", "wins", "photos"}], best first; ``wins``
        counts the photos where it ranked first.
    """
    scored = [r for r in results if r.error is None and r.ranking]
    gains: dict[tuple[str, float], list[float]] = {}
    wins: dict[tuple[str, float], int] = {}
    for r in scored:
        for entry in r.ranking:
            gains.setdefault((entry.look, entry.strength), []).append(entry.gain)
        best = r.ranking[0]
        wins[(best.look, best.strength)] = wins.get((best.look, best.strength), 0) + 1
    rows = [{"look": look, "strength": s, "mean_gain": float(np.mean(g)), "wins": wins.get((look, s), 0),
             "photos": len(g)} for (look, s), g in gains.items()]
    rows.sort(key=lambda row: (-row["mean_gain"], row["look"], row["strength"]))
    return rows
