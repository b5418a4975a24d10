"""TIFF files through tifffile: one decode at any depth, and writing that keeps the input's container and all EXIF.

Reading (:func:`read_tiff`): tifffile decodes RGB and grey TIFFs of 8-bit,
16-bit or float32 samples, contiguous or planar, uncompressed or with any codec
it has (deflate and lzma always; LZW, JPEG, zstd, packbits... with the optional
``imagecodecs`` package), in parallel for multi-strip files. It returns the
samples as stored (no orientation applied) with the file's :class:`Container`,
ICC profile and resolution. Anything else (palette, CMYK, YCbCr, 1-bit, other
sample types, a codec tifffile lacks) returns None and is left to the general
reader (Pillow, or OpenCV for 16-bit), as before.

Writing (:func:`write_tiff`): tifffile writes 8- and 16-bit RGB(A), compressed
as the input was (same codec and predictor, a fast level, ~1 MB strips
compressed on ``threads`` threads) or, without a TIFF input, uncompressed at 8
bits and deflate at 16 (lutlearn's defaults before). A codec tifffile cannot
write here (LZW, JPEG without ``imagecodecs``) becomes deflate, with a warning.
The EXIF block goes in whole: its IFD0 tags as tifffile extra tags, the Exif and
GPS sub-IFDs appended after tifffile has written the file and pointed to from
placeholder tags (tifffile will not write those two tags itself).
"""

from __future__ import annotations

import io
import os
import struct
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from lutlearn.errors import LutlearnWarning
from lutlearn.images.container import Container

__all__ = ["LAYOUT_TAGS", "TIFF_COMPRESSION", "TiffPixels", "read_tiff", "tiff_container", "write_tiff"]

TIFF_COMPRESSION = {1: "none", 5: "lzw", 7: "jpeg", 8: "deflate", 32946: "deflate", 32773: "packbits",
                    50000: "zstd", 34925: "lzma", 50001: "webp"}
_TIFFFILE_NAMES = {"deflate": "zlib"}
_FAST_LEVEL = {"deflate": 1, "zstd": 1, "lzma": 0}
_DEFAULT = {1: "none", 2: "deflate"}  # by sample bytes, for output with no TIFF input to follow
# TIFF tags that describe a file's own layout, not the photo: never taken into an EXIF block from a TIFF,
# never written from one into the output's IFD0 (tifffile writes its own)
LAYOUT_TAGS = frozenset({254, 255, 256, 257, 258, 259, 262, 263, 266, 269, 273, 277, 278, 279, 280, 281, 282, 283,
                         284, 296, 301, 315, 317, 318, 319, 320, 322, 323, 324, 325, 338, 339, 340, 341,
                         530, 531, 532, 34675, 50838, 50839})
_SUB_IFDS = (0x8769, 0x8825)  # Exif, GPS: written as sub-IFDs
_PHOTOMETRIC = {1: "grey", 2: "rgb"}  # the layouts read here; the rest go to the general reader


class TiffPixels(NamedTuple):
    """What :func:`read_tiff` decoded."""

    samples: np.ndarray  # (H, W) or (H, W, S) uint8/uint16/float32, as stored
    extra: int  # extra samples among S (alpha first)
    container: Container
    icc_profile: bytes | None
    dpi: tuple[float, float] | None  # dots per inch


def read_tiff(path: str | os.PathLike, threads: int = 2) -> TiffPixels | None:
    """Decode the first image of a TIFF file with tifffile, or None when the general reader should.

    Args:
        path: a classic or Big TIFF file.
        threads: decoder threads for a compressed file of many strips or tiles.

    Returns:
        A :class:`TiffPixels`, or None: another layout or sample type, a codec
        tifffile lacks here, or a file it cannot make sense of (the general
        reader then decodes it, or says what is wrong with it).
    """
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages.first
            if int(page.photometric) not in _PHOTOMETRIC or page.dtype not in (np.uint8, np.uint16, np.float32):
                return None
            icc = page.tags.valueof(34675)
            found = TiffPixels(page.asarray(maxworkers=max(1, threads)), len(page.extrasamples or ()),
                               _container(page), bytes(icc) if icc else None, _dpi(page))
    except Exception:  # noqa: BLE001 - tifffile raises many types (a missing codec, a damaged file)
        return None
    if page.planarconfig == 2 and found.samples.ndim == 3:  # separate planes (S, H, W) -> (H, W, S)
        found = found._replace(samples=np.ascontiguousarray(np.moveaxis(found.samples, 0, -1)))
    return found


