"""The text of a ``.cube`` file, read line by line with bounds: its encoding, binary junk, long lines, the size limit.

Real files come as UTF-8 (with or without a byte-order mark) or, from some
Windows tools, UTF-16; anything with NUL bytes or many control bytes is not a
text file at all. :func:`file_lines` sniffs the first 4 KiB, then yields lines
one at a time, each at most :data:`MAX_LINE` characters, so memory never
follows what a file holds, and a junk file is called junk instead of being
quoted. :func:`max_lut_size` is the largest ``LUT_3D_SIZE`` accepted.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Iterator

from lutlearn.errors import CubeParseError

__all__ = ["file_lines", "sniff_encoding", "max_lut_size", "quote", "MAX_LINE", "LUT_SIZE_ENV"]

MAX_LINE = 4096
LUT_SIZE_ENV = "LUTLEARN_MAX_LUT_SIZE"


def max_lut_size() -> int:
    """Largest LUT_3D_SIZE accepted: ``$LUTLEARN_MAX_LUT_SIZE`` (2..256) or 256, the format's maximum.

    A 256³ table takes 200 MB as float32.
    """
    text = os.environ.get(LUT_SIZE_ENV, "").strip()
    if not text:
        return 256
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 2 <= value <= 256:
        raise CubeParseError(f"{LUT_SIZE_ENV} must be an integer in 2..256, got {text[:40]!r}")
    return value


def quote(text: str, n: int = 40) -> str:
    """``text`` quoted for a message, cut to ``n`` characters.

    >>> quote("0 " * 100)
    "'0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 ...'"
    """
    return repr(text if len(text) <= n else text[:n] + "...")


def sniff_encoding(head: bytes, name: str) -> str:
    """The text encoding of a .cube file from its first bytes, or CubeParseError for binary data.

    >>> sniff_encoding(b"\\xef\\xbb\\xbfLUT_3D_SIZE 2", "x"), sniff_encoding("LUT".encode("utf-16-le"), "x")
    ('utf-8-sig', 'utf-16-le')
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and b"\0" in head:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
        raise CubeParseError(f"{name}: not a text .cube file (binary data: a NUL byte at offset {head.index(0)})")
    control = sum(1 for b in head if b < 9 or 13 < b < 32 or b == 127)
    if head and control > max(2, len(head) // 100):
        raise CubeParseError(f"{name}: not a text .cube file (binary data: {control} control bytes "
                             f"in the first {len(head)})")
    return "utf-8"


def file_lines(path: str | os.PathLike, name: str | None = None) -> Iterator[str]:
    """The lines of a .cube file, decoded as :func:`sniff_encoding` says, each at most :data:`MAX_LINE` characters.

    Raises:
        CubeParseError: unreadable, binary, or a line too long ("NAME line K: ...").
    """
    path = Path(path)
    name = str(path) if name is None else name
    try:
        with open(path, "rb") as raw:
            encoding = sniff_encoding(raw.read(4096), name)
        with open(path, encoding=encoding, errors="replace", newline=None) as f:
            lineno = 0
            while True:
                line = f.readline(MAX_LINE + 1)
                if not line:
                    return
                lineno += 1
                if len(line) > MAX_LINE and not line.endswith("\n"):
                    raise CubeParseError(f"{name} line {lineno}: longer than {MAX_LINE} characters "
                                         "(not a .cube file?)")
                if "\0" in line:
                    raise CubeParseError(f"{name} line {lineno}: not a text .cube file (binary data: a NUL byte)")
                yield line
    except OSError as e:
        raise CubeParseError(f"{name}: cannot read ({e.strerror or e})") from None
    except UnicodeError as e:
        raise CubeParseError(f"{name}: not a valid {encoding} text file ({str(e)[:60]})") from None
