"""Iridas/Adobe ``.cube`` 3D LUTs.

Data rows are ``R G B`` floats with **red changing most rapidly**, then green,
then blue, which is the C-order flattening of our [b, g, r] table: reading is a
plain reshape. The writer emits ``DOMAIN_MIN``/``DOMAIN_MAX`` only when the
domain is not the default 0..1.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Iterable

import numpy as np

from lutlearn.errors import CubeParseError
from lutlearn.imageio import atomic_write
from lutlearn.lut import LUT3D

__all__ = ["parse_cube", "format_cube", "read_cube", "write_cube"]


def read_cube(path: str | os.PathLike) -> LUT3D:
    """Read a .cube file; errors name the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise CubeParseError(f"{path}: cannot read ({e.strerror})") from None
    return parse_cube(text.splitlines(), name=str(path))


def parse_cube(lines: Iterable[str], name: str = "<cube>") -> LUT3D:
    """Parse the lines of a .cube file into a :class:`LUT3D`.

    Args:
        lines: the file's lines (any iterable of str; CRLF endings are fine).
        name: how errors refer to the source.

    Raises:
        CubeParseError: "NAME line K: expected ..., got ...".
    """
    title, size = "", None
    dmin, dmax = np.zeros(3, np.float32), np.ones(3, np.float32)
    rows: list[list[float]] = []
    last = 0
    for lineno, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        last = lineno
        head, _, rest = line.partition(" ")
        key = head.upper()
        if key == "TITLE":
            title = rest.strip().strip('"')
        elif key == "LUT_3D_SIZE":
            size = _int(rest, lineno, name, "an integer LUT_3D_SIZE in 2..256")
            if not 2 <= size <= 256:
                raise CubeParseError(f"{name} line {lineno}: LUT_3D_SIZE must be in 2..256, got {size}")
        elif key == "DOMAIN_MIN":
            dmin = _floats(rest, lineno, name, 3)
        elif key == "DOMAIN_MAX":
            dmax = _floats(rest, lineno, name, 3)
        elif key == "LUT_3D_INPUT_RANGE":
            lo, hi = _floats(rest, lineno, name, 2)
            dmin, dmax = np.full(3, lo, np.float32), np.full(3, hi, np.float32)
        elif key[0].isalpha() and not key.startswith(("NAN", "INF")):
            if key.startswith("LUT_1D"):
                raise CubeParseError(f"{name} line {lineno}: 1D LUTs are not supported here (expected a 3D .cube)")
            continue  # unknown keyword: ignored, as the spec allows
        else:
            rows.append(_floats(line, lineno, name, 3).tolist())
    if size is None:
        raise CubeParseError(f"{name}: missing LUT_3D_SIZE line")
    if len(rows) != size**3:
        raise CubeParseError(f"{name} line {last}: expected {size}^3 = {size**3} data rows, got {len(rows)}")
    table = np.asarray(rows, dtype=np.float32).reshape(size, size, size, 3)
    try:
        return LUT3D(table, title=title, domain_min=dmin, domain_max=dmax)
    except ValueError as e:
        raise CubeParseError(f"{name}: {e}") from None


def _int(text: str, lineno: int, name: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise CubeParseError(f"{name} line {lineno}: expected {what}, got {text.strip()!r}") from None


def _floats(text: str, lineno: int, name: str, count: int) -> np.ndarray:
    parts = text.split()
    try:
        values = np.array([float(p) for p in parts], dtype=np.float32)
    except ValueError:
        values = None
    if values is None or len(parts) != count or not np.isfinite(values).all():
        raise CubeParseError(f"{name} line {lineno}: expected {count} finite numbers, got {text.strip()!r}")
    return values


def format_cube(lut: LUT3D, decimals: int = 6) -> str:
    """The text of a .cube file for ``lut``, with ``decimals`` digits per value."""
    head = []
    if lut.title:
        head.append(f'TITLE "{lut.title}"')
    head.append(f"LUT_3D_SIZE {lut.size}")
    if not lut.has_default_domain:
        head.append("DOMAIN_MIN " + " ".join(f"{v:.{decimals}f}" for v in lut.domain_min))
        head.append("DOMAIN_MAX " + " ".join(f"{v:.{decimals}f}" for v in lut.domain_max))
    body = io.StringIO()
    np.savetxt(body, lut.table.reshape(-1, 3).astype(np.float64), fmt=f"%.{decimals}f")
    return "\n".join(head) + "\n" + body.getvalue()


def write_cube(lut: LUT3D, path: str | os.PathLike, decimals: int = 6) -> Path:
    """Write ``lut`` as a .cube file, atomically."""
    path = Path(path)
    text = format_cube(lut, decimals)
    with atomic_write(path) as tmp:
        Path(tmp).write_text(text, encoding="ascii")
    return path
