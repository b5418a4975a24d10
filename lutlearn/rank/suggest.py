"""Rank looks for a photo: NIMA's gain, guarded against destructive looks, with the original as an entry.

The pipeline per photo:

1. decode and resize as NIMA does (:func:`lutlearn.nima.nima_pixels`): uint8 224 x 224;
2. grade those pixels with every look at every strength, and at full strength
   when 1 is not among the strengths (:func:`lutlearn.rank.candidates.grade_pixels`;
   the guards judge a look at full strength);
3. one network call on the original and the ranked candidates:
   ``gain = mean(graded) - mean(original)``;
4. the guards (:mod:`lutlearn.rank.guards`) measure each graded image against
   the original and give each entry its ``score`` (what the order uses) and
   ``warnings``; ``score == gain`` where no guard fires;
5. the original itself is an entry, ``{"look": "none", "strength": 0, "gain": 0,
   "score": 0, "warnings": []}``, so "keep it as it is" wins when nothing scores above 0.

A look acts on each pixel alone, so it commutes with NIMA's resize: grading the
224 x 224 pixels gives exactly the pixels NIMA would see in the graded
full-size file, and a gain here equals ``lutlearn score`` of ``lutlearn apply
--strength s`` to an 8-bit PNG minus the original's. (A 16-bit photo is read by
NIMA at 8 bits and graded here at 8 bits; a JPEG output adds its own compression.)

Order: score, best first; ties put the original first, then look name, then
strength. With ``guards=False`` the score is NIMA's gain (the ranking before the
guards, for comparison).

>>> ranked = rank_photo(scorer, "photo.jpg", load_candidates(None), (0.5, 1.0))    # doctest: +SKIP
>>> [(e.look, e.strength, round(e.score, 2), e.warnings) for e in ranked.ranking[:2]]  # doctest: +SKIP
[('vivid_slide', 1.0, 0.12, ()), ('none', 0.0, 0.0, ())]
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, NamedTuple, Sequence

import numpy as np

from lutlearn.errors import ImageReadError
from lutlearn.rank.candidates import ORIGINAL, expand_strengths, grade_pixels

__all__ = ["ORIGINAL", "Entry", "PhotoRanking", "Prepared", "prepare", "rank_prepared", "rank_photo", "suggest",
           "overall_ranking"]


class Entry(NamedTuple):
    """One entry of a ranking.

    Attributes:
        look: the look's label, or "none" for the original.
        strength: the blend in (0, 1]; 0 for the original.
        mean, std: NIMA's mean rating and its spread for the graded photo.
        gain: NIMA's mean minus the original's.
        score: what the order uses: the gain less the guards' penalty (equal to
            the gain when no guard fires; below 0 when a guard vetoes the look).
        warnings: short human reasons, worst first (e.g. "clips 12% of the photo to white").
    """

    look: str
    strength: float
    mean: float
    std: float
    gain: float
    score: float
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"look": self.look, "strength": self.strength, "mean": self.mean, "std": self.std,
                "gain": self.gain, "score": self.score, "warnings": list(self.warnings)}


@dataclasses.dataclass
class PhotoRanking:
    """The ranking of one photo (``error`` set, and nothing else, when it could not be read).

    Attributes:
        photo: the photo's path as given.
        original: (mean, std) NIMA score of the photo itself.
        ranking: entries best first, the original ("none") among them.
        error: why the photo could not be ranked, else None.
        timings: seconds per stage: "decode" (decode + resize), "grade", "network", "guards".
    """

    photo: str
    original: tuple[float, float] | None = None
    ranking: list[Entry] = dataclasses.field(default_factory=list)
    error: str | None = None
    timings: dict = dataclasses.field(default_factory=dict)

    def to_dict(self, top: int | None = None) -> dict:
        """The JSON object of ``lutlearn suggest --json`` (the ``top`` best entries when given)."""
        if self.error is not None:
            return {"photo": self.photo, "error": self.error}
        return {"photo": self.photo, "original": {"mean": self.original[0], "std": self.original[1]},
                "ranking": [e.to_dict() for e in self.ranking[:top]]}


class Prepared(NamedTuple):
    """A photo decoded and graded: ``pixels`` uint8 (224, 224, 3) and ``graded`` uint8 (L * S', 224, 224, 3)
    (S' strengths: those asked for, plus 1 when missing); or an error."""

    pixels: np.ndarray | None
    graded: np.ndarray | None
    timings: dict
    error: str | None = None


def prepare(photo, looks: Sequence[tuple[str, object]], strengths: Sequence[float]) -> Prepared:
    """Decode ``photo`` as NIMA does and grade it with every look at every strength (plus full strength)."""
    from lutlearn.nima import nima_pixels

    t0 = time.perf_counter()
    try:
        pixels = nima_pixels(photo)
    except ImageReadError as e:
        return Prepared(None, None, {}, str(e))
    t1 = time.perf_counter()
    graded = grade_pixels(pixels, [look for _, look in looks], expand_strengths(strengths)[0])
    return Prepared(pixels, graded, {"decode": t1 - t0, "grade": time.perf_counter() - t1})


def _layout(n_looks: int, strengths: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """(rows of ``Prepared.graded`` that are ranked, the full-strength row of every graded row)."""
    graded, full = expand_strengths(strengths)
    per = len(graded)
    ranked = np.array([i * per + j for i in range(n_looks) for j in range(len(strengths))], dtype=np.int64)
    return ranked, np.repeat(np.arange(n_looks), per) * per + full


def rank_prepared(photo, prepared: Prepared, scorer, looks: Sequence[tuple[str, object]],
                  strengths: Sequence[float], *, guards: bool = True) -> PhotoRanking:
    """Score a prepared photo with one network call, guard and rank it (module docstring)."""
    from lutlearn.nima import mean_std
    from lutlearn.rank.guards import assess

    if prepared.error is not None:
        return PhotoRanking(str(photo), error=prepared.error)
    ranked_rows, parent = _layout(len(looks), strengths)
    t0 = time.perf_counter()
    batch = np.concatenate([prepared.pixels[None], prepared.graded[ranked_rows]])
    means, stds = mean_std(scorer.distributions(batch))
    t1 = time.perf_counter()
    gains = np.full(len(prepared.graded), np.nan)
    gains[ranked_rows] = means[1:] - means[0]
    if guards:
        verdict = assess(prepared.pixels, prepared.graded, gains, parent)
        scores, warnings = verdict.scores, verdict.warnings
    else:
        scores, warnings = gains, [[] for _ in gains]
    labels = [(name, float(s)) for name, _ in looks for s in strengths]
    entries = [Entry(ORIGINAL, 0.0, float(means[0]), float(stds[0]), 0.0, 0.0)]
    entries += [Entry(name, s, float(means[k + 1]), float(stds[k + 1]), float(gains[row]), float(scores[row]),
                      tuple(warnings[row])) for k, ((name, s), row) in enumerate(zip(labels, ranked_rows))]
    entries.sort(key=lambda e: (-e.score, e.look != ORIGINAL, e.look, e.strength))
    timings = {**prepared.timings, "network": t1 - t0, "guards": time.perf_counter() - t1}
    return PhotoRanking(str(photo), (float(means[0]), float(stds[0])), entries, timings=timings)


def rank_photo(scorer, photo, looks: Sequence[tuple[str, object]], strengths: Sequence[float], *,
               guards: bool = True) -> PhotoRanking:
    """Rank every look at every strength on ``photo``, the original among them.

    Args:
        scorer: a :class:`lutlearn.nima.Scorer` (best with ``batch_size(len(looks), len(strengths))``).
        photo: an image file.
        looks: [(label, look)] from :func:`lutlearn.rank.candidates.load_candidates`.
        strengths: e.g. (0.5, 1.0).
        guards: False ranks by NIMA's gain alone.

    Returns:
        A :class:`PhotoRanking` (with ``error`` set when the photo cannot be read).
    """
    return rank_prepared(photo, prepare(photo, looks, strengths), scorer, looks, strengths, guards=guards)


def suggest(photos: Sequence, looks: Sequence[tuple[str, object]], strengths: Sequence[float], scorer, *,
            guards: bool = True, on_done: Callable[[PhotoRanking], None] | None = None) -> list[PhotoRanking]:
    """:func:`rank_photo` on each photo; the next photo is decoded and graded while the network runs.

    Args:
        photos: image files.
        looks, strengths, guards: as :func:`rank_photo`.
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
            result = rank_prepared(photo, prepared, scorer, looks, strengths, guards=guards)
            results.append(result)
            if on_done is not None:
                on_done(result)
    return results


def overall_ranking(results: Sequence[PhotoRanking]) -> list[dict]:
    """Every (look, strength), the original included, by mean score over the photos that were ranked.

    Returns:
        [{"look", "strength", "mean_score", "mean_gain", "wins", "warned", "photos"}], best first;
        ``wins`` counts the photos where it ranked first, ``warned`` those where it had a warning.
    """
    rows: dict[tuple[str, float], dict] = {}
    for r in results:
        if r.error is not None or not r.ranking:
            continue
        for k, e in enumerate(r.ranking):
            row = rows.setdefault((e.look, e.strength), {"score": [], "gain": [], "wins": 0, "warned": 0})
            row["score"].append(e.score)
            row["gain"].append(e.gain)
            row["wins"] += k == 0
            row["warned"] += bool(e.warnings)
    out = [{"look": look, "strength": s, "mean_score": float(np.mean(v["score"])),
            "mean_gain": float(np.mean(v["gain"])), "wins": v["wins"], "warned": v["warned"],
            "photos": len(v["score"])} for (look, s), v in rows.items()]
    out.sort(key=lambda row: (-row["mean_score"], row["look"] != ORIGINAL, row["look"], row["strength"]))
    return out
