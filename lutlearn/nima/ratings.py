"""Ratings to train NIMA on: a CSV, AVA's ``AVA.txt``, or XMP star ratings (:mod:`lutlearn.nima.xmp`).

Every source becomes a list of :class:`RatedImage`: an image file, its target
rating distribution over NIMA's 10 bins (ratings 1..10, summing to 1), the mean
of that distribution, and a *group*: images of one group stay on the same side
of the validation split (crops and edits of one photo, for instance).

- **CSV** (``.csv``, header required). One column names the image (``path``,
  ``image``, ``file`` or ``filename``; relative paths are relative to the CSV).
  The rating is one of: ten vote counts (columns ``1``..``10``, ``votes_1``..
  ``votes_10`` or ``count_1``..``count_10``); a ``mean`` (or ``score``) in 1..10
  with an optional ``std``; or ``stars`` (or ``rating``) 1..5. An optional
  ``group`` column (default: the image's file stem).
- **AVA** (``AVA.txt``): 15 whitespace-separated columns per line: index,
  image id, the vote counts of ratings 1..10, two semantic tag ids, the
  challenge id. Images are ``IMAGES_DIR/<image id>.jpg``.
- **XMP**: ``xmp:Rating`` stars of image files and folders (:mod:`lutlearn.nima.xmp`).

Targets: vote counts are normalised; a mean ``m`` becomes a discretised normal
N(m, std) over the bins (std 1.4 when not given, AVA's typical spread); ``s``
stars become N(1 + 9 (s - 1) / 4, 1), so 1 star is rating 1 and 5 stars rating 10.

Bad input raises :class:`lutlearn.errors.RatingsError`, one line naming the file
(and line): a file that is missing or unparsable, an image named but missing, a
rating out of range, or no rated image at all.

>>> [round(float(p), 3) for p in stars_to_target(5)][-3:]
[0.077, 0.346, 0.57]
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import numpy as np

from lutlearn.errors import RatingsError

__all__ = ["RatedImage", "RatingSet", "BINS", "SKIPPED", "votes_to_target", "mean_to_target", "stars_to_target",
           "rated_image", "read_csv_ratings", "read_ava", "load_ratings"]

BINS = np.arange(1, 11, dtype=np.float64)
SKIPPED = ("unrated", "rejected", "malformed")  # what an XMP source may skip, counted in RatingSet.skipped
_PATH_COLUMNS = ("path", "image", "file", "filename")
_VOTE_PREFIXES = ("", "votes_", "count_")


class RatedImage(NamedTuple):
    """One training example: ``target`` float32 (10,) sums to 1; ``mean`` is its expected rating."""

    path: Path
    target: np.ndarray
    mean: float
    group: str
    source: str  # "csv", "ava" or "xmp"


class RatingSet(NamedTuple):
    """Rated images, and how many were skipped: ``skipped`` {"unrated", "rejected", "malformed"} -> count."""

    items: list[RatedImage]
    skipped: dict


def _normal_target(mean: float, std: float) -> np.ndarray:
    p = np.exp(-0.5 * ((BINS - mean) / std) ** 2)
    return (p / p.sum()).astype(np.float32)


def votes_to_target(votes: Sequence[float]) -> np.ndarray:
    """Ten vote counts (ratings 1..10) -> probabilities float32 (10,).

    Raises:
        RatingsError: not 10 finite non-negative numbers with a positive sum.
    """
    v = np.asarray(votes, np.float64)
    if v.shape != (10,) or not np.isfinite(v).all() or (v < 0).any() or v.sum() <= 0:
        raise RatingsError(f"expected 10 non-negative vote counts with a positive sum, got {list(votes)}")
    return (v / v.sum()).astype(np.float32)


def mean_to_target(mean: float, std: float = 1.4) -> np.ndarray:
    """A mean rating in [1, 10] (and its spread) -> a discretised normal over the 10 bins."""
    if not (np.isfinite(mean) and 1.0 <= mean <= 10.0):
        raise RatingsError(f"a mean rating must be in 1..10, got {mean}")
    if not (np.isfinite(std) and std > 0):
        raise RatingsError(f"a rating std must be positive, got {std}")
    return _normal_target(mean, std)


def stars_to_target(stars: int) -> np.ndarray:
    """1..5 stars -> a discretised normal centred on 1 + 9 (stars - 1) / 4, std 1."""
    if stars not in (1, 2, 3, 4, 5):
        raise RatingsError(f"a star rating must be 1..5, got {stars}")
    return _normal_target(1.0 + 9.0 * (stars - 1) / 4.0, 1.0)


def rated_image(path: Path, target: np.ndarray, group: str, source: str) -> RatedImage:
    """A :class:`RatedImage`, its mean computed from ``target``."""
    return RatedImage(Path(path), target, float(target @ BINS), group, source)


def _check_images(items: list[RatedImage], origin: str) -> None:
    missing = [it.path for it in items if not it.path.is_file()]
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise RatingsError(f"{origin}: names {len(missing)} missing image(s): {missing[0]}{more}")


def read_csv_ratings(path: str | os.PathLike) -> RatingSet:
    """Read a ratings CSV (module docstring).

    Raises:
        RatingsError: unreadable file, no path or rating column, a bad value (with its line), missing images.
    """
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise RatingsError(f"{path}: cannot read the ratings CSV ({e})") from None
    if not rows:
        raise RatingsError(f"{path}: no ratings (an empty CSV)")
    columns = {c.strip().lower(): c for c in rows[0] if c}
    name_col = next((columns[c] for c in _PATH_COLUMNS if c in columns), None)
    if name_col is None:
        raise RatingsError(f"{path}: no image column (expected one of {', '.join(_PATH_COLUMNS)})")
    read_one = _csv_rating_reader(columns, path)
    items = []
    for line, row in enumerate(rows, start=2):
        try:
            target = read_one(row)
            image = Path((row[name_col] or "").strip())
        except (RatingsError, ValueError, TypeError, AttributeError) as e:
            raise RatingsError(f"{path} line {line}: {e}") from None
        image = image if image.is_absolute() else path.parent / image
        group = (row.get(columns.get("group", ""), "") or "").strip() or image.stem
        items.append(rated_image(image, target, group, "csv"))
    _check_images(items, str(path))
    return RatingSet(items, {})


def _csv_rating_reader(columns: dict, path: Path) -> Callable[[dict], np.ndarray]:
    """The function turning a CSV row into a target, chosen from the columns present."""
    for prefix in _VOTE_PREFIXES:
        names = [f"{prefix}{k}" for k in range(1, 11)]
        if all(n in columns for n in names):
            cols = [columns[n] for n in names]
            return lambda row: votes_to_target([float(row[c]) for c in cols])
    for name in ("mean", "score"):
        if name in columns:
            mean_col, std_col = columns[name], columns.get("std")
            return lambda row: mean_to_target(float(row[mean_col]),
                                              float(row[std_col]) if std_col and row[std_col].strip() else 1.4)
    if "stars" in columns or "rating" in columns:
        col = columns.get("stars") or columns["rating"]
        return lambda row: stars_to_target(_as_stars(row[col]))
    raise RatingsError(f"{path}: no rating columns (expected 1..10 vote counts, mean or score, or stars)")


def _as_stars(text: str) -> int:
    value = float(text)
    if value != int(value):
        raise RatingsError(f"a star rating must be a whole number 1..5, got {text!r}")
    return int(value)


def read_ava(path: str | os.PathLike, images_dir: str | os.PathLike | None = None) -> RatingSet:
    """Read AVA's ``AVA.txt``; images are ``images_dir/<id>.jpg`` (default: an ``images`` folder beside it).

    Raises:
        RatingsError: unreadable file, a line that is not 15 integers (with its number), missing images.
    """
    path = Path(path)
    images = Path(images_dir) if images_dir is not None else path.parent / "images"
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise RatingsError(f"{path}: cannot read AVA.txt ({e})") from None
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = line.split()
        try:
            if len(fields) != 15:
                raise RatingsError(f"expected 15 columns, got {len(fields)}")
            target = votes_to_target([int(v) for v in fields[2:12]])
        except (RatingsError, ValueError) as e:
            raise RatingsError(f"{path} line {number}: {e}") from None
        items.append(rated_image(images / f"{fields[1]}.jpg", target, fields[1], "ava"))
    if not items:
        raise RatingsError(f"{path}: no ratings (an empty AVA.txt)")
    _check_images(items, str(path))
    return RatingSet(items, {})


def load_ratings(inputs: Sequence[str | os.PathLike], fmt: str = "auto", images_dir=None,
                 warn: Callable[[str], None] | None = None) -> RatingSet:
    """Read ratings from any source; ``fmt`` "auto" picks by name (``*.csv``, ``*.txt`` as AVA, else XMP).

    Args:
        inputs: CSV files, AVA.txt files, or image files / folders / globs (XMP).
        fmt: "auto", "csv", "ava" or "xmp".
        images_dir: AVA's image folder.
        warn: called with one line per malformed XMP (default: a LutlearnWarning).

    Raises:
        RatingsError: see the readers; also mixed sources, or nothing rated at all.
    """
    from lutlearn.nima.xmp import read_xmp_ratings

    inputs = list(inputs)
    if not inputs:
        raise RatingsError("no ratings given")
    kinds = {_kind(p) if fmt == "auto" else fmt for p in inputs}
    if len(kinds) > 1:
        raise RatingsError(f"mixed rating sources ({', '.join(sorted(kinds))}); pass one kind at a time")
    kind = kinds.pop()
    if kind == "csv":
        parts = [read_csv_ratings(p) for p in inputs]
    elif kind == "ava":
        parts = [read_ava(p, images_dir) for p in inputs]
    elif kind == "xmp":
        parts = [read_xmp_ratings(inputs, warn)]
    else:
        raise RatingsError(f"unknown ratings format {fmt!r} (expected auto, csv, ava or xmp)")
    items = [it for part in parts for it in part.items]
    skipped = {k: sum(part.skipped.get(k, 0) for part in parts) for k in SKIPPED}
    if not items:
        detail = ", ".join(f"{v} {k}" for k, v in skipped.items() if v) or "nothing found"
        raise RatingsError(f"no rated image to train on ({detail})")
    return RatingSet(items, skipped)


def _kind(spec) -> str:
    name = Path(spec).name.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".txt"):
        return "ava"
    return "xmp"
