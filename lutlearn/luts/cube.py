"""Iridas/Adobe and DaVinci Resolve ``.cube`` LUTs.

A file holds a header of keywords, then rows of ``R G B`` floats:

- ``LUT_3D_SIZE N``: N³ rows, **red changing most rapidly**, then green, then
  blue. That is the C-order flattening of our [b, g, r] table, so reading is a
  plain reshape. N may be any size in 2..256, even ones such as 32.
- ``LUT_1D_SIZE M``: M rows of per-channel curve samples (M in 2..65536).
- Both (Resolve): the M 1D rows come first and form a "shaper" applied before
  the 3D table (:class:`lutlearn.luts.shaper.ShaperLUT`).
- ``DOMAIN_MIN``/``DOMAIN_MAX`` (3 values, Adobe) or ``LUT_1D_INPUT_RANGE`` /
  ``LUT_3D_INPUT_RANGE`` (2 values, Resolve) set the input range; in a shaper
  file the DOMAIN lines describe the shaper's input.
- ``TITLE "..."``; ``#`` starts a comment; blank lines, CRLF endings and
  keywords in any order are fine; unknown keywords before the data are ignored.

Every error names the file, the line and what was expected, e.g.
``look.cube line 7: expected 3 numbers (R G B), got 'nan 0.1'``.

Reading is streamed: lines come one at a time (:mod:`lutlearn.luts.cube_text`:
UTF-8 with or without BOM, UTF-16, binary junk refused, lines capped), the
float32 table is allocated from the declared size (at most
``LUTLEARN_MAX_LUT_SIZE``, default 256) and rows are parsed in batches into it,
so memory follows the table (12 bytes a node), not the file's text.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import warnings
from pathlib import Path
from typing import Iterable, Iterator, Union

import numpy as np

from lutlearn.errors import CubeParseError, LutlearnError, LutlearnWarning
from lutlearn.images import atomic_write
from lutlearn.luts.cube_text import file_lines, max_lut_size, quote
from lutlearn.luts.lut import LUT3D
from lutlearn.luts.lut1d import LUT1D
from lutlearn.luts.shaper import ShaperLUT

__all__ = ["parse_cube", "format_cube", "read_cube", "write_cube", "CubeLUT"]

CubeLUT = Union[LUT3D, LUT1D, ShaperLUT]

_KEYWORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_NUMBERS = {"DOMAIN_MIN": 3, "DOMAIN_MAX": 3, "LUT_1D_INPUT_RANGE": 2, "LUT_3D_INPUT_RANGE": 2}
_BATCH = 16384  # data rows parsed at a time
_F32_MAX = float(np.finfo(np.float32).max)
_NUMBER_START = frozenset("0123456789.+-")


def read_cube(path: str | os.PathLike) -> CubeLUT:
    """Read a .cube file: a :class:`LUT3D` for a plain 3D file (see :func:`parse_cube`)."""
    return parse_cube(file_lines(path), name=str(path))


def parse_cube(lines: Iterable[str], name: str = "<cube>") -> CubeLUT:
    """Parse the lines of a .cube file.

    Args:
        lines: the file's lines (any iterable of str; CRLF endings are fine).
        name: how errors refer to the source.

    Returns:
        A :class:`LUT3D` for a 3D file, a :class:`LUT1D` for a 1D file, a
        :class:`ShaperLUT` for Resolve's 1D shaper + 3D table.

    Raises:
        CubeParseError: "NAME line K: expected ..., got ...".

    >>> parse_cube(["LUT_3D_SIZE 2"] + ["0 0 0", "1 0 0", "0 1 0", "1 1 0", "0 0 1", "1 0 1", "0 1 1", "1 1 1"]).size
    2
    """
    reader = _Lines(lines)
    header, first = _header(reader, name)
    n3, n1 = header.get("LUT_3D_SIZE"), header.get("LUT_1D_SIZE")
    if n3 is None and n1 is None:
        where = f"line {first[1]}: data row" if first else f"line {reader.last}: end of file"
        raise CubeParseError(f"{name} {where} before any LUT_3D_SIZE or LUT_1D_SIZE line (expected one of them first)")
    values = _rows(reader, first, header, name)
    m = n1[0] if n1 else 0
    try:
        return _build(header, values[:m], values[m:], name)
    except CubeParseError:
        raise
    except LutlearnError as e:
        raise CubeParseError(f"{name}: {e}") from None


class _Lines:
    """The lines that say something, as (text without its comment, line number); ``last``: the last line number read."""

    def __init__(self, lines: Iterable[str]):
        self._lines = enumerate(lines, 1)
        self.last = 0

    def __iter__(self) -> Iterator[tuple[str, int]]:
        for lineno, raw in self._lines:
            self.last = lineno
            stripped = raw.strip()
            title = stripped.split(None, 1)[0].upper() == "TITLE" if stripped else False
            line = stripped if title else stripped.split("#", 1)[0].strip()  # a title may hold '#'
            if line:
                yield line, lineno


def _header(reader: _Lines, name: str) -> tuple[dict, tuple[str, int] | None]:
    """Header keywords {KEY: (value, lineno)}, and the first data row (text, line), None if there is none."""
    header: dict = {}
    for line, lineno in reader:
        first = line.split(None, 1)[0]
        if first.upper() == "TITLE":
            _keyword(header, "TITLE", line[5:].strip().strip('"'), lineno, name)
        elif _KEYWORD.match(first) and not _is_number(first):
            _keyword(header, first.upper(), line[len(first):].strip(), lineno, name)
        else:
            return header, (line, lineno)
    return header, None


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _keyword(header: dict, key: str, rest: str, lineno: int, name: str) -> None:
    if key not in ("LUT_3D_SIZE", "LUT_1D_SIZE", "TITLE") and key not in _NUMBERS:
        return  # unknown keyword before the data: ignored, as readers commonly do
    if key in header:
        raise CubeParseError(f"{name} line {lineno}: {key} given twice (first on line {header[key][1]})")
    if key in ("LUT_3D_SIZE", "LUT_1D_SIZE"):
        value = _size(key, rest, lineno, name)
    elif key in _NUMBERS:
        value = _floats(rest, lineno, name, _NUMBERS[key], key)
    else:
        value = rest[:256]
    header[key] = (value, lineno)


def _size(key: str, text: str, lineno: int, name: str) -> int:
    top = max_lut_size() if key == "LUT_3D_SIZE" else 65536
    text = text.strip()
    if not re.fullmatch(r"[+-]?\d{1,12}", text):
        raise CubeParseError(f"{name} line {lineno}: expected an integer {key} in 2..{top}, got {quote(text)}")
    size = int(text)
    if not 2 <= size <= top:
        hint = " (LUTLEARN_MAX_LUT_SIZE)" if key == "LUT_3D_SIZE" and top < 256 and size <= 256 else ""
        raise CubeParseError(f"{name} line {lineno}: {key} must be in 2..{top}{hint}, got {size}")
    return size


def _floats(text: str, lineno: int, name: str, count: int, what: str) -> np.ndarray:
    parts = text.split()
    try:
        values = np.array([float(p) for p in parts], dtype=np.float64)
    except ValueError:
        values = None
    if values is None or len(parts) != count or not (np.isfinite(values) & (np.abs(values) <= _F32_MAX)).all():
        raise CubeParseError(f"{name} line {lineno}: expected {count} finite numbers after {what}, "
                             f"got {quote(text.strip())}")
    return values.astype(np.float32)


def _rows(reader: _Lines, first: tuple[str, int] | None, header: dict, name: str) -> np.ndarray:
    """The data rows, parsed a batch at a time into a float32 (rows, 3) table of the declared size."""
    m, n = header.get("LUT_1D_SIZE", (0,))[0], header.get("LUT_3D_SIZE", (0,))[0]
    what = " + ".join(([f"{m} (LUT_1D_SIZE)"] if m else []) + ([f"{n}^3 = {n**3} (LUT_3D_SIZE)"] if n else []))
    expected = m + n**3
    values = np.empty((expected, 3), np.float32)  # pages are touched only as rows arrive
    count, batch, began = 0, [], first[1] if first else 0
    for line, lineno in itertools.chain([first] if first else [], reader):
        if line[0] not in _NUMBER_START:
            _no_keyword(line, lineno, began, name)
        if count + len(batch) == expected:
            _refuse_extra(line, lineno, began, what, name)
        batch.append((line, lineno))
        if len(batch) == _BATCH:
            values[count:count + len(batch)] = _parse_batch(batch, began, name)
            count, batch = count + len(batch), []
    if batch:
        values[count:count + len(batch)] = _parse_batch(batch, began, name)
        count += len(batch)
    if count < expected:
        raise CubeParseError(f"{name} line {reader.last}: file ends after {count} data rows; expected {what}")
    return values


def _refuse_extra(line: str, lineno: int, began: int, what: str, name: str) -> None:
    """A line after the last expected row: a keyword out of place, or one row too many."""
    _no_keyword(line, lineno, began, name)
    raise CubeParseError(f"{name} line {lineno}: expected {what} data rows, found more ({quote(line)})")


def _no_keyword(line: str, lineno: int, began: int, name: str) -> None:
    first = line.split(None, 1)[0]
    key = first.upper()
    if _KEYWORD.match(first) and not _is_number(first) and (key in _NUMBERS or key in (
            "LUT_3D_SIZE", "LUT_1D_SIZE", "TITLE")):
        raise CubeParseError(f"{name} line {lineno}: {key} after the data rows began on line {began} "
                             "(keywords come first)")


def _parse_batch(batch: list[tuple[str, int]], began: int, name: str) -> np.ndarray:
    """Rows of text -> float64 (len, 3), checked finite and within float32; the first bad row is named."""
    tokens = " ".join(line for line, _ in batch).split()
    try:
        if len(tokens) != 3 * len(batch):
            raise ValueError("a row without 3 numbers")
        rows = np.array(tokens, dtype=np.float64).reshape(-1, 3)
    except ValueError:
        for line, lineno in batch:  # the slow path, only to name the line
            _no_keyword(line, lineno, began, name)
            parts = line.split()
            if len(parts) != 3 or not all(_is_number(t) for t in parts):
                raise CubeParseError(f"{name} line {lineno}: expected 3 numbers (R G B), got {quote(line)}") from None
        raise
    bad = np.flatnonzero(~(np.isfinite(rows) & (np.abs(rows) <= _F32_MAX)).all(axis=1))
    if bad.size:
        line, lineno = batch[int(bad[0])]
        beyond = "" if not np.isfinite(rows[bad[0]]).all() else " (beyond the float32 range)"
        raise CubeParseError(f"{name} line {lineno}: expected 3 finite numbers (R G B), got {quote(line)}{beyond}")
    return rows


def _domain(header: dict, range_key: str, name: str, domain_lines: bool = True):
    """(min, max) from the Resolve range keyword or DOMAIN_MIN/MAX, or the default 0..1."""
    lo, hi, lineno = np.zeros(3, np.float32), np.ones(3, np.float32), 0
    if range_key in header:
        (a, b), lineno = header[range_key]
        lo, hi = np.full(3, a, np.float32), np.full(3, b, np.float32)
    elif domain_lines:
        if "DOMAIN_MIN" in header:
            lo, lineno = header["DOMAIN_MIN"]
        if "DOMAIN_MAX" in header:
            hi, lineno = header["DOMAIN_MAX"]
    if not (hi > lo).all():
        raise CubeParseError(f"{name} line {lineno}: expected the domain maximum {hi.tolist()} to exceed the minimum "
                             f"{lo.tolist()}")
    return lo, hi


def _build(header: dict, rows1d: np.ndarray, rows3d: np.ndarray, name: str) -> CubeLUT:
    title = header.get("TITLE", ("", 0))[0]
    n3, n1 = header.get("LUT_3D_SIZE"), header.get("LUT_1D_SIZE")
    if n1 is None and "LUT_1D_INPUT_RANGE" in header:
        warnings.warn(f"{name} line {header['LUT_1D_INPUT_RANGE'][1]}: LUT_1D_INPUT_RANGE without LUT_1D_SIZE "
                      "ignored (as DaVinci Resolve does)", LutlearnWarning, stacklevel=4)
    if n1 is not None:
        lo, hi = _domain(header, "LUT_1D_INPUT_RANGE", name)
        shaper = LUT1D(rows1d, title=title, domain_min=lo, domain_max=hi)
        if n3 is None:
            return shaper
    if n3 is not None:
        n = n3[0]
        lo, hi = _domain(header, "LUT_3D_INPUT_RANGE", name, domain_lines=n1 is None)
        lut = LUT3D(rows3d.reshape(n, n, n, 3), title=title, domain_min=lo, domain_max=hi)
        return lut if n1 is None else ShaperLUT(shaper, lut, title=title)
    raise AssertionError("unreachable: a size keyword was checked before")


def _row_text(values: np.ndarray, decimals: int) -> str:
    body = io.StringIO()
    np.savetxt(body, values.reshape(-1, 3).astype(np.float64), fmt=f"%.{decimals}f")
    return body.getvalue()


def _range_line(key: str, lut, decimals: int) -> str:
    lo, hi = lut.domain_min, lut.domain_max
    if not ((lo == lo[0]).all() and (hi == hi[0]).all()):
        raise LutlearnError(f"{key} takes one range for all channels; this LUT has {lo.tolist()}..{hi.tolist()}")
    return f"{key} {lo[0]:.{decimals}f} {hi[0]:.{decimals}f}"


def format_cube(lut: CubeLUT, decimals: int = 6) -> str:
    """The text of a .cube file for ``lut``, with ``decimals`` digits per value.

    A :class:`ShaperLUT` is written in Resolve's layout (sizes and
    ``LUT_*D_INPUT_RANGE`` lines, then the 1D rows, then the 3D rows).
    """
    head = [f'TITLE "{lut.title}"'] if lut.title else []
    if isinstance(lut, ShaperLUT):
        head += [f"LUT_1D_SIZE {lut.shaper.size}", _range_line("LUT_1D_INPUT_RANGE", lut.shaper, decimals),
                 f"LUT_3D_SIZE {lut.lut.size}", _range_line("LUT_3D_INPUT_RANGE", lut.lut, decimals)]
        return "\n".join(head) + "\n" + _row_text(lut.shaper.table, decimals) + _row_text(lut.lut.table, decimals)
    head.append(f"LUT_{'1' if isinstance(lut, LUT1D) else '3'}D_SIZE {lut.size}")
    if not lut.has_default_domain:
        head.append("DOMAIN_MIN " + " ".join(f"{v:.{decimals}f}" for v in lut.domain_min))
        head.append("DOMAIN_MAX " + " ".join(f"{v:.{decimals}f}" for v in lut.domain_max))
    return "\n".join(head) + "\n" + _row_text(lut.table, decimals)


def write_cube(lut: CubeLUT, path: str | os.PathLike, decimals: int = 6) -> Path:
    """Write ``lut`` as a .cube file, atomically."""
    path = Path(path)
    text = format_cube(lut, decimals)
    with atomic_write(path) as tmp:
        Path(tmp).write_text(text, encoding="ascii")
    return path
