"""The one registry of file kinds: which extensions lutlearn reads and writes, as what, and with which functions.

Every kind is defined once, in :data:`KINDS`: a name, its extensions (the
first is the one lutlearn writes by default), a description for messages, and
its roles:

- ``"image"``: a photo, read and written by :mod:`lutlearn.images`;
- ``"lut"``: a LUT file (``.cube``, Hald CLUT image), :mod:`lutlearn.luts`;
- ``"model"``: a learned-model file, :mod:`lutlearn.learn.modelfile`;
- ``"look"``: anything ``--look`` accepts (a LUT or a model);
- ``"export"``: what ``fit`` and ``bake`` write (a LUT or a model).

The same extension may mean different kinds in different roles: ``.png`` is a
``"png"`` image and a ``"hald"`` LUT. The stage that owns a format registers
its reader and writer with :func:`register` when it is imported (Pillow's
plugin pattern), so this module depends on no stage; importing :mod:`lutlearn`
imports every stage.

>>> kind_of("look.CUBE", "look").name
'cube'
>>> extensions("image")
('.png', '.jpg', '.jpeg', '.tif', '.tiff')
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Callable

from lutlearn.errors import LutlearnError

__all__ = ["FileKind", "KINDS", "register", "kinds", "extensions", "kind_of", "require", "reader", "writer",
           "describe"]


@dataclasses.dataclass(frozen=True)
class FileKind:
    """One kind of file.

    Attributes:
        name: short name, e.g. "cube", "hald", "model", "png".
        extensions: lower-case extensions with the dot; the first is canonical.
        description: a few words for messages, e.g. ".cube 3D LUT".
        roles: what the file can be used as (see the module docstring).
        codec: for images, Pillow's format name ("PNG", "JPEG", "TIFF").
    """

    name: str
    extensions: tuple[str, ...]
    description: str
    roles: frozenset
    codec: str = ""


_LUT, _MODEL = frozenset({"lut", "look", "export"}), frozenset({"model", "look", "export"})
KINDS: tuple[FileKind, ...] = (
    FileKind("model", (".npz",), "learned model", _MODEL),
    FileKind("cube", (".cube",), ".cube 3D LUT", _LUT),
    FileKind("hald", (".png", ".tif", ".tiff"), "Hald CLUT image", _LUT),
    FileKind("png", (".png",), "PNG image", frozenset({"image"}), codec="PNG"),
    FileKind("jpeg", (".jpg", ".jpeg"), "JPEG image", frozenset({"image"}), codec="JPEG"),
    FileKind("tiff", (".tif", ".tiff"), "TIFF image", frozenset({"image"}), codec="TIFF"),
)
_BY_NAME = {k.name: k for k in KINDS}
_READERS: dict[str, Callable] = {}
_WRITERS: dict[str, Callable] = {}


def register(name: str, *, reader: Callable | None = None, writer: Callable | None = None) -> None:
    """Attach the reader ``reader(path)`` and writer ``writer(obj, path, **options)`` of the kind ``name``."""
    if name not in _BY_NAME:
        raise KeyError(f"no file kind named {name!r}")
    if reader is not None:
        _READERS[name] = reader
    if writer is not None:
        _WRITERS[name] = writer


def kinds(role: str | None = None) -> tuple[FileKind, ...]:
    """Every kind, or those with ``role``, in :data:`KINDS` order (the order lookups prefer)."""
    return tuple(k for k in KINDS if role is None or role in k.roles)


def extensions(role: str) -> tuple[str, ...]:
    """The extensions of every kind with ``role``, without repeats, in order."""
    return tuple(dict.fromkeys(ext for k in kinds(role) for ext in k.extensions))


def _suffix(path: str | os.PathLike) -> str:
    return Path(path).suffix.lower()


def kind_of(path: str | os.PathLike, role: str) -> FileKind | None:
    """The kind of ``path`` in ``role``, by its extension (case-insensitive), or None."""
    ext = _suffix(path)
    return next((k for k in kinds(role) if ext in k.extensions), None)


def describe(role: str) -> str:
    """The extensions of ``role`` for messages: ``.npz, .cube, .png, .tif, .tiff``."""
    return ", ".join(extensions(role))


def require(path: str | os.PathLike, role: str, what: str | None = None) -> FileKind:
    """:func:`kind_of`, or a :class:`LutlearnError` naming the file and the extensions allowed.

    Args:
        path: the file.
        role: as in :data:`KINDS`.
        what: how the message names the role (default: the role).
    """
    kind = kind_of(path, role)
    if kind is None:
        what = what or role
        ext = f"unknown {what} type {_suffix(path)!r}" if _suffix(path) else "no extension"
        raise LutlearnError(f"{path}: not {_article(what)} file ({ext}; expected one of {describe(role)})")
    return kind


def _article(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeio" else "a ") + noun


def reader(kind: FileKind) -> Callable:
    """The registered reader of ``kind``."""
    return _READERS[kind.name]


def writer(kind: FileKind) -> Callable:
    """The registered writer of ``kind``."""
    return _WRITERS[kind.name]
