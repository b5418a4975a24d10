"""Where a cluster job's photos come from: files, folders, globs, list files and URIs.

A job names its photos by *keys*: strings that every node of the cluster can
open. A key is either a local path (as given, exactly as the single-machine
commands print it) or a URI that fsspec opens (``file:///data/a.jpg``,
``s3://bucket/shoot/a.jpg``, ``gs://...``). A local path or ``file://`` URI
must name the same file on every node (a shared file system); object-store
URIs need the fsspec driver (``s3fs``, ``gcsfs``) and credentials on every node.

:func:`expand_sources` runs on the driver, before anything is started or
written; it turns what the user typed into keys and checks that they exist, so
a mistyped name is one clear error, not a failed job. :func:`local_copy` runs
on the workers: it gives a local file for a key (the file itself, or a
download into a temporary folder).

A **list file** is a spec ending in ``.txt``, ``.lst`` or ``.list``: one photo
per line (a path or a URI); blank lines and lines starting with ``#`` are
skipped; relative paths are relative to the list file's folder.

    >>> is_uri("s3://bucket/a.jpg"), is_uri("/data/a.jpg"), is_uri("C:/a.jpg")
    (True, False, False)
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from lutlearn import filekinds
from lutlearn.errors import ImageReadError, LutlearnError
from lutlearn.looks.apply import expand_inputs

__all__ = [
    "LIST_EXTENSIONS",
    "expand_sources",
    "is_uri",
    "local_copy",
    "local_path",
    "open_filesystem",
    "read_list_file",
    "rename_in_message",
]

LIST_EXTENSIONS = (".txt", ".lst", ".list")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
_GLOB = re.compile(r"[*?\[]")
_FS_ERRORS = (OSError, ValueError, ImportError, RuntimeError)  # what fsspec drivers raise for a bad URI


def is_uri(spec: str | os.PathLike) -> bool:
    """True for ``scheme://...`` (``file://`` included); False for plain paths."""
    return bool(_URI.match(os.fspath(spec)))


def local_path(key: str | os.PathLike) -> Path | None:
    """The local file a key names: itself for a path, the path of a ``file://`` URI; None for remote URIs.

    >>> local_path("file:///tmp/a.png"), local_path("s3://b/a.png")
    (PosixPath('/tmp/a.png'), None)
    """
    key = os.fspath(key)
    if not is_uri(key):
        return Path(key)
    if key.lower().startswith("file://"):
        _, path = open_filesystem(key)
        return Path(path)
    return None


def open_filesystem(uri: str):
    """(fsspec filesystem, path inside it) for a URI.

    Raises:
        LutlearnError: unknown protocol, missing driver (e.g. s3fs), bad URI.
    """
    try:
        import fsspec

        return fsspec.core.url_to_fs(uri)
    except _FS_ERRORS as e:
        raise LutlearnError(f"{uri}: cannot open ({_short(e)})") from None


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def expand_sources(specs: Iterable[str | os.PathLike], *, check: bool = True) -> list[str]:
    """What the user typed -> the keys of the photos, in order, without repeats.

    Args:
        specs: files, folders (their image files, not recursive), glob
            patterns, list files, and URIs of any of these (a URI folder or
            prefix, a URI glob such as ``s3://b/shoot/*.jpg``).
        check: make sure every photo named by a list file exists (one listing
            per folder, not one request per photo).

    Returns:
        Keys: local paths as given (joined with their folder), URIs as
        ``scheme://...``.

    Raises:
        LutlearnError: a spec that names nothing, a list file naming missing
            photos, a URI that cannot be opened.
    """
    keys: list[str] = []
    for spec in specs:
        spec = os.fspath(spec)
        if _is_list_file(spec):
            keys.extend(read_list_file(spec, check=check))
        elif is_uri(spec):
            keys.extend(_expand_uri(spec))
        else:
            keys.extend(str(p) for p in expand_inputs([spec]))
    return _unique(keys)


def _is_list_file(spec: str) -> bool:
    return posixpath.splitext(spec.rstrip("/"))[1].lower() in LIST_EXTENSIONS


def _unique(keys: list[str]) -> list[str]:
    """Drop repeats (the same file named twice), keeping the first; one ``resolve`` per folder, not per photo."""
    folders: dict[Path, str] = {}
    seen, out = set(), []
    for key in keys:
        path = local_path(key)
        if path is not None:
            if path.parent not in folders:
                folders[path.parent] = str(path.parent.resolve())
            ident = os.path.join(folders[path.parent], path.name)
        else:
            ident = key
        if ident not in seen:
            seen.add(ident)
            out.append(key)
    return out


