"""Writing images: float values or integer codes -> PNG, JPEG or TIFF, 8- or 16-bit, with metadata, atomically."""

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

__all__ = ["write_image"]


def write_image(
    path: str | os.PathLike,
    rgb: np.ndarray,
    *,
    bit_depth: int = 8,
    alpha: np.ndarray | None = None,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
    dpi: tuple[float, float] | None = None,
    quality: int = 95,
) -> Path:
    """Write float RGB (H, W, 3) to PNG, TIFF or JPEG, atomically.

    Args:
        path: output path; the format follows the extension.
        rgb: float array (H, W, 3), nominally [0, 1]; or the integer codes
            themselves, uint8 for ``bit_depth`` 8 or uint16 for 16, written as is.
        bit_depth: 8 or 16 (16 only for PNG and TIFF).
        alpha: optional (H, W) alpha, float in [0, 1] or integer codes like
            ``rgb``, written as a fourth channel (JPEG has none: dropped).
        icc_profile, exif, dpi: metadata to embed, at both bit depths (a 16-bit
            TIFF keeps only the EXIF Orientation tag).
        quality: JPEG quality, 1..100.

    Returns:
        The path written.
    """
    path = Path(path)
    fmt = filekinds.require(path, "image").codec
    if bit_depth not in (8, 16) or (bit_depth == 16 and fmt == "JPEG"):
        raise LutlearnError(f"{path}: cannot write {bit_depth}-bit {fmt}")
    if rgb.ndim != 3 or rgb.shape[-1] != 3:
        raise LutlearnError(f"{path}: expected an (H, W, 3) image, got shape {rgb.shape}")
    codes = _codes(rgb, bit_depth)
    alpha_codes = None if alpha is None or fmt == "JPEG" else _codes(alpha[..., None], bit_depth)
    with atomic_write(path) as tmp:
        if bit_depth == 16:  # RGB and alpha apart: the PNG encoder interleaves them a block of rows at a time
            from lutlearn.images.highbit import write_16bit

            write_16bit(tmp, codes, fmt, icc_profile, exif, dpi, alpha=alpha_codes)
        else:
            if alpha_codes is not None:
                codes = np.concatenate([codes, alpha_codes], axis=-1)
            _write_pillow(tmp, codes, fmt, icc_profile, exif, dpi, quality)
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


def _write_pillow(tmp, codes, fmt, icc_profile, exif, dpi, quality):
    im = Image.fromarray(codes)
    kwargs = {}
    if icc_profile:
        kwargs["icc_profile"] = icc_profile
    if exif:
        kwargs["exif"] = exif
    if dpi:
        kwargs["dpi"] = dpi
    if fmt == "JPEG":
        kwargs.update(quality=int(quality), subsampling=0 if quality >= 90 else 2)
    elif fmt == "PNG":
        kwargs["compress_level"] = 4
    im.save(tmp, format=fmt, **kwargs)
