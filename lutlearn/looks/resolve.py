"""Turn a ``--look`` argument into a look: a look file, or the name of a look in the library.

:func:`is_look_name` is the one rule that tells the two apart: a name has no
folder separator and no extension (``teal_orange``); anything else is a path.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from lutlearn.errors import LutlearnError
from lutlearn.looks.library import load_look
from lutlearn.looks.look import FunctionLook, LatticeLook, Look, open_look_file
from lutlearn.luts.lut import LUT3D

__all__ = ["resolve_look", "is_look_name"]


def is_look_name(spec: str | os.PathLike) -> bool:
    """True when ``spec`` names a look of the library rather than a file.

    >>> is_look_name("teal_orange"), is_look_name("teal_orange.cube"), is_look_name("looks/sepia")
    (True, False, False)
    """
    text = os.fspath(spec)
    separators = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    return bool(text) and not any(sep in text for sep in separators) and not Path(text).suffix


def resolve_look(spec: str | os.PathLike, method: str = "tetrahedral", *, engine: str = "auto",
                 bake: int | None = None) -> Look:
    """The look named by ``spec``: a LUT file, a model file, or a look name.

    Args:
        spec: a path (.cube, Hald .png/.tif, model .npz) or a look name.
        method: interpolation for LUT files ("tetrahedral" or "trilinear").
        engine: for LUT looks, "auto", "numpy" or "compiled" (see :class:`LatticeLook`).
        bake: bake a learned model (or any function look) into a LUT of
            ``bake``³ nodes first: much faster on 16-bit photos, with the LUT's
            interpolation error instead of none. LUT looks are used as they are.

    Raises:
        LutlearnError: no such file, unreadable file, no look of that name, or a bad ``bake`` size.

    >>> resolve_look("no_such_look")
    Traceback (most recent call last):
    ...
    lutlearn.looks.library.LookError: no look named 'no_such_look' (`lutlearn looks` lists them)
    """
    look = load_look(os.fspath(spec), method) if is_look_name(spec) else open_look_file(spec, method)
    if bake is not None and isinstance(look, FunctionLook):
        if not 2 <= bake <= 256:
            raise LutlearnError(f"bake size must be in 2..256, got {bake}")
        lut = LUT3D.bake(look.apply, bake, title=f"{look.name} baked {bake}^3")
        return LatticeLook(lut, method, name=f"{look.name} (baked {bake}^3)", engine=engine)
    if isinstance(look, LatticeLook) and engine != look.engine:
        return dataclasses.replace(look, engine=engine)
    return look
