"""The looks library: bundled looks shipped with lutlearn, plus the user's own.

A look is one file, its *payload*, named ``NAME.EXT``: a learned model
(``.npz``), a ``.cube`` LUT or a Hald CLUT (``.png``/``.tif``); beside it an
optional sidecar ``NAME.json`` (format ``lutlearn-look/1``) holds the name, a
one-line description, how it was made and, for learned looks, the fit's
ΔE2000. Looks come from two places:

- **bundled**: the repository's top-level ``looks/`` folder, installed as the
  package data ``lutlearn._looks`` and found with :mod:`importlib.resources`
  (in a source checkout without that mapping, ``looks/`` beside the package);
- **user**: :func:`user_dir`, i.e. ``looks/`` in :func:`lutlearn.paths.data_dir`
  (``$LUTLEARN_DATA_DIR``, else ``$XDG_DATA_HOME/lutlearn``, else ``~/.local/share/lutlearn``).

Names are unique across both (compared case-insensitively) and use letters,
digits, ``_`` and ``-``. Bundled looks cannot be removed.

>>> [info.name for info in list_looks() if info.origin == "bundled"][:2]
['bleach_bypass', 'cool_matte']
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import json
import math
import os
import re
import time
import warnings
from pathlib import Path

import numpy as np

from lutlearn import filekinds
from lutlearn.errors import LutlearnError, LutlearnWarning
from lutlearn.images import AllOrNothing, atomic_write, preflight_writable, write_error
from lutlearn.looks.look import open_look_file
from lutlearn.luts.lut import identity_grid
from lutlearn.paths import data_dir
from lutlearn.safejson import load_object

__all__ = ["LookInfo", "LookError", "LOOK_FORMAT", "user_dir", "list_looks", "find_look",
           "load_look", "load_info", "add_look", "remove_look", "check_name", "look_details"]

LOOK_FORMAT = "lutlearn-look/1"
_EXTENSIONS = filekinds.extensions("look")  # by priority, when one name has several files
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class LookError(LutlearnError):
    """A look name that is unknown, malformed or taken, or a look that cannot be added or removed."""


@dataclasses.dataclass(frozen=True)
class LookInfo:
    """One look of the library (what ``lutlearn looks`` lists).

    Attributes:
        name: unique name, e.g. "teal_orange".
        origin: "bundled" or "user".
        kind: "model", "cube" or "hald".
        description: one line ("" when unknown).
        made: how it was made ("" when unknown).
        delta_e2000: the fit's held-out ΔE2000 {"mean", "p95", "max"}, or None.
        entry: the payload file (a Path, or an importlib.resources Traversable).
    """

    name: str
    origin: str
    kind: str
    description: str = ""
    made: str = ""
    delta_e2000: dict | None = None
    entry: object = None

    def to_dict(self) -> dict:
        """JSON-ready: name, origin, kind, description, made, delta_e2000, file."""
        return {"name": self.name, "origin": self.origin, "kind": self.kind, "description": self.description,
                "made": self.made, "delta_e2000": self.delta_e2000, "file": str(self.entry)}


def user_dir() -> Path:
    """The folder of the user's looks: ``looks/`` in :func:`lutlearn.paths.data_dir` (not created here)."""
    return data_dir() / "looks"


def _bundled_root():
    """The bundled looks folder as a Traversable, or None when lutlearn ships none."""
    try:
        root = importlib.resources.files("lutlearn._looks")
    except ModuleNotFoundError:
        root = None
    if root is not None and root.is_dir():
        return root
    source = Path(__file__).resolve().parents[2] / "looks"  # a source checkout without the package mapping
    return source if source.is_dir() else None


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid look name, else raise :class:`LookError` (quoting at most 40 characters).

    >>> try:
    ...     check_name("x" * 100)
    ... except LookError as e:
    ...     print(str(e)[:60])
    invalid look name 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'...
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        shown = repr(str(name)[:40]) + ("..." if len(str(name)) > 40 else "")
        raise LookError(f"invalid look name {shown}: use letters, digits, '_' and '-' "
                        "(at most 64, starting with a letter or digit)")
    return name


