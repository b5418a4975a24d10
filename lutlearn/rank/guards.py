"""Guards for ``suggest``: measured damage becomes a penalty on NIMA's gain; destructive looks rank below the original.

NIMA rewards some damage: crushed blacks, clipped highlights, strong darkening,
colour casts and gamut-clipping saturation often score *above* the untouched
photo. :mod:`lutlearn.rank.measures` measures that damage on the pixels NIMA
sees; each guard here turns one measure into a severity, and the severities
into the ranking score:

    severity_k = (value_k - warn_k) / (veto_k - warn_k)        (per guard k, oriented: larger is worse)
    score      = gain - PENALTY * sum_k weight_k * max(severity_k, 0)
    vetoed     = any severity_k >= 1, or the severities add up to COMBINED_VETO
    score      = min(score, -VETO_MARGIN)   when vetoed

A guard *fires* (and the entry gets a warning) when its severity is above 0;
an entry where no guard fires keeps ``score == gain``, so among such entries
the order is exactly NIMA's. The original photo has gain 0 and score 0, so a
vetoed look always ranks below "keep it as it is". A look is judged at full
strength: each severity of an entry is the larger of its own and that of the
same look at strength 1 (``parent``), so a weaker dose of a destructive look
stays below the original too, and says why ("at full strength: ...").

>>> ramp = np.linspace(0, 255, 224)
>>> photo = np.repeat(np.tile(ramp, (224, 1))[..., None], 3, -1).astype(np.uint8)   # a grey ramp
>>> crushed = np.clip((photo.astype(int) - 60) * 255 / 195, 0, 255).astype(np.uint8)  # black point at 60
>>> verdict = assess(photo, np.stack([photo, crushed]), gains=np.array([0.0, 0.4]))
>>> [round(float(s), 2) for s in verdict.scores], verdict.vetoed.tolist()
([0.0, -2.52], [False, True])
>>> verdict.warnings[1]
['crushes 22% of the photo to black', 'darkens the mid-tones by 17 L*', 'flattens the detail of 24% of the photo']
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from lutlearn.rank.measures import PhotoStats, measure

__all__ = ["Guard", "GUARDS", "PENALTY", "MARGIN", "VETO_MARGIN", "COMBINED_VETO", "Assessment", "severities",
           "scores_from", "warnings_for", "assess", "cast_name"]

PENALTY = 0.5  # NIMA points of penalty per unit of severity (a guard at its veto threshold costs 0.5)
MARGIN = 0.0  # a look must gain more than this to beat the original (NIMA's noise is ~0.08; left at 0)
VETO_MARGIN = 0.05  # a vetoed entry scores at least this far below the original
COMBINED_VETO = 1.5  # guards firing together veto when their severities add up to this


@dataclasses.dataclass(frozen=True)
class Guard:
    """One guard: a measure, its warning and veto thresholds, and the warning text.

    Attributes:
        name: the measure's key in :func:`lutlearn.rank.measures.measure`'s result.
        warn: the guard fires (warning, penalty starts) beyond this value.
        veto: at or beyond this value the look ranks below the original.
        message: ``str.format`` template for the warning; ``{v}`` is the value (fractions
            are formatted with ``{v:.0%}``), ``{a_cast}`` names the colour of a cast with
            its article ("an orange").
        higher_is_worse: False for measures where smaller values are damage (levels, tone_order).
        penalty: weight of this guard's severity (1 = :data:`PENALTY` per unit).
        can_veto: False for warning-only guards.
    """

    name: str
    warn: float
    veto: float
    message: str
    higher_is_worse: bool = True
    penalty: float = 1.0
    can_veto: bool = True

    def severity(self, values: np.ndarray) -> np.ndarray:
        """(value - warn) / (veto - warn): oriented so that larger is worse (veto < warn when smaller is
        worse); NaN (not measurable) -> 0."""
        v = np.asarray(values, np.float64)
        return np.nan_to_num((v - self.warn) / (self.veto - self.warn), nan=0.0)


#: The guards, in the order their warnings are listed on ties.
GUARDS: tuple[Guard, ...] = (
    Guard("tone_order", 0.90, 0.80, "reverses the order of tones (rank correlation {v:.2f})", higher_is_worse=False),
    Guard("highlights", 0.01, 0.04, "clips {v:.0%} of the photo to white"),
    Guard("shadows", 0.02, 0.08, "crushes {v:.0%} of the photo to black"),
    Guard("darkening", 7.0, 12.0, "darkens the mid-tones by {v:.0f} L*"),
    Guard("brightening", 15.0, 24.0, "brightens the mid-tones by {v:.0f} L*"),
    Guard("levels", 0.60, 0.35, "keeps only {v:.0%} of the tonal levels", higher_is_worse=False),
    Guard("flattened", 0.15, 0.40, "flattens the detail of {v:.0%} of the photo"),
    Guard("gamut", 0.05, 0.15, "clips the colours of {v:.0%} of the photo"),
    Guard("saturation", 1.6, 2.0, "oversaturates (chroma x{v:.1f})"),
    Guard("cast", 6.0, 10.0, "adds {a_cast} cast (ΔE {v:.0f})"),
    Guard("reversed", 0.01, 0.05, "reverses the tones of {v:.0%} of the photo"),
    Guard("hue", 40.0, 65.0, "shifts hues by {v:.0f}° on average"),
    Guard("skin", 30.0, 90.0, "moves skin tones by {v:.0f}°", penalty=0.25, can_veto=False),
)


def severities(measures: dict[str, np.ndarray], guards: tuple[Guard, ...] = GUARDS) -> np.ndarray:
    """Severity of every guard for every candidate: float64 (N, len(guards)); > 0 means it fires."""
    return np.stack([g.severity(measures[g.name]) for g in guards], axis=1)


def scores_from(gains: np.ndarray, severity: np.ndarray, parent: np.ndarray | None = None,
                guards: tuple[Guard, ...] = GUARDS) -> tuple[np.ndarray, np.ndarray]:
    """The ranking score of each candidate from NIMA's gain and the guards' severities (module docstring).

    Args:
        gains: float (N,), NIMA mean of the graded photo minus the original's.
        severity: (N, G) from :func:`severities`.
        parent: int (N,): the row of the same look at full strength, whose
            severities an entry inherits when they are larger. None: each row alone.
        guards: the guards behind ``severity``'s columns.

    Returns:
        (scores float64 (N,), vetoed bool (N,)).

    >>> one = (Guard("shadows", 0.02, 0.08, "crushes {v:.0%} of the photo to black"),)
    >>> scores_from(np.array([0.3, 0.3, 0.2]), np.array([[0.0], [0.5], [1.2]]), guards=one)[0].round(2).tolist()
    [0.3, 0.05, -0.4]
    """
    weights = np.array([g.penalty for g in guards])
    can_veto = np.array([g.can_veto for g in guards])
    if parent is not None:
        severity = np.maximum(severity, severity[np.asarray(parent)])
    positive = np.maximum(severity, 0.0)
    score = np.asarray(gains, np.float64) - MARGIN - PENALTY * (positive * weights).sum(1)
    vetoing = positive * can_veto
    vetoed = (vetoing >= 1.0).any(1) | (vetoing.sum(1) >= COMBINED_VETO)
    return np.where(vetoed, np.minimum(score, -VETO_MARGIN), score), vetoed


def cast_name(angle: float) -> str:
    """Name of a colour direction in the a*b* plane (degrees from +a*): 'red', 'yellow', 'green', 'blue'...

    >>> cast_name(100.0), cast_name(150.0), cast_name(270.0)
    ('yellow', 'green', 'blue')
    """
    names = [(20, "magenta"), (60, "red"), (85, "orange"), (120, "yellow"), (165, "green"), (225, "cyan"),
             (315, "blue"), (345, "purple"), (361, "magenta")]
    return next(name for limit, name in names if angle % 360 < limit)


def warnings_for(measures: dict[str, np.ndarray], severity: np.ndarray, i: int, parent: np.ndarray | None = None,
                 guards: tuple[Guard, ...] = GUARDS) -> list[str]:
    """Human reasons for candidate ``i``: one short line per guard that fires, worst first.

    Every penalty has its reason: a guard whose severity comes from the look at
    full strength (``parent[i]``) is reported as "at full strength: ...", after the entry's own.
    """
    own = [(severity[i, k], k, "") for k in range(len(guards)) if severity[i, k] > 0]
    if parent is not None and parent[i] != i:
        j = int(parent[i])
        inherited = {k for k in range(len(guards)) if severity[j, k] > 0 and severity[j, k] > severity[i, k]}
        own = [item for item in own if item[1] not in inherited]
        own += [(severity[j, k], k, "at full strength: ") for k in sorted(inherited)]
    own.sort(key=lambda item: (bool(item[2]), -item[0]))
    return [prefix + _describe(guards[k], measures, int(parent[i]) if prefix else i) for _, k, prefix in own]


def _describe(guard: Guard, measures: dict, row: int) -> str:
    """The guard's message for one candidate: ``{v}`` is the value, ``{a_cast}`` the cast's colour."""
    angle = measures.get("cast_angle")
    cast = cast_name(float(angle[row])) if angle is not None else "colour"
    article = "an " if cast[0] in "aeiou" else "a "
    return guard.message.format(v=float(measures[guard.name][row]), a_cast=article + cast)


class Assessment(NamedTuple):
    """The guards' verdict on N candidates of one photo."""

    measures: dict  # {name: float64 (N,)}
    severity: np.ndarray  # float64 (N, G)
    scores: np.ndarray  # float64 (N,)
    vetoed: np.ndarray  # bool (N,)
    warnings: list  # N lists of str


def assess(original: np.ndarray, graded: np.ndarray, gains: np.ndarray, parent: np.ndarray | None = None,
           stats: PhotoStats | None = None, guards: tuple[Guard, ...] = GUARDS) -> Assessment:
    """Measure, score and explain every candidate of one photo.

    Args:
        original: uint8 (H, W, 3), the photo as NIMA sees it.
        graded: uint8 (N, H, W, 3), the same pixels after each candidate.
        gains: float (N,), NIMA's gain of each candidate (NaN for rows that are only
            measured, such as a full-strength version that is not itself ranked).
        parent: int (N,), the row of each candidate's look at full strength (see :func:`scores_from`).
        stats: :func:`lutlearn.rank.measures.photo_stats` of ``original`` (computed when None).
        guards: the guards to apply.

    Returns:
        An :class:`Assessment`.
    """
    measures = measure(original, graded, stats)
    severity = severities(measures, guards)
    scores, vetoed = scores_from(gains, severity, parent, guards)
    return Assessment(measures, severity, scores, vetoed,
                      [warnings_for(measures, severity, i, parent, guards) for i in range(len(graded))])
