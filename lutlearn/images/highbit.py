"""Image metadata that Pillow cannot carry by itself: TIFF EXIF, TIFF orientation, PNG metadata chunks.

- :func:`tiff_exif`: the photo-level EXIF tags of a TIFF, read by Pillow from the header;
- :func:`tiff_as_stored`: a TIFF's bytes with Orientation 1, for decoders that would turn the pixels;
- :func:`png_with_metadata`: ``iCCP``, ``eXIf`` and ``pHYs`` chunks put into an encoded PNG
  (PNG 1.2 + the 2017 eXIf extension).

16-bit PNG and TIFF are written by :mod:`lutlearn.images.png`,
:mod:`lutlearn.images.png16` and :mod:`lutlearn.images.tiff`, metadata included.
Only :mod:`lutlearn.images` calls this module.
"""

from __future__ import annotations

import struct
from pathlib import Path

from PIL import Image

from lutlearn.images.png16 import metadata_chunks
from lutlearn.images.tiff import LAYOUT_TAGS

__all__ = ["png_with_metadata", "tiff_as_stored", "tiff_exif"]

_ORIENTATION = 274


def tiff_exif(path: str | Path) -> bytes | None:
    """The photo-level EXIF tags of a TIFF file as an EXIF block (bytes), or None.

    The file is opened on its own, apart from the pixels' decoder.
    """
    exif = Image.Exif()
    with Image.open(path) as im:
        exif.load(_with_subifds(im.getexif()).tobytes())
    _with_subifds(exif)
    for tag in [t for t in exif if t in LAYOUT_TAGS]:
        del exif[tag]
    return exif.tobytes() if len(exif) else None


def _with_subifds(exif: Image.Exif) -> Image.Exif:
    for ifd in (0x8769, 0x8825):  # load the Exif and GPS sub-IFDs so tobytes() writes them
        if ifd in exif:
            exif.get_ifd(ifd)
    return exif


def tiff_as_stored(data: bytes) -> bytes:
    """A TIFF file's bytes with its Orientation tag set to 1 (other files unchanged).

    Pillow and OpenCV turn TIFF pixels by the Orientation tag as they decode;
    lutlearn keeps the pixels as stored and passes the tag through in the EXIF
    block instead, so the decoders get a copy whose tag says "as stored".
    """
    if data[:4] not in (b"II*\x00", b"MM\x00*"):
        return data  # not a classic TIFF (BigTIFF, PNG, ...)
    e = "<" if data[:2] == b"II" else ">"
    (ifd,) = struct.unpack(e + "I", data[4:8])
    if ifd + 2 > len(data):
        return data
    (count,) = struct.unpack(e + "H", data[ifd : ifd + 2])
    for k in range(count):
        at = ifd + 2 + 12 * k
        if at + 12 > len(data):
            break
        tag, kind, n = struct.unpack(e + "HHI", data[at : at + 8])
        if tag == _ORIENTATION and kind == 3 and n == 1:
            return data[: at + 8] + struct.pack(e + "H", 1) + data[at + 10 :]
    return data


def png_with_metadata(png: bytes, icc_profile: bytes | None, exif: bytes | None, dpi) -> bytes:
    """Insert iCCP / eXIf / pHYs chunks into an encoded PNG (replacing any already there).

    Args:
        png: a complete PNG file.
        icc_profile: ICC profile bytes or None.
        exif: EXIF block, with or without the ``Exif\\0\\0`` prefix, or None.
        dpi: (x, y) dots per inch or None.
    """
    extra = metadata_chunks(icc_profile, exif, dpi)
    if not extra:
        return png
    drop = {b"iCCP", b"sRGB", b"pHYs", b"eXIf"}
    out, pos = [png[:8]], 8
    while pos < len(png):
        (length,), kind = struct.unpack(">I", png[pos : pos + 4]), png[pos + 4 : pos + 8]
        end = pos + 12 + length
        if kind == b"IDAT" and extra:
            out.append(extra)
            extra = b""
        if kind not in drop:
            out.append(png[pos:end])
        pos = end
    return b"".join(out)
