"""The image-size limit, checked from a file's header before a single pixel is decoded.

Pillow's own guard (``Image.MAX_IMAGE_PIXELS``) is a process-wide global that
only *warns* below twice its value and raises ``DecompressionBombError`` (not an
``OSError``) above, so a 1.3-MB PNG declaring 441 Mpx was decoded (4 GB) and a
50000x50000 one ended in a traceback. lutlearn's limit replaces it, and a user
can see and change it:

- ``LUTLEARN_MAX_PIXELS`` (``250000000``, ``250e6`` or ``250M``), else
- :func:`default_max_pixels`: 100 Mpx, lower on a machine with less than 1.6 GB
  of memory (16 bytes a pixel).

The limit counts pixels of up to 16-bit RGB (6 bytes a pixel once decoded);
an image whose pixels decode to more (16-bit with alpha: 8 bytes, 32-bit float:
12 or 16) counts in proportion, so 100 Mpx of 16-bit RGBA counts as 133 Mpx.
Applying a look to the largest image the default allows, of any of these
kinds, then peaks under 1.5 GB (measured: README, Limits).

:func:`open_checked` is how every lutlearn module opens an image file: Pillow
reads the header, the declared size is compared with the limit, and what a
conversion to one RGB frame would drop (CMYK, further frames) is noted; only
then may the caller decode.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from lutlearn.errors import ImageReadError, LutlearnError

__all__ = ["PIXELS_ENV", "max_pixels", "default_max_pixels", "check_pixels", "pixel_bytes", "open_checked"]

PIXELS_ENV = "LUTLEARN_MAX_PIXELS"
DEFAULT_CAP = 100_000_000
BYTES_PER_PIXEL = 16
_SUFFIX = {"": 1, "k": 1e3, "m": 1e6, "mp": 1e6, "mpx": 1e6, "g": 1e9}

Image.MAX_IMAGE_PIXELS = None  # lutlearn's limit is the only one (no DecompressionBombWarning or Error)


def default_max_pixels() -> int:
    """100 Mpx, or physical memory / 16 bytes when that is less (never under 16 Mpx)."""
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return DEFAULT_CAP
    return max(16_000_000, min(DEFAULT_CAP, memory // BYTES_PER_PIXEL))


def max_pixels() -> int:
    """The limit in pixels: ``$LUTLEARN_MAX_PIXELS`` or :func:`default_max_pixels`.

    Raises:
        LutlearnError: the variable is not a positive number of pixels.

    >>> os.environ[PIXELS_ENV] = "250M"; max_pixels()
    250000000
    >>> del os.environ[PIXELS_ENV]
    """
    text = os.environ.get(PIXELS_ENV, "").strip()
    if not text:
        return default_max_pixels()
    m = re.fullmatch(r"([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([a-z]*)", text.lower().replace("_", "").replace(",", ""))
    if not m or m.group(2) not in _SUFFIX or int(float(m.group(1)) * _SUFFIX[m.group(2)]) < 1:
        raise LutlearnError(f"{PIXELS_ENV} must be a positive number of pixels like 250000000, 250e6 or 250M; "
                            f"got {text[:40]!r}")
    return int(float(m.group(1)) * _SUFFIX[m.group(2)])


def _mpx(pixels: int) -> str:
    return f"{pixels / 1e6:g} Mpx" if pixels >= 1_000_000 else f"{pixels} pixels"


def check_pixels(size: tuple[int, int], path, limit: int | None = None, pixel_bytes: int = 6) -> None:
    """Raise :class:`ImageReadError` when ``width x height`` exceeds the limit (one line, saying how to raise it).

    Args:
        size: (width, height).
        path: how the message names the file.
        limit: pixels; default :func:`max_pixels`.
        pixel_bytes: bytes a pixel takes once decoded; above 6 it counts in proportion.

    >>> try:
    ...     check_pixels((50000, 50000), "bomb.png", limit=100_000_000)
    ... except ImageReadError as e:
    ...     print(e)
    bomb.png: 50000x50000 pixels (2500 Mpx) exceeds the limit of 100 Mpx (set LUTLEARN_MAX_PIXELS to raise it)
    """
    limit = max_pixels() if limit is None else limit
    width, height = size
    counted = width * height * max(6, pixel_bytes) // 6
    if counted > limit:
        kind = f"; {pixel_bytes} bytes a pixel count as {_mpx(counted)}" if counted > width * height else ""
        raise ImageReadError(f"{path}: {width}x{height} pixels ({_mpx(width * height)}{kind}) exceeds the limit "
                             f"of {_mpx(limit)} (set {PIXELS_ENV} to raise it)")


def pixel_bytes(im: Image.Image) -> int:
    """Bytes a pixel of the opened image takes once decoded for lutlearn: 3 or 4 channels of 1, 2 or 4 bytes."""
    args = im.tile[0][3] if im.tile else ""
    rawmode = (args[0] if isinstance(args, tuple) else args) or ""
    if im.mode in ("I", "F") or str(rawmode).endswith(("F", "32", "32L", "32B")):
        depth = 4
    elif "16" in str(rawmode) or im.mode.startswith("I;16"):
        depth = 2
    else:
        depth = 1
    alpha = "A" in im.getbands() or "transparency" in im.info
    return (4 if alpha else 3) * depth


@contextlib.contextmanager
def open_checked(path: str | os.PathLike, *, limit: int | None = None, notes: list | None = None):
    """``Image.open(path)`` with the declared size checked before anything is decoded.

    Args:
        path: the image file.
        limit: pixels; default :func:`max_pixels`.
        notes: when given, receives a phrase for each thing a conversion to one
            RGB frame drops ("CMYK converted ...", "animated image: only the first frame used").

    Yields:
        The opened, not yet decoded, ``PIL.Image``.

    Raises:
        ImageReadError: missing, empty, not an image, or over the limit; one line naming ``path``.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageReadError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ImageReadError(f"{path}: empty file (0 bytes)")
    try:
        im = Image.open(path)
    except UnidentifiedImageError:
        raise ImageReadError(f"{path}: not an image file (or a format Pillow cannot read)") from None
    except (OSError, SyntaxError, ValueError) as e:
        detail = str(e).splitlines()[0][:100] if str(e) else type(e).__name__
        raise ImageReadError(f"{path}: cannot read the image header ({detail})") from None
    with im:
        check_pixels(im.size, path, limit, pixel_bytes(im))
        if notes is not None:
            if im.mode == "CMYK":
                notes.append("CMYK converted to RGB without colour management")
            if getattr(im, "is_animated", False):  # not n_frames: counting frames reads every one
                notes.append("animated image: only the first frame used")
        yield im
