"""Image files <-> float32 RGB arrays: the only place lutlearn decodes or encodes pixels.

Pixels leave this module as ``float32`` arrays of shape ``(H, W, 3)``, sRGB
encoded, nominally in [0, 1]. 8-bit codes map to ``code / 255`` and 16-bit codes
to ``code / 65535``. Pillow decodes 8-bit data and carries the metadata (ICC
profile, EXIF, DPI); OpenCV decodes the 16-bit and float PNG/TIFF data that
Pillow cannot hold in an RGB mode. EXIF orientation is kept as metadata and
never applied to the pixels.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from lutlearn.errors import ImageReadError, LutlearnError, LutlearnWarning

__all__ = ["ImageData", "read_image", "write_image", "atomic_write", "check_output_path"]

Image.MAX_IMAGE_PIXELS = 400_000_000  # a 100-Mpx photo or a level-16 chart is normal here

_GREY_MODES = {"1", "L", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
_WRITE_FORMATS = {".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF", ".jpg": "JPEG", ".jpeg": "JPEG"}


@dataclasses.dataclass(frozen=True)
class ImageData:
    """A decoded image.

    Attributes:
        rgb: float32 array (H, W, 3), sRGB encoded, nominally [0, 1].
        alpha: float32 array (H, W) in [0, 1], or None when the file has none.
        bit_depth: 8 or 16 for integer files, 32 for float TIFFs.
        format: Pillow's format name ("PNG", "JPEG", "TIFF", ...).
        icc_profile: the embedded ICC profile, bytes or None.
        exif: the raw EXIF block, bytes or None (orientation included, never applied).
        dpi: (x, y) resolution or None.
        notes: what the conversion to RGB dropped or changed, one phrase each.
    """

    rgb: np.ndarray
    alpha: np.ndarray | None = None
    bit_depth: int = 8
    format: str = "PNG"
    icc_profile: bytes | None = None
    exif: bytes | None = None
    dpi: tuple[float, float] | None = None
    notes: tuple[str, ...] = ()


def read_image(path: str | os.PathLike, *, codes: bool = False) -> ImageData:
    """Read an image file into float32 RGB.

    Palette, grey, grey+alpha, RGBA and CMYK files are converted explicitly;
    what a conversion drops is listed in ``ImageData.notes`` (CMYK is converted
    without colour management).

    Args:
        path: PNG, JPEG, TIFF (8/16-bit integer or 32-bit float), BMP, WebP...
        codes: when True, ``rgb`` (H, W, 3) and ``alpha`` (H, W) hold the file's
            own integer codes (uint8 or uint16, float32 for float TIFFs), which
            takes a quarter (8-bit) or half (16-bit) of the memory of floats.

    Returns:
        An :class:`ImageData`.

    Raises:
        ImageReadError: the file is missing, not an image, truncated, or holds
            NaN/inf values.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageReadError(f"{path}: no such file")
    data = None
    with open(path, "rb") as f:
        if f.read(4) in (b"II*\x00", b"MM\x00*"):  # TIFF: decode with pixels as stored
            from lutlearn.imageio_meta import tiff_as_stored

            data = tiff_as_stored(path.read_bytes())
    try:
        with Image.open(path if data is None else io.BytesIO(data)) as im:
            meta = _metadata(im, path)
            high_bit = _is_high_bit(im)
            im.load()  # decodes everything: a truncated file fails here
            if not high_bit:
                rgb, alpha, depth, notes = _from_pillow(im, codes)
    except UnidentifiedImageError:
        if path.suffix.lower() not in {".tif", ".tiff"}:
            raise ImageReadError(f"{path}: not an image file (or a format Pillow cannot read)") from None
        meta, high_bit = {"format": "TIFF"}, True
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageReadError(f"{path}: cannot decode image ({_short(e)})") from None
    if high_bit:
        rgb, alpha, depth, notes = _from_opencv(path, path.read_bytes() if data is None else data, codes)
    if rgb.dtype.kind == "f" and not (np.isfinite(rgb).all() and (alpha is None or np.isfinite(alpha).all())):
        bad = int((~np.isfinite(rgb)).any(axis=-1).sum())
        raise ImageReadError(f"{path}: {bad} pixels hold NaN or infinite values")
    return ImageData(rgb=rgb, alpha=alpha, bit_depth=depth, notes=notes, **meta)