def _expand_uri(spec: str) -> list[str]:
    """A URI file, folder/prefix or glob -> URIs of image files."""
    fs, path = open_filesystem(spec)
    try:
        if _GLOB.search(path):
            found = [p for p in sorted(fs.glob(path)) if fs.isfile(p)]
        elif fs.isdir(path):
            found = sorted(p for p in fs.ls(path, detail=False)
                           if filekinds.kind_of(p, "image") and fs.isfile(p))
        elif fs.isfile(path):
            found = [path]
        else:
            found = []
    except _FS_ERRORS as e:
        raise LutlearnError(f"{spec}: cannot open ({_short(e)})") from None
    if not found:
        raise LutlearnError(f"{spec}: no such file, or no image files there")
    return [fs.unstrip_protocol(p) for p in found]


def read_list_file(spec: str, *, check: bool = True) -> list[str]:
    """The photos a list file names (see the module docstring).

    Raises:
        LutlearnError: the list cannot be read, is empty, or (``check``) names
            photos that do not exist; one line naming the first few.
    """
    try:
        if is_uri(spec):
            fs, path = open_filesystem(spec)
            text = fs.cat_file(path).decode("utf-8")
            base = spec.rsplit("/", 1)[0]
        else:
            text = Path(spec).read_text(encoding="utf-8")
            base = str(Path(spec).parent)
    except (FileNotFoundError, IsADirectoryError):
        raise LutlearnError(f"{spec}: no such list file") from None
    except (UnicodeDecodeError, *_FS_ERRORS) as e:
        raise LutlearnError(f"{spec}: cannot read the list file ({_short(e)})") from None
    entries = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)
               if line.strip() and not line.lstrip().startswith("#")]
    if not entries:
        raise LutlearnError(f"{spec}: the list file names no photos")
    keys = [(n, _join(base, entry)) for n, entry in entries]
    if check:
        missing = [(n, key) for (n, key), ok in zip(keys, _exist([k for _, k in keys])) if not ok]
        if missing:
            shown = ", ".join(f"line {n}: {key}" for n, key in missing[:3])
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            raise LutlearnError(f"{spec}: {len(missing)} listed photo{'s' * (len(missing) > 1)} "
                                f"not found ({shown}{more})")
    return [key for _, key in keys]


def _join(base: str, entry: str) -> str:
    """A list entry relative to the list file's folder (absolute paths and URIs unchanged)."""
    if is_uri(entry) or os.path.isabs(entry):
        return entry
    return f"{base}/{entry}" if is_uri(base) else str(Path(base) / entry)


def _exist(keys: list[str]) -> list[bool]:
    """Whether each key is an existing file: a stat per local file, one listing per remote folder."""
    listings: dict[str, set[str]] = {}
    out = []
    for key in keys:
        path = local_path(key)
        if path is not None:
            out.append(path.is_file())
            continue
        folder = key.rsplit("/", 1)[0]
        if folder not in listings:
            fs, root = open_filesystem(folder)
            try:
                listings[folder] = {fs.unstrip_protocol(p) for p in fs.ls(root, detail=False)}
            except FileNotFoundError:
                listings[folder] = set()
            except _FS_ERRORS as e:
                raise LutlearnError(f"{folder}: cannot list ({_short(e)})") from None
        out.append(key in listings[folder])
    return out


@contextlib.contextmanager
def local_copy(key: str) -> Iterator[Path]:
    """A local file holding the photo ``key``; a download is removed afterwards.

    Raises:
        ImageReadError: the photo cannot be fetched (the message names ``key``).
    """
    path = local_path(key)
    if path is not None:
        yield path
        return
    fs, remote = open_filesystem(key)
    with tempfile.TemporaryDirectory(prefix="lutlearn-fetch-") as folder:
        tmp = Path(folder) / posixpath.basename(remote)
        try:
            fs.get_file(remote, str(tmp))
        except FileNotFoundError:
            raise ImageReadError(f"{key}: no such file") from None
        except _FS_ERRORS as e:
            raise ImageReadError(f"{key}: cannot fetch ({_short(e)})") from None
        yield tmp


def rename_in_message(message: str, local: Path, key: str) -> str:
    """An error message about a downloaded copy, made to name the key instead."""
    return message.replace(str(local), key)
