"""``--pairs BEFORE_DIR AFTER_DIR``: match a shoot's originals with their edited exports by file name.

Rules (each failure is one line naming the files, exit status 1 in the CLI):

- Images are the files with an image extension (.png .jpg .jpeg .tif .tiff .webp .bmp), not
  hidden, directly inside each folder (no recursion).
- A before and an after image match when their names agree ignoring the extension
  and case (``IMG_0042.CR2.tif`` ↔ ``img_0042.cr2.jpg``, ``frame_0001.png`` ↔ ``frame_0001.jpg``).
  Failing that, an after name may carry one editor suffix after a separator, e.g.
  ``IMG_0042-Edit.jpg``, ``IMG_0042_edited.jpg``, ``IMG_0042 copy.jpg``,
  ``IMG_0042-2.jpg``: the suffix is stripped when that makes the match unique.
- Every after image must have a before image (an edit of what?): an error lists them.
- Before images without an after image are skipped with one warning (exporting a
  selection of a shoot is normal); none matched at all is an error.
- Two files in one folder that reduce to the same name (``a.png`` and ``a.jpg``) are
  an error: which one is meant?
- Sizes: after images may be a resized export (registration handles scale), but
  within one run all pairs should agree on how the after images relate to their
  before images; :func:`describe_sizes` says so in one line when they do not.
"""

from __future__ import annotations

import re
from pathlib import Path

from lutlearn.errors import LutlearnError

__all__ = ["IMAGE_EXTENSIONS", "PairFolderError", "describe_sizes", "listing", "match_pair_folders"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")
_SUFFIX = re.compile(r"^(?P<stem>.+?)(?:[-_ ](?:edit(?:ed)?|copy|graded|final|export(?:ed)?|lr|ps|\d{1,2}))$",
                     re.IGNORECASE)
_MAX_LISTED = 3


class PairFolderError(LutlearnError):
    """``--pairs`` folders that cannot be matched: missing, empty, unmatched or ambiguous names."""


def _images(folder: Path, role: str) -> list[Path]:
    if not folder.is_dir():
        raise PairFolderError(f"{folder}: {role} folder does not exist (or is not a folder)")
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_EXTENSIONS)
    if not files:
        raise PairFolderError(f"{folder}: no images in the {role} folder (looked for {', '.join(IMAGE_EXTENSIONS)})")
    return files


def _key(path: Path) -> str:
    return path.stem.lower()


def listing(paths) -> str:
    names = [p.name for p in paths]
    more = f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else ""
    return ", ".join(names[:_MAX_LISTED]) + more


def _index(files: list[Path], folder: Path) -> dict[str, Path]:
    index: dict[str, Path] = {}
    for p in files:
        if _key(p) in index:
            raise PairFolderError(f"{folder}: {index[_key(p)].name} and {p.name} have the same name; "
                                  "keep one of them (files are matched by name, ignoring the extension)")
        index[_key(p)] = p
    return index


def match_pair_folders(before_dir, after_dir) -> tuple[list[tuple[Path, Path]], list[Path]]:
    """Match before and after images by name.

    Args:
        before_dir: folder of originals (or neutral developments, ungraded frames).
        after_dir: folder of edited exports.

    Returns:
        (pairs, unmatched_before): (before, after) paths sorted by name, and the
        before images that have no after image (to be reported as skipped).

    Raises:
        PairFolderError: a folder is missing or empty, two files share a name, an
            after image has no before image, or nothing matched.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); (d / "b").mkdir(); (d / "a").mkdir()
    >>> for n in ("b/x.png", "b/y.png", "a/X.jpg", "a/y-Edit.jpg"): _ = (d / n).write_bytes(b"")
    >>> pairs, skipped = match_pair_folders(d / "b", d / "a")
    >>> [(b.name, a.name) for b, a in pairs], skipped
    ([('x.png', 'X.jpg'), ('y.png', 'y-Edit.jpg')], [])
    """
    before_dir, after_dir = Path(before_dir), Path(after_dir)
    if before_dir.resolve() == after_dir.resolve():
        raise PairFolderError(f"{before_dir}: the before and after folders are the same folder")
    befores = _index(_images(before_dir, "before"), before_dir)
    afters = _index(_images(after_dir, "after"), after_dir)
    pairs, orphans, used = [], [], set()
    for key, after in sorted(afters.items()):
        match = key if key in befores else None
        if match is None:
            m = _SUFFIX.match(key)
            match = m.group("stem") if m and m.group("stem") in befores else None
        if match is None or match in used:
            orphans.append(after)
            continue
        used.add(match)
        pairs.append((befores[match], after))
    if orphans:
        raise PairFolderError(f"{after_dir}: {len(orphans)} after image(s) have no before image of the same name in "
                              f"{before_dir}: {listing(orphans)} (names are matched ignoring extension and case)")
    unmatched = [p for k, p in sorted(befores.items()) if k not in used]
    if not pairs:
        raise PairFolderError(f"{before_dir}, {after_dir}: no file names in common")
    return pairs, unmatched


def describe_sizes(pairs, sizes) -> str | None:
    """One line when the pairs disagree on how after images relate to before images in size.

    Args:
        pairs: (before, after) paths.
        sizes: per pair ((wb, hb), (wa, ha)).

    Returns:
        None when every after image has the same scale relative to its before image
        (within 1%), else a line naming the odd pairs, e.g. "after images come at 2
        scales: x1.00 (3 pairs), x0.50 (kodim14.jpg); each pair is registered on its own".
    """
    scales = [round(((wa * ha) / (wb * hb)) ** 0.5, 2) for (wb, hb), (wa, ha) in sizes]
    groups: dict[float, list[str]] = {}
    for (b, a), s in zip(pairs, scales):
        groups.setdefault(s, []).append(Path(a).name)
    if len(groups) <= 1:
        return None
    parts = [f"x{s:.2f} ({listing([Path(n) for n in names]) if len(names) <= 2 else f'{len(names)} pairs'})"
             for s, names in sorted(groups.items(), key=lambda kv: -len(kv[1]))]
    return (f"after images come at {len(groups)} different scales of their before images: {'; '.join(parts)}; "
            "each pair is registered and resampled on its own")