def _short(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def _metadata(im: Image.Image, path: Path) -> dict:
    from lutlearn.imageio_meta import tiff_exif

    dpi = im.info.get("dpi")
    return {
        "format": im.format or "PNG",
        "icc_profile": im.info.get("icc_profile") or None,
        "exif": (tiff_exif(path) if im.format == "TIFF" else im.info.get("exif")) or None,
        "dpi": tuple(float(v) for v in dpi) if dpi else None,
    }


def _is_high_bit(im: Image.Image) -> bool:
    """True for 16-bit-per-channel colour data, which Pillow would truncate to 8 bits."""
    if im.mode in _GREY_MODES or not im.tile:
        return False
    args = im.tile[0][3]
    rawmode = args[0] if isinstance(args, tuple) else args
    return isinstance(rawmode, str) and ("16" in rawmode or rawmode.endswith("F"))


def _from_pillow(im: Image.Image, codes: bool = False):
    notes: list[str] = []
    mode = im.mode
    if mode == "P" or mode == "PA":
        has_alpha = mode == "PA" or "transparency" in im.info
        im = im.convert("RGBA" if has_alpha else "RGB")
        mode = im.mode
    if mode == "CMYK":
        notes.append("CMYK converted to RGB without colour management")
        im, mode = im.convert("RGB"), "RGB"
    alpha = None
    if mode in ("LA", "La", "RGBA", "RGBa"):
        arr = np.asarray(im.convert("RGBA" if mode.startswith("RGB") else "LA"))
        alpha = arr[..., -1] if codes else arr[..., -1].astype(np.float32) / 255.0
        arr = arr[..., :-1]
    elif mode in ("RGB", "RGBX", "YCbCr", "HSV", "LAB"):
        if mode != "RGB":
            notes.append(f"{mode} converted to RGB")
        arr = np.asarray(im if mode == "RGB" else im.convert("RGB"))  # no copy of an RGB image
    elif mode in _GREY_MODES:
        arr = np.asarray(im.convert("L") if mode == "1" else im)
    else:
        raise ImageReadError(f"unsupported image mode {mode!r}")
    rgb, depth = _normalise(arr, codes)
    return rgb, alpha, depth, tuple(notes)


def _from_opencv(path: Path, data: bytes, codes: bool = False):
    import cv2

    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None:
        raise ImageReadError(f"{path}: cannot decode image")
    alpha = None
    if arr.ndim == 3:
        if arr.shape[2] == 4:
            alpha = arr[..., 3]
        arr = arr[..., 2::-1]  # BGR(A) -> RGB
    del data
    rgb, depth = _normalise(arr, codes)
    if alpha is not None:
        alpha = _normalise(alpha, codes)[0][..., 0]
    return rgb, alpha, depth, ()


def _normalise(arr: np.ndarray, codes: bool = False) -> tuple[np.ndarray, int]:
    """Integer or float pixels (H, W[, C]) -> float32 (H, W, 3) and bit depth.

    With ``codes``, uint8/uint16/float32 data keeps its type and values.
    """
    if codes and arr.dtype in (np.uint8, np.uint16, np.float32):
        depth = {np.dtype(np.uint8): 8, np.dtype(np.uint16): 16}.get(arr.dtype, 32)
        return (np.repeat(arr[..., None], 3, axis=-1) if arr.ndim == 2 else arr), depth
    if arr.dtype == np.uint8:
        out, depth = arr.astype(np.float32) / np.float32(255.0), 8
    elif arr.dtype in (np.uint16, np.int32, np.uint32):
        out, depth = arr.astype(np.float32) / np.float32(65535.0), 16
    elif arr.dtype == np.bool_:
        out, depth = arr.astype(np.float32), 8
    else:
        out, depth = arr.astype(np.float32), 32
    if out.ndim == 2:
        out = np.repeat(out[..., None], 3, axis=-1)
    return np.ascontiguousarray(out), depth


def to_uint(rgb: np.ndarray, bit_depth: int) -> np.ndarray:
    """Float [0, 1] -> uint8/uint16 codes, rounding to nearest; clipping is counted and warned."""
    top = 255.0 if bit_depth == 8 else 65535.0
    out_of_range = int(((rgb < -0.5 / top) | (rgb > 1 + 0.5 / top)).any(axis=-1).sum())
    if out_of_range:
        warnings.warn(f"{out_of_range} pixels outside [0, 1] were clipped", LutlearnWarning, stacklevel=3)
    codes = np.clip(np.rint(rgb * np.float32(top)), 0, top)
    return codes.astype(np.uint8 if bit_depth == 8 else np.uint16)


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
    fmt = _WRITE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LutlearnError(f"{path}: cannot write images with extension {path.suffix!r} (use .png, .tif or .jpg)")
    if bit_depth not in (8, 16) or (bit_depth == 16 and fmt == "JPEG"):
        raise LutlearnError(f"{path}: cannot write {bit_depth}-bit {fmt}")
    if rgb.ndim != 3 or rgb.shape[-1] != 3:
        raise LutlearnError(f"expected an (H, W, 3) image, got shape {rgb.shape}")
    codes = _codes(rgb, bit_depth)
    if alpha is not None and fmt != "JPEG":
        codes = np.concatenate([codes, _codes(alpha[..., None], bit_depth)], axis=-1)
    with atomic_write(path) as tmp:
        if bit_depth == 16:
            from lutlearn.imageio_meta import write_16bit

            write_16bit(tmp, codes, fmt, icc_profile, exif, dpi)
        else:
            _write_pillow(tmp, codes, fmt, icc_profile, exif, dpi, quality)
    return path


def _codes(values: np.ndarray, bit_depth: int) -> np.ndarray:
    """Floats -> rounded codes; uint8/uint16 codes of the right depth pass unchanged."""
    if values.dtype == (np.uint8 if bit_depth == 8 else np.uint16):
        return values
    if values.dtype.kind in "ui":
        raise LutlearnError(f"cannot write {values.dtype} codes as a {bit_depth}-bit image")
    return to_uint(values, bit_depth)


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


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    Nothing is left behind when the body raises (Ctrl-C included).

    Raises:
        LutlearnError: the directory does not exist or is not writable.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise LutlearnError(f"{path}: directory {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise LutlearnError(f"{path}: cannot write to {directory} ({e.strerror})") from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file ordinary permissions
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_output_path(output: str | os.PathLike, inputs) -> None:
    """Refuse to write ``output`` over any of ``inputs``.

    Raises:
        LutlearnError: naming the input that would be overwritten.
    """
    out = Path(output)
    for p in inputs:
        p = Path(p)
        if out.resolve() == p.resolve() or (out.exists() and p.exists() and out.samefile(p)):
            raise LutlearnError(f"{out}: output would overwrite the input {p}")


def read_jpeg_planes(path: str | os.PathLike):
    """The stored planes of a 4:2:0 chroma-subsampled colour JPEG, without chroma upsampling.

    Returns:
        (luma, chroma): float32 (H, W) Y per pixel and float32 (ceil(H/2), ceil(W/2), 2)
        (Cb, Cr) per 2x2 block, JFIF full range scaled to [0, 1]; or None when the
        file is not a 4:2:0 YCbCr JPEG.
    """
    from PIL import JpegImagePlugin

    path = Path(path)
    try:
        with Image.open(path) as im:
            if im.format != "JPEG" or im.mode != "RGB" or JpegImagePlugin.get_sampling(im) != 2:
                return None
            w, h = im.size
            im.draft("YCbCr", (w, h))  # decode to YCbCr, no colour conversion
            luma = np.asarray(im.getchannel(0), np.float32) / np.float32(255)
        with Image.open(path) as im:
            im.draft("YCbCr", ((w + 1) // 2, (h + 1) // 2))  # half scale: chroma at its stored resolution
            if im.size != ((w + 1) // 2, (h + 1) // 2) or im.mode != "YCbCr":
                return None
            chroma = np.asarray(im, np.float32)[..., 1:] / np.float32(255)
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageReadError(f"{path}: cannot decode image ({_short(e)})") from None
    return luma, chroma
