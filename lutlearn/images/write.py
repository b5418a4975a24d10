"""Writing images: float values or integer codes -> PNG, JPEG or TIFF, 8- or 16-bit, with metadata, atomically.

The output is stored the way the input was when the caller passes the input's
:class:`~lutlearn.images.container.Container` and the formats agree: a TIFF
keeps its compression and predictor (:mod:`lutlearn.images.tiff`), a JPEG its
quantisation tables, subsampling and progressive mode unless a ``quality`` is
asked for. PNG is written by lutlearn's parallel encoder (``png="fast"``,
:mod:`lutlearn.images.png`) or by libpng at level 9 (``"small"``). ICC profile,
EXIF (whole, TIFF included) and DPI go into every format.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from lutlearn import filekinds
from lutlearn.codes import code_dtype, to_codes
from lutlearn.errors import LutlearnError, LutlearnWarning
from lutlearn.images.atomic import atomic_write
from lutlearn.images.container import PNG_COMPRESSION, Container

__all__ = ["write_image"]

DEFAULT_QUALITY = 95  # JPEG quality when there is no JPEG input to follow


def write_image(
    path: str | os.PathLike,
    rgb: np.ndarray,
    *,
    bit_depth: int = 8,
    alpha: np.ndarray | None = None,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
    dpi: tuple[float, float] | None = None,
    quality: int | None = None,
    container: Container | None = None,
    png: str = "fast",
    threads: int = 2,
) -> Path:
    """Write float RGB (H, W, 3) to PNG, TIFF or JPEG, atomically.

    Args:
        path: output path; the format follows the extension.
        rgb: float array (H, W, 3), nominally [0, 1]; or the integer codes
            themselves, uint8 for ``bit_depth`` 8 or uint16 for 16, written as is.
        bit_depth: 8 or 16 (16 only for PNG and TIFF).
        alpha: optional (H, W) alpha, float in [0, 1] or integer codes like
            ``rgb``, written as a fourth channel (JPEG has none: dropped).
        icc_profile, exif, dpi: metadata to embed, at both bit depths.
        quality: JPEG quality, 1..100; default: the tables of a JPEG ``container``, else 95.
        container: the input's storage settings, kept when the output has the
            same format (TIFF compression and predictor; JPEG tables, subsampling,
            progressive). Without one a TIFF is uncompressed at 8 bits and deflate at 16.
        png: "fast" (lutlearn's encoder: one filter, zlib RLE, every thread) or
            "small" (libpng's adaptive filters at level 9).
        threads: compression threads (PNG strips, TIFF strips).

    Returns:
        The path written.
    """
    path = Path(path)
    fmt = filekinds.require(path, "image").codec
    if bit_depth not in (8, 16) or (bit_depth == 16 and fmt == "JPEG"):
        raise LutlearnError(f"{path}: cannot write {bit_depth}-bit {fmt}")
    if rgb.ndim != 3 or rgb.shape[-1] != 3:
        raise LutlearnError(f"{path}: expected an (H, W, 3) image, got shape {rgb.shape}")
    if png not in PNG_COMPRESSION:
        raise LutlearnError(f"PNG compression must be one of {', '.join(PNG_COMPRESSION)}, got {png!r}")
    codes = _codes(rgb, bit_depth)
    alpha_codes = None if alpha is None or fmt == "JPEG" else _codes(alpha[..., None], bit_depth)
    meta = {"icc_profile": icc_profile, "exif": exif, "dpi": dpi}
    with atomic_write(path) as tmp:
        if fmt == "TIFF":
            from lutlearn.images.tiff import write_tiff

            write_tiff(tmp, codes, alpha=alpha_codes, container=container, threads=threads, name=path, **meta)
        elif fmt == "PNG":
            _write_png(tmp, codes, alpha_codes, meta, png, threads)
        else:
            _write_pillow(tmp, codes, fmt, meta, _jpeg_settings(fmt, quality, container))
    return path


def _codes(values: np.ndarray, bit_depth: int) -> np.ndarray:
    """Floats -> rounded codes (clipping warned); uint8/uint16 codes of the right depth pass unchanged."""
    if values.dtype == code_dtype(bit_depth):
        return values
    if values.dtype.kind in "ui":
        raise LutlearnError(f"cannot write {values.dtype} codes as a {bit_depth}-bit image")
    codes, clipped = to_codes(values, bit_depth)
    if clipped:
        warnings.warn(f"{clipped} pixels outside [0, 1] were clipped", LutlearnWarning, stacklevel=3)
    return codes


def _write_png(tmp, codes, alpha, meta, png: str, threads: int) -> None:
    """RGB and alpha apart: both encoders interleave them a block of rows at a time (no RGBA copy)."""
    from lutlearn.images.png16 import metadata_chunks

    if png == "fast":
        from lutlearn.images.png import write_png

        write_png(tmp, codes, alpha=alpha, extra=metadata_chunks(**meta), threads=threads)
    elif codes.dtype == np.uint16:
        from lutlearn.images.png16 import write_png16

        write_png16(tmp, codes, metadata_chunks(**meta), level=9, alpha=alpha)
    else:
        pixels = codes if alpha is None else np.concatenate([codes, alpha], axis=-1)
        _write_pillow(tmp, pixels, "PNG", meta, {"compress_level": 9})


def _jpeg_settings(fmt: str, quality: int | None, container: Container | None) -> dict:
    """Pillow's save arguments for JPEG: the input JPEG's tables, or ``quality`` (4:4:4 from 90 up)."""
    if fmt != "JPEG":
        return {}
    if quality is None and container is not None and container.format == "JPEG" and container.jpeg_qtables:
        settings = {"qtables": container.jpeg_qtables, "progressive": container.jpeg_progressive}
        if container.jpeg_subsampling is not None:
            settings["subsampling"] = container.jpeg_subsampling
        return settings
    q = DEFAULT_QUALITY if quality is None else int(quality)
    return {"quality": q, "subsampling": 0 if q >= 90 else 2}


def _write_pillow(tmp, codes, fmt: str, meta: dict, settings: dict) -> None:
    kwargs = {k: v for k, v in meta.items() if v}
    Image.fromarray(codes).save(tmp, format=fmt, **kwargs, **settings)