def _read_sidecar(root, name: str) -> dict:
    """The sidecar ``name.json`` in ``root`` as a dict: {} when there is none, and a warning for anything
    unreadable or malformed (the sidecar is the data folder talking, not the user: the look still works)."""
    sidecar = root / f"{name}.json"
    if not sidecar.is_file():
        return {}
    try:
        meta = load_object(sidecar.read_text(encoding="utf-8"), str(sidecar))
    except (OSError, ValueError) as e:  # ValueError: bad UTF-8, or load_object's LutlearnError
        text = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
        text = text if text.startswith(str(sidecar)) else f"{sidecar}: {text}"
        warnings.warn(f"{text}; look description ignored", LutlearnWarning, stacklevel=3)
        return {}
    return _clean_sidecar(meta, sidecar)


def _clean_sidecar(meta: dict, sidecar) -> dict:
    """The sidecar's fields of the right type: text stays text, ``delta_e2000`` is {name: finite number} or None."""
    out = dict(meta)
    for key in ("description", "made"):
        if key in out and not isinstance(out[key], str):
            out[key] = json.dumps(out[key])[:200]
    de = out.get("delta_e2000")
    if de is not None and not (isinstance(de, dict) and de and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in de.values())):
        warnings.warn(f'{sidecar}: ignored malformed field delta_e2000 (expected {{"mean", "p95", "max"}} numbers)',
                      LutlearnWarning, stacklevel=4)
        out["delta_e2000"] = None
    return out


def _scan(root, origin: str) -> dict[str, LookInfo]:
    """name -> LookInfo for every payload in ``root`` (a Path or Traversable; may be None or missing)."""
    if root is None or not root.is_dir():
        return {}
    found: dict[str, LookInfo] = {}
    payloads = [(e, _ext(e)) for e in root.iterdir() if _ext(e) in _EXTENSIONS and e.is_file()]
    for entry, ext in sorted(payloads, key=lambda p: (_EXTENSIONS.index(p[1]), p[0].name)):
        name = entry.name[: -len(ext)]
        if not _NAME.fullmatch(name):
            continue
        if name in found:
            warnings.warn(f"{entry}: ignored; the look {name!r} is {found[name].entry}", LutlearnWarning, stacklevel=3)
            continue
        meta = _read_sidecar(root, name)
        found[name] = LookInfo(name=name, origin=origin, kind=filekinds.kind_of(entry.name, "look").name,
                               description=str(meta.get("description", "")),
                               made=str(meta.get("made", "")), delta_e2000=meta.get("delta_e2000"), entry=entry)
    return found


def _ext(entry) -> str:
    name = entry.name.lower()
    return name[name.rfind("."):] if "." in name else ""


def list_looks() -> list[LookInfo]:
    """Every look, bundled first, each group sorted by name.

    A user look whose name is taken by a bundled look is hidden, with a warning.
    """
    bundled = _scan(_bundled_root(), "bundled")
    user = _scan(user_dir(), "user")
    taken = {n.lower() for n in bundled}
    for name, info in list(user.items()):
        if name.lower() in taken:
            warnings.warn(f"{info.entry}: hidden by the bundled look {name!r}; rename the file", LutlearnWarning,
                          stacklevel=2)
            del user[name]
    return [bundled[n] for n in sorted(bundled)] + [user[n] for n in sorted(user)]


