"""16-bit PNG files written a block of rows at a time: memory flat in the image size, errors from the file itself.

Pillow has no 48-bit RGB mode. Encoding with OpenCV to memory held a
channel-swapped copy of the image, the encoded bytes and two more copies of
them (1.8 GB for a 100-Mpx photo); encoding with OpenCV to a file prints
libpng's own message on a full disk. This encoder is numpy and zlib:

- rows are taken a few MiB at a time, as big-endian bytes in R, G, B(, A) order
  (no channel swap, no copy of the image), filtered with PNG's ``Sub`` filter
  (each byte minus the same byte of the pixel to its left: one vectorised
  subtraction) and fed to one zlib stream;
- the ``iCCP``, ``pHYs`` and ``eXIf`` chunks are written before the first
  ``IDAT``; each piece zlib returns becomes an ``IDAT`` chunk as it comes.

Peak memory is the image plus a few MiB; files are within a few per cent of
libpng's size at the same zlib level, and written faster.

Reading is OpenCV's (libpng), which prints its own ``libpng error`` line for a
damaged file; :func:`check_chunks` reads the file's chunks first (their CRCs, and
that it does not end early), so such a file is one lutlearn error instead.
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np

from lutlearn.errors import ImageReadError

__all__ = ["write_png16", "metadata_chunks", "chunk", "check_chunks"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_BLOCK_BYTES = 4 << 20  # raw bytes filtered and compressed at a time
_SUB = 1  # PNG filter type "Sub"
_COLOUR_TYPE = {3: 2, 4: 6}  # channels -> PNG colour type (RGB, RGBA)


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def metadata_chunks(icc_profile: bytes | None, exif: bytes | None, dpi) -> bytes:
    """The ``iCCP``, ``pHYs`` and ``eXIf`` chunks for the metadata given (b"" when there is none).

    Args:
        icc_profile: ICC profile bytes or None.
        exif: EXIF block, with or without the ``Exif\\0\\0`` prefix, or None.
        dpi: (x, y) dots per inch or None.
    """
    extra = b""
    if icc_profile:
        extra += chunk(b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc_profile))
    if dpi:
        ppm = [max(1, round(float(v) / 0.0254)) for v in dpi]
        extra += chunk(b"pHYs", struct.pack(">IIB", ppm[0], ppm[1], 1))
    if exif:
        extra += chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\x00\x00") else exif)
    return extra


def write_png16(path: str | os.PathLike, codes: np.ndarray, extra: bytes = b"", level: int = 3,
                alpha: np.ndarray | None = None) -> None:
    """Write uint16 codes (H, W, 3|4), RGB(A), to ``path`` as a 16-bit PNG, the chunks ``extra`` before the pixels.

    Args:
        path: the file to write (lutlearn passes :func:`~lutlearn.images.atomic_write`'s temporary).
        codes: uint16 (H, W, 3) or (H, W, 4); any strides.
        extra: complete chunks to place before ``IDAT`` (see :func:`metadata_chunks`).
        level: zlib compression level, 0..9.
        alpha: uint16 (H, W, 1) alpha for RGB ``codes``, kept apart (no RGBA copy of the image is made).

    Raises:
        OSError: the file cannot be written (a full disk, a read-only folder).
    """
    height, width, channels = codes.shape[0], codes.shape[1], codes.shape[2] + (alpha is not None)
    row_bytes = width * channels * 2
    ihdr = struct.pack(">IIBBBBB", width, height, 16, _COLOUR_TYPE[channels], 0, 0, 0)
    compressor = zlib.compressobj(level)
    step = max(1, _BLOCK_BYTES // row_bytes)
    with open(path, "wb") as out:
        out.write(_SIGNATURE + chunk(b"IHDR", ihdr) + extra)
        for top in range(0, height, step):
            rows = codes[top : top + step]
            raw = np.empty((rows.shape[0], row_bytes + 1), np.uint8)
            raw[:, 0] = _SUB
            data = raw[:, 1:]
            samples = data.view(">u2").reshape(rows.shape[0], width, channels)
            assert np.shares_memory(samples, raw)  # a view: filled in place
            samples[..., : rows.shape[2]] = rows  # big-endian samples, R G B (A) order
            if alpha is not None:
                samples[..., 3:] = alpha[top : top + step]
            bpp = channels * 2
            data[:, bpp:] -= data[:, :-bpp].copy()  # Sub: each byte minus the same byte one pixel to the left
            piece = compressor.compress(raw)
            if piece:
                out.write(chunk(b"IDAT", piece))
        out.write(chunk(b"IDAT", compressor.flush()) + chunk(b"IEND", b""))


def check_chunks(path: str | os.PathLike) -> None:
    """Walk a PNG file's chunks, checking each CRC and that the file does not end before ``IEND``.

    Reads the file once in 1-MiB blocks (the pixels are not decompressed).

    Raises:
        ImageReadError: "PATH: cannot decode image (...)": a CRC mismatch, or truncated.
    """
    with open(path, "rb") as f:
        if f.read(8) != _SIGNATURE:
            raise ImageReadError(f"{path}: cannot decode image (not a PNG file)")
        while True:
            head = f.read(8)
            if len(head) < 8:
                raise ImageReadError(f"{path}: cannot decode image (truncated: no IEND chunk)")
            (length,), kind = struct.unpack(">I", head[:4]), head[4:]
            crc, left = zlib.crc32(kind), length
            while left:
                block = f.read(min(left, 1 << 20))
                if not block:
                    raise ImageReadError(f"{path}: cannot decode image (truncated in a {kind!r} chunk)")
                crc, left = zlib.crc32(block, crc), left - len(block)
            stored = f.read(4)
            if len(stored) < 4:
                raise ImageReadError(f"{path}: cannot decode image (truncated in a {kind!r} chunk)")
            if struct.unpack(">I", stored)[0] != crc & 0xFFFFFFFF:
                raise ImageReadError(f"{path}: cannot decode image (damaged: CRC mismatch in a {kind!r} chunk)")
            if kind == b"IEND":
                return
