"""Image metadata that Pillow cannot carry by itself: 16-bit files and TIFF EXIF.

Pillow has no 48-bit RGB mode, so :mod:`lutlearn.images` encodes 16-bit PNG
with OpenCV (:mod:`lutlearn.images.png16`) and 16-bit TIFF with tifffile. This
module puts the ICC profile, EXIF block and resolution into those files:

- PNG: the ``iCCP``, ``eXIf`` and ``pHYs`` chunks are inserted before the first
  ``IDAT`` chunk of OpenCV's output (PNG 1.2 + the 2017 eXIf extension).
- TIFF: tifffile writes the ICC profile (tag 34675), the resolution and the
  EXIF Orientation tag; other EXIF tags are not written to 16-bit TIFFs
  (a :class:`LutlearnWarning` says so).

Only :mod:`lutlearn.images` calls this module.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from lutlearn.errors import LutlearnError, LutlearnWarning
from lutlearn.images.png16 import metadata_chunks, write_png16

__all__ = ["write_16bit", "tiff_exif", "tiff_as_stored", "png_with_metadata"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# TIFF tags that describe the pixel layout of the file itself, not the photo
_TIFF_STRUCTURE = {254, 255, 256, 257, 258, 259, 262, 263, 266, 269, 273, 277, 278, 279, 280, 281, 282, 283,
                   284, 296, 301, 305, 306, 315, 317, 318, 319, 320, 322, 323, 324, 325, 338, 339, 340, 341,
                   530, 531, 532, 34675, 50838, 50839}
_ORIENTATION = 274


def tiff_exif(path: str | Path) -> bytes | None:
    """The photo-level EXIF tags of a TIFF file as an EXIF block (bytes), or None.

    The file is opened on its own, apart from the pixels' decoder.
    """
    exif = Image.Exif()
    with Image.open(path) as im:
        exif.load(_with_subifds(im.getexif()).tobytes())
    _with_subifds(exif)
    for tag in [t for t in exif if t in _TIFF_STRUCTURE]:
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


def write_16bit(tmp: str | Path, codes: np.ndarray, fmt: str, icc_profile, exif, dpi, alpha=None) -> None:
    """Write uint16 RGB codes (H, W, 3) and optional alpha codes (H, W, 1) as a 16-bit PNG or TIFF with metadata."""
    if fmt == "PNG":
        write_png16(tmp, codes, metadata_chunks(icc_profile, exif, dpi), alpha=alpha)
    else:
        _write_tiff(tmp, codes if alpha is None else np.concatenate([codes, alpha], axis=-1), icc_profile, exif, dpi)


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


def _write_tiff(tmp, codes, icc_profile, exif, dpi) -> None:
    try:
        import tifffile
    except ImportError:  # pragma: no cover - tifffile is a dependency
        raise LutlearnError("writing 16-bit TIFF needs the tifffile package (pip install tifffile)") from None
    kwargs = {"photometric": "rgb", "compression": "zlib", "metadata": None}
    if codes.shape[-1] == 4:
        kwargs["extrasamples"] = ["unassalpha"]
    if icc_profile:
        kwargs["iccprofile"] = icc_profile
    if dpi:
        kwargs.update(resolution=(float(dpi[0]), float(dpi[1])), resolutionunit="INCH")
    extratags = []
    if exif:
        tags = Image.Exif()
        tags.load(exif)
        if _ORIENTATION in tags:
            extratags.append((_ORIENTATION, "H", 1, int(tags[_ORIENTATION]), True))
        if any(tag != _ORIENTATION for tag in tags):
            warnings.warn("16-bit TIFF output keeps only the EXIF Orientation tag", LutlearnWarning, stacklevel=5)
    tifffile.imwrite(tmp, codes, extratags=extratags, **kwargs)