def find_look(name: str) -> LookInfo:
    """The look called ``name``.

    Raises:
        LookError: no such look (the message suggests close names).
    """
    looks = list_looks()
    for info in looks:
        if info.name == name:
            return info
    import difflib

    close = difflib.get_close_matches(name, [i.name for i in looks], n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise LookError(f"no look named {name!r}{hint} (`lutlearn looks` lists them)")


def load_look(name: str, method: str = "tetrahedral"):
    """Load the look called ``name`` as an object with ``apply(float32 (..., 3)) -> float32 (..., 3)``.

    Args:
        name: a bundled or user look.
        method: interpolation for LUT looks, "tetrahedral" or "trilinear"
            (learned models are evaluated exactly).

    Returns:
        A :class:`~lutlearn.looks.look.FunctionLook` or ``LatticeLook`` named ``name``.

    Raises:
        LookError: no such look. LutlearnError: its file cannot be read.
    """
    return load_info(find_look(name), method)


def load_info(info: LookInfo, method: str = "tetrahedral"):
    """Load the look that ``info`` (from :func:`list_looks`) describes; see :func:`load_look`."""
    with importlib.resources.as_file(info.entry) as path:
        return open_look_file(path, method=method, name=info.name)


def _validate_file(path: Path):
    """Load a candidate look file and run it on a few colours; returns the look."""
    if not path.is_file():
        raise LookError(f"{path}: no such file")
    if filekinds.kind_of(path, "look") is None:
        raise LookError(f"{path}: not a look file (expected one of {filekinds.describe('look')})")
    look = open_look_file(path)
    probe = identity_grid(5).reshape(-1, 3)
    out = np.asarray(look.apply(probe))
    if out.shape != probe.shape or not np.isfinite(out).all():
        raise LookError(f"{path}: the look gives non-finite values or the wrong shape {out.shape}")
    return look


def add_look(name: str, file: str | os.PathLike, description: str = "") -> LookInfo:
    """Validate ``file`` and copy it into the user's library as the look ``name``.

    Args:
        name: new, unique look name.
        file: a learned model ``.npz``, a ``.cube`` or a Hald ``.png``/``.tif``.
        description: one line; for a model without one, its metadata's description.

    Returns:
        The new look's :class:`LookInfo`.

    Raises:
        LookError: bad or taken name, bad file. LutlearnError: unreadable file.
    """
    check_name(name)
    path = Path(file)
    for info in list_looks():
        if info.name.lower() == name.lower():
            how = "remove it first (`lutlearn looks remove`)" if info.origin == "user" else "choose another name"
            raise LookError(f"a {info.origin} look named {info.name!r} already exists; {how}")
    _validate_file(path)
    meta = {"format": LOOK_FORMAT, "name": name, "description": " ".join(str(description).split()),
            "made": f"added from {path.resolve()}", "added": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    kind = filekinds.kind_of(path, "look")
    if kind.name == "model":
        meta.update(_model_meta(path, meta["description"]))
    folder, made = user_dir(), []
    preflight_writable(folder, create=True, created=made)
    ext = ".tif" if path.suffix.lower() == ".tiff" else path.suffix.lower()
    payload, sidecar = folder / f"{name}{ext}", folder / f"{name}.json"
    with AllOrNothing([payload, sidecar], folders=made):  # the look, its sidecar and new folders, or nothing
        with atomic_write(payload) as tmp:
            Path(tmp).write_bytes(path.read_bytes())
        with atomic_write(sidecar) as tmp:
            Path(tmp).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return find_look(name)


def _model_meta(path: Path, description: str) -> dict:
    """Description and ΔE2000 from a learned model's metadata (for looks added from .npz)."""
    meta = filekinds.reader(filekinds.kind_of(path, "model"))(path).metadata
    extra = {"delta_e2000": (meta.get("metrics") or {}).get("delta_e2000_heldout")}
    if not description:
        extra["description"] = str(meta.get("description", ""))
    return extra


def remove_look(name: str) -> Path:
    """Delete the user look ``name`` (payload and sidecar); returns the payload path removed.

    Raises:
        LookError: no such look, or a bundled one.
    """
    info = find_look(name)
    if info.origin != "user":
        raise LookError(f"{name!r} is a bundled look; only user looks can be removed")
    entry = Path(info.entry)
    try:
        entry.unlink()
        entry.with_suffix(".json").unlink(missing_ok=True)
    except OSError as e:
        raise write_error(entry, e, "cannot remove") from None
    return entry


def look_details(name: str) -> dict:
    """Everything known about a look: :meth:`LookInfo.to_dict` plus what its file says.

    Adds ``model`` (architecture) and ``training`` for learned looks, ``size``
    (nodes per axis) for LUTs, or ``error`` when the file cannot be read.
    """
    info = find_look(name)
    details = info.to_dict()
    try:
        with importlib.resources.as_file(info.entry) as path:
            kind = filekinds.kind_of(path, "look")
            content = filekinds.reader(kind)(path)
            if kind.name == "model":
                details["model"] = content.spec.describe()
                details["training"] = content.metadata.get("training")
            else:
                details["size"] = getattr(content, "size", None)
    except LutlearnError as e:
        details["error"] = str(e)
    return details