def tiff_container(path: str | os.PathLike) -> Container:
    """The :class:`Container` of a TIFF file from its first page's tags (no pixel is read)."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            return _container(tif.pages.first)
    except Exception:  # noqa: BLE001 - a file tifffile cannot parse: written with the defaults
        return Container("TIFF")


def _container(page) -> Container:
    code = int(page.compression)
    return Container("TIFF", TIFF_COMPRESSION.get(code, str(code)), int(page.predictor))


def _dpi(page) -> tuple[float, float] | None:
    xres, yres, unit = page.tags.valueof(282), page.tags.valueof(283), page.tags.valueof(296, 2)
    if not xres or not yres or int(unit) == 1:
        return None
    scale = 2.54 if int(unit) == 3 else 1.0  # per centimetre -> per inch
    return (float(xres[0]) / float(xres[1]) * scale, float(yres[0]) / float(yres[1]) * scale)


def write_tiff(path: str | os.PathLike, rgb: np.ndarray, *, alpha: np.ndarray | None = None,
               icc_profile: bytes | None = None, exif: bytes | None = None, dpi=None,
               container: Container | None = None, threads: int = 2, name: str | os.PathLike | None = None) -> None:
    """Write uint8/uint16 RGB codes (H, W, 3) and optional alpha (H, W[, 1]) as a TIFF file.

    Args:
        path: the file to write (lutlearn passes ``atomic_write``'s temporary).
        rgb, alpha: the codes.
        icc_profile, exif, dpi: metadata; the EXIF block is written whole.
        container: the input's, when it was a TIFF: its compression and predictor are kept.
        threads: compression threads.
        name: the file the user asked for, named in warnings (default ``path``).
    """
    import tifffile

    pixels = rgb if alpha is None else np.concatenate([rgb, alpha.reshape(*rgb.shape[:2], 1)], axis=-1)
    kw: dict = {"photometric": "rgb", "metadata": None, "software": False, "maxworkers": max(1, threads)}
    if alpha is not None:
        kw["extrasamples"] = ["unassalpha"]
    if icc_profile:
        kw["iccprofile"] = icc_profile
    if dpi:
        kw.update(resolution=(float(dpi[0]), float(dpi[1])), resolutionunit="INCH")
    same = container if container is not None and container.format == "TIFF" else None
    compression = same.compression if same is not None else _DEFAULT[rgb.itemsize]
    predictor = same.predictor if same is not None else 1
    tags, sub_ifds = _exif_tags(exif)
    for tag in [t for t in tags if t[0] == 305]:  # tifffile writes Software itself, from its argument
        tags.remove(tag)
        kw["software"] = tag[3]
    # a placeholder just below each sub-IFD tag keeps IFD0 sorted; _append_sub_ifds turns it into the real one
    kw["extratags"] = tags + [(tag - 1, "I", 1, 0, True) for tag in sub_ifds]
    try:
        tifffile.imwrite(path, pixels, **kw, **_compression(compression, predictor, pixels))
    except (ValueError, NotImplementedError, ImportError, KeyError, ModuleNotFoundError) as e:
        if compression in ("none", "deflate"):
            raise
        warnings.warn(f"{name if name is not None else path}: cannot write {compression} TIFF here ({str(e).splitlines()[0]}; "
                      "pip install imagecodecs); wrote deflate instead", LutlearnWarning, stacklevel=4)
        tifffile.imwrite(path, pixels, **kw, **_compression("deflate", predictor, pixels))
    if sub_ifds:
        _append_sub_ifds(path, sub_ifds)


def _compression(name: str, predictor: int, pixels: np.ndarray) -> dict:
    """tifffile arguments to compress like the input: same codec and predictor, a fast level, many strips."""
    if name == "none":
        return {}
    kw: dict = {"compression": _TIFFFILE_NAMES.get(name, name)}
    if name in _FAST_LEVEL:
        kw["compressionargs"] = {"level": _FAST_LEVEL[name]}
    if predictor in (2, 3) and name in ("deflate", "lzw", "zstd", "lzma"):
        kw["predictor"] = 2  # integer samples: horizontal differencing
    row_bytes = pixels.shape[1] * pixels.shape[2] * pixels.itemsize
    kw["rowsperstrip"] = max(1, (1 << 20) // row_bytes)  # ~1 MB strips: enough to keep every thread busy
    return kw


def _exif_tags(exif: bytes | None) -> tuple[list, dict]:
    """EXIF block -> (tifffile extratags for its IFD0 tags, {sub-IFD tag: {tag: value}})."""
    if not exif:
        return [], {}
    from PIL import Image, TiffImagePlugin

    tags = Image.Exif()
    tags.load(exif)
    sub_ifds = {t: dict(tags.get_ifd(t)) for t in _SUB_IFDS if t in tags and len(tags.get_ifd(t))}
    extratags = []
    for tag, value in tags.items():
        if tag in LAYOUT_TAGS or tag in _SUB_IFDS:
            continue
        if isinstance(value, str):
            extratags.append((tag, "s", 0, value, True))
        elif isinstance(value, int) and not isinstance(value, bool):
            extratags.append((tag, "H" if 0 <= value < 65536 else "I", 1, value, True))
        elif isinstance(value, TiffImagePlugin.IFDRational):
            extratags.append((tag, "2I", 1, (value.numerator, value.denominator), True))
    return extratags, sub_ifds


def _append_sub_ifds(path: str | os.PathLike, sub_ifds: dict) -> None:
    """Append the Exif/GPS sub-IFDs to a written TIFF and point IFD0's placeholder tags at them."""
    from PIL import TiffImagePlugin

    with open(path, "r+b") as f:
        head = f.read(8)
        if head[2:4] not in (b"*\x00", b"\x00*"):
            return  # BigTIFF (over 4 GB): the sub-IFDs are not written
        order = "<" if head[:2] == b"II" else ">"
        (ifd0,) = struct.unpack(order + "I", head[4:8])
        f.seek(ifd0)
        (count,) = struct.unpack(order + "H", f.read(2))
        entries = f.read(12 * count)
        slots = {struct.unpack(order + "H", entries[12 * i : 12 * i + 2])[0] + 1: ifd0 + 2 + 12 * i
                 for i in range(count)}  # sub-IFD tag -> position of the placeholder entry below it
        end = f.seek(0, io.SEEK_END)
        end += end & 1
        carrier = TiffImagePlugin.ImageFileDirectory_v2(head)
        for tag, values in sub_ifds.items():
            carrier[tag] = values
            carrier.tagtype[tag] = 4  # LONG: written as a nested IFD
        blob = carrier.tobytes(end)
        f.seek(end)
        f.write(blob)
        for i in range(len(sub_ifds)):  # the carrier's entries hold the nested IFDs' offsets
            tag, _, _, offset = struct.unpack(order + "HHII", blob[2 + 12 * i : 14 + 12 * i])
            if tag in slots:
                f.seek(slots[tag])
                f.write(struct.pack(order + "HHII", tag, 4, 1, offset))
