"""Rankings as text: the per-photo and overall tables of ``lutlearn suggest``, and a contact-sheet tile's labels."""

from __future__ import annotations

from typing import Sequence

from lutlearn.rank.suggest import ORIGINAL, Entry, PhotoRanking, overall_ranking

__all__ = ["format_photo", "format_overall", "sheet_labels"]


def format_photo(result: PhotoRanking, top: int | None = None) -> str:
    """One photo's ranking as an aligned table: score (the order), NIMA's gain, and the warnings.

    >>> r = PhotoRanking("p.jpg", (5.5, 1.4), [Entry("none", 0.0, 5.5, 1.4, 0.0, 0.0),
    ...     Entry("crush", 1.0, 5.8, 1.3, 0.3, -0.05, ("crushes 9% of the photo to black",))])
    >>> print(format_photo(r))
    p.jpg: original 5.500 (std 1.400)
    rank  look   strength   score    gain  warnings
       1  none       0.00  +0.000  +0.000
       2  crush      1.00  -0.050  +0.300  crushes 9% of the photo to black
    """
    rows = result.ranking[:top]
    width = max([len(e.look) for e in rows] + [4])
    lines = [f"{result.photo}: original {result.original[0]:.3f} (std {result.original[1]:.3f})",
             f"rank  {'look':{width}s}  strength   score    gain  warnings"]
    for k, e in enumerate(rows, 1):
        line = f"{k:4d}  {e.look:{width}s}  {e.strength:8.2f}  {e.score:+.3f}  {e.gain:+.3f}  {'; '.join(e.warnings)}"
        lines.append(line.rstrip())
    return "\n".join(lines)


def format_overall(results: Sequence[PhotoRanking], top: int | None = None) -> str:
    """The overall ranking (:func:`lutlearn.rank.suggest.overall_ranking`: mean score over the photos) as a table.

    >>> a = PhotoRanking("a", (5.0, 1.0), [Entry("x", 1.0, 5.3, 1, 0.3, 0.3), Entry("none", 0.0, 5, 1, 0, 0)])
    >>> print(format_overall([a]))
    overall: mean score over 1 photos
    rank  look  strength  mean score  mean gain  best on  warned
       1  x         1.00      +0.300     +0.300        1       0
       2  none      0.00      +0.000     +0.000        0       0
    """
    rows = overall_ranking(results)[:top]
    scored = sum(r.error is None for r in results)
    width = max([len(r["look"]) for r in rows] + [4])
    lines = [f"overall: mean score over {scored} photos",
             f"rank  {'look':{width}s}  strength  mean score  mean gain  best on  warned"]
    lines += [f"{k:4d}  {r['look']:{width}s}  {r['strength']:8.2f}  {r['mean_score']:+10.3f}  {r['mean_gain']:+9.3f}"
              f"  {r['wins']:7d}  {r['warned']:6d}" for k, r in enumerate(rows, 1)]
    return "\n".join(lines)


def sheet_labels(entry: Entry) -> list[str]:
    """The label lines of a contact-sheet tile: look and strength, score and gain, the first warning ("! ...").

    >>> sheet_labels(Entry("sepia", 0.5, 5.6, 1.4, 0.1, -0.2, ("adds a yellow cast (ΔE 12)",)))
    ['sepia at 0.5', 'score -0.20   gain +0.10', '! adds a yellow cast (ΔE 12)']
    """
    if entry.look == ORIGINAL:
        lines = ["none: keep it as it is", f"score +0.00   NIMA {entry.mean:.2f}"]
    else:
        strength = "" if entry.strength == 1.0 else f" at {entry.strength:g}"
        lines = [f"{entry.look}{strength}", f"score {entry.score:+.2f}   gain {entry.gain:+.2f}"]
    if entry.warnings:
        lines.append("! " + entry.warnings[0])
    return lines
