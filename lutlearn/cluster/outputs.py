"""Where a cluster apply job writes: deterministic names, atomic writes, what is already done.

An output is named from its input alone (``OUT_DIR/STEM{suffix}.EXT``, as
:func:`lutlearn.looks.apply.plan_outputs` names it), so re-running the same command
finds the same names. Every output appears whole or not at all:

- on a local (or shared, or ``file://``) folder, through
  :func:`lutlearn.images.atomic.atomic_write` (a hidden temporary file renamed over
  the name);
- on an object store (S3, GCS, Azure), by one upload of the finished file (an
  object store never shows half an object);
- on other fsspec file systems, by an upload to a hidden name and a rename.

So an existing output is a finished one, and :func:`existing_names` (one
listing of the folder) tells a re-run what to skip. A worker killed between
creating and renaming its temporary file leaves a hidden ``.NAME.*.tmp``;
:func:`sweep_temporaries` removes those once the job is over.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from lutlearn.cluster.sources import _FS_ERRORS, _short, is_uri, local_path, open_filesystem
from lutlearn.errors import LutlearnError

__all__ = [
    "OBJECT_STORES",
    "existing_names",
    "exists",
    "plan_destinations",
    "prepare_folder",
    "publish",
    "sweep_temporaries",
]

OBJECT_STORES = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss")


def _name(key: str) -> str:
    return posixpath.basename(key.rstrip("/")) if is_uri(key) else Path(key).name


def _join(folder: str, name: str) -> str:
    return f"{folder.rstrip('/')}/{name}" if is_uri(folder) else str(Path(folder) / name)


def plan_destinations(keys: list[str], out_dir: str | os.PathLike, *, suffix: str = "") -> list[str]:
    """The output of each input: ``out_dir / (stem + suffix + extension)``.

    Args:
        keys: photo keys (:func:`lutlearn.cluster.sources.expand_sources`).
        out_dir: a local folder or a URI (``file://``, ``s3://`` ...).
        suffix: added to the stem, e.g. ``"_graded"``.

    Returns:
        One destination per key (a path, or a URI when ``out_dir`` is one).

    Raises:
        LutlearnError: two inputs with one output name, an output that would
            overwrite an input, or ``out_dir`` that is a file.
    """
    out_dir = os.fspath(out_dir)
    folder = local_path(out_dir)
    if folder is not None and folder.exists() and not folder.is_dir():
        raise LutlearnError(f"{out_dir}: not a folder")
    inputs_there = _inputs_in(keys, folder)
    seen: dict[str, str] = {}
    out = []
    for key in keys:
        stem, ext = posixpath.splitext(_name(key))
        name = f"{stem}{suffix}{ext}"
        dst = _join(out_dir, name)
        if dst in seen:
            raise LutlearnError(f"{dst}: both {seen[dst]} and {key} would be written there")
        seen[dst] = key
        if name in inputs_there:
            raise LutlearnError(f"{dst}: output would overwrite the input {inputs_there[name]}")
        out.append(dst)
    return out


def _inputs_in(keys: list[str], folder: Path | None) -> dict[str, str]:
    """{name: key} of the local inputs that live in ``folder`` (one ``resolve`` per distinct folder)."""
    if folder is None:
        return {}
    target, real = str(folder.resolve()), {}
    found = {}
    for key in keys:
        path = local_path(key)
        if path is None:
            continue
        if path.parent not in real:
            real[path.parent] = str(path.parent.resolve())
        if real[path.parent] == target:
            found[path.name] = key
    return found


def existing_names(out_dir: str | os.PathLike) -> set[str]:
    """Names of the finished files in ``out_dir`` (one listing; hidden temporaries left out)."""
    out_dir = os.fspath(out_dir)
    folder = local_path(out_dir)
    try:
        if folder is not None:
            names = os.listdir(folder) if folder.is_dir() else []
        else:
            fs, root = open_filesystem(out_dir)
            names = [posixpath.basename(p.rstrip("/")) for p in fs.ls(root, detail=False)] if fs.exists(root) else []
    except _FS_ERRORS as e:
        raise LutlearnError(f"{out_dir}: cannot list the output folder ({_short(e)})") from None
    return {n for n in names if not n.startswith(".")}


def prepare_folder(out_dir: str | os.PathLike) -> None:
    """Create ``out_dir`` (a local folder; object stores need none).

    Raises:
        LutlearnError: it cannot be created.
    """
    folder = local_path(os.fspath(out_dir))
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise LutlearnError(f"{out_dir}: cannot create the output folder ({e.strerror})") from None


def exists(dst: str) -> bool:
    """Whether the output ``dst`` is there (and hence finished)."""
    local = local_path(dst)
    if local is not None:
        return local.exists()
    fs, path = open_filesystem(dst)
    return fs.exists(path)


def publish(tmp: Path, dst: str) -> None:
    """Move a finished local file ``tmp`` to the remote destination ``dst`` so that it appears whole."""
    fs, path = open_filesystem(dst)
    protocol = dst.split("://", 1)[0].lower()
    if protocol in OBJECT_STORES:
        fs.put_file(str(tmp), path)
        return
    hidden = posixpath.join(posixpath.dirname(path), f".{posixpath.basename(path)}.upload.tmp")
    fs.put_file(str(tmp), hidden)
    fs.mv(hidden, path)


def sweep_temporaries(out_dir: str | os.PathLike, names: set[str]) -> int:
    """Remove the hidden temporaries that killed workers left for ``names`` in a local ``out_dir``.

    Only files named like :func:`lutlearn.images.atomic.atomic_write`'s temporaries
    (``.NAME.xxxxxxxx.tmp``) of the given output names are touched.

    Returns:
        How many were removed.
    """
    folder = local_path(os.fspath(out_dir))
    if folder is None or not folder.is_dir():
        return 0
    removed = 0
    for entry in os.scandir(folder):
        if entry.name.startswith(".") and entry.name.endswith(".tmp"):
            owner = entry.name[1:].rsplit(".", 2)[0]
            if owner in names:
                try:
                    os.unlink(entry.path)
                    removed += 1
                except OSError:  # already gone
                    pass
    return removed
