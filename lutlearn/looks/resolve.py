"""Turn a ``--look`` argument into a look: a look file, or the name of a look in the library.

:func:`is_look_name` is the one rule that tells the two apart: a name has no
folder separator and no extension (``teal_orange``); anything else is a path.
"""

from __future__ import annotations

import os
from pathlib import Path

from lutlearn.looks.library import load_look
from lutlearn.looks.look import Look, open_look_file

__all__ = ["resolve_look", "is_look_name"]


def is_look_name(spec: str | os.PathLike) -> bool:
    """True when ``spec`` names a look of the library rather than a file.

    >>> is_look_name("teal_orange"), is_look_name("teal_orange.cube"), is_look_name("looks/sepia")
    (True, False, False)
    """
    text = os.fspath(spec)
    separators = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    return bool(text) and not any(sep in text for sep in separators) and not Path(text).suffix


def resolve_look(spec: str | os.PathLike, method: str = "tetrahedral") -> Look:
    """The look named by ``spec``: a LUT file, a model file, or a look name.

    Args:
        spec: a path (.cube, Hald .png/.tif, model .npz) or a look name.
        method: interpolation for LUT files ("tetrahedral" or "trilinear").

    Raises:
        LutlearnError: no such file, unreadable file, or no look of that name.

    >>> resolve_look("no_such_look")
    Traceback (most recent call last):
    ...
    lutlearn.looks.library.LookError: no look named 'no_such_look' (`lutlearn looks` lists them)
    """
    if is_look_name(spec):
        return load_look(os.fspath(spec), method)
    return open_look_file(spec, method)
