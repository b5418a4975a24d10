"""Reading images: a file -> float32 RGB (or its integer codes) and its metadata.

Pixels leave this module as ``float32`` arrays of shape ``(H, W, 3)``, sRGB
encoded, nominally in [0, 1], or as the file's own codes (``codes=True``).
8-bit codes map to ``code / 255`` and 16-bit codes to ``code / 65535``. Each
file is decoded once, by the library best suited to it:

- TIFF (RGB or grey, 8/16-bit or float, any codec tifffile has): tifffile
  (:mod:`lutlearn.images.tiff`), several strips at a time;
- RGB and RGBA PNG, 8- and 16-bit: OpenCV (libpng), once the file's chunks are
  checked whole (:func:`lutlearn.images.png16.check_chunks`: a damaged file is
  one lutlearn error); Pillow reads the header;
- everything else (JPEG, palette, grey, CMYK, other formats, the TIFFs tifffile
  leaves): Pillow, or OpenCV for 16-bit and float data Pillow cannot hold in an
  RGB mode.

Pillow carries the metadata (ICC profile, EXIF, DPI) and the file's
:class:`~lutlearn.images.container.Container` (TIFF compression, JPEG tables)
is noted so that an output can be stored the same way. EXIF orientation is kept
as metadata and never applied to the pixels. Every file's declared size is
checked against the image limit (:mod:`lutlearn.images.limits`) from its
header, before decoding.
"""

from __future__ import annotations

import dataclasses
import io
import os
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from lutlearn.errors import ImageReadError
from lutlearn.images.container import Container
from lutlearn.images.limits import check_pixels, open_checked

__all__ = ["ImageData", "read_image", "image_size", "short_reason"]

_GREY_MODES = {"1", "L", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}


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
        container: how the file stored its pixels (for writing an output the same way).
    """

    rgb: np.ndarray
    alpha: np.ndarray | None = None
    bit_depth: int = 8
    format: str = "PNG"
    icc_profile: bytes | None = None
    exif: bytes | None = None
    dpi: tuple[float, float] | None = None
    notes: tuple[str, ...] = ()
    container: Container | None = None


def read_image(path: str | os.PathLike, *, codes: bool = False, threads: int = 2) -> ImageData:
    """Read an image file into float32 RGB.

    Palette, grey, grey+alpha, RGBA and CMYK files are converted explicitly;
    what a conversion drops is listed in ``ImageData.notes`` (CMYK is converted
    without colour management).

    Args:
        path: PNG, JPEG, TIFF (8/16-bit integer or 32-bit float), BMP, WebP...
        codes: when True, ``rgb`` (H, W, 3) and ``alpha`` (H, W) hold the file's
            own integer codes (uint8 or uint16, float32 for float TIFFs), which
            takes a quarter (8-bit) or half (16-bit) of the memory of floats.
        threads: decoder threads (a TIFF of many compressed strips).

    Returns:
        An :class:`ImageData`.

    Raises:
        ImageReadError: the file is missing, not an image, over the image limit
            (:func:`lutlearn.images.limits.max_pixels`), truncated, or holds NaN/inf values.
    """
    path = Path(path)
    _, header_notes = _header(path)  # the limit, before any pixel (or a whole TIFF) is read
    with open(path, "rb") as f:
        tiff = f.read(4) in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
    decoded = _from_tifffile(path, codes, threads) if tiff else None
    if decoded is None:
        decoded = _from_general(path, codes, tiff)
    rgb, alpha, depth, notes, meta = decoded
    notes = tuple(dict.fromkeys(header_notes + list(notes)))
    if rgb.dtype.kind == "f" and not (np.isfinite(rgb).all() and (alpha is None or np.isfinite(alpha).all())):
        bad = int((~np.isfinite(rgb)).any(axis=-1).sum())
        raise ImageReadError(f"{path}: {bad} pixels hold NaN or infinite values")
    return ImageData(rgb=rgb, alpha=alpha, bit_depth=depth, notes=notes, **meta)


def _from_tifffile(path: Path, codes: bool, threads: int):
    """A TIFF decoded by tifffile -> (rgb, alpha, depth, notes, meta), or None for the general reader."""
    from lutlearn.images.highbit import tiff_exif
    from lutlearn.images.tiff import read_tiff

    found = read_tiff(path, threads)
    if found is None:
        return None
    samples, extra = found.samples, found.extra
    colour = samples.shape[-1] - extra if samples.ndim == 3 else 1
    if colour not in (1, 3):
        return None  # an unusual layout: as before
    notes = [f"{extra - 1} extra channels dropped"] if extra > 1 else []
    alpha = samples[..., colour] if extra else None
    rgb = samples[..., 0] if colour == 1 and samples.ndim == 3 else samples[..., :colour] if extra else samples
    rgb, depth = _normalise(rgb, codes)
    if alpha is not None:
        alpha = _normalise(alpha[..., None], codes)[0][..., 0]
    try:
        exif = tiff_exif(path)
    except (OSError, SyntaxError, ValueError):  # Pillow cannot read this TIFF's header (float RGB...)
        exif = None
    meta = {"format": "TIFF", "icc_profile": found.icc_profile, "exif": exif, "dpi": found.dpi,
            "container": found.container}
    return rgb, alpha, depth, notes, meta


def _from_general(path: Path, codes: bool, tiff: bool):
    """Pillow, with OpenCV for RGB(A) PNG and for 16-bit/float data -> (rgb, alpha, depth, notes, meta)."""
    data = None
    if tiff:  # decode with pixels as stored
        from lutlearn.images.highbit import tiff_as_stored

        data = tiff_as_stored(path.read_bytes())
    try:
        with Image.open(path if data is None else io.BytesIO(data)) as im:
            meta = _metadata(im, path)
            rgb_png = im.format == "PNG" and im.mode == "RGB"
            opencv = _is_high_bit(im) or (im.format == "PNG" and im.mode in ("RGB", "RGBA"))
            if not opencv:  # those are decoded once, by OpenCV, below
                im.load()  # decodes everything: a truncated file fails here
                rgb, alpha, depth, notes = _from_pillow(im, codes)
    except UnidentifiedImageError:
        if path.suffix.lower() not in {".tif", ".tiff"}:
            raise ImageReadError(f"{path}: not an image file (or a format Pillow cannot read)") from None
        meta, opencv, rgb_png = {"format": "TIFF"}, True, False
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageReadError(f"{path}: cannot decode image ({short_reason(e)})") from None
    if opencv:
        rgb, alpha, depth, notes = _from_opencv(path, data, codes, rgb_png)
    if tiff:
        from lutlearn.images.tiff import tiff_container

        meta["container"] = tiff_container(path)
    return rgb, alpha, depth, notes, meta


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """(width, height) from the file's header, checked against the image limit; no pixel is decoded.

    Raises:
        ImageReadError: missing, not an image, or over the limit.
    """
    return _header(Path(path))[0]


def _header(path: Path) -> tuple[tuple[int, int], list[str]]:
    """Size and conversion notes from the header, the image limit checked (:mod:`lutlearn.images.limits`)."""
    notes: list[str] = []
    try:
        with open_checked(path, notes=notes) as im:
            return im.size, notes
    except ImageReadError:
        if path.suffix.lower() not in {".tif", ".tiff"} or not path.is_file() or not path.stat().st_size:
            raise
    try:  # a TIFF layout Pillow cannot open (float RGB...): OpenCV decodes it; tifffile reads its size
        import tifffile

        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            size = (int(page.imagewidth), int(page.imagelength))
            itemsize = page.dtype.itemsize if page.dtype is not None else 1
            sample_bytes = (4 if page.samplesperpixel > 3 else 3) * itemsize
    except Exception as e:  # tifffile raises many types for a damaged file
        raise ImageReadError(f"{path}: not an image file ({short_reason(e)[:80]})") from None
    check_pixels(size, path, pixel_bytes=sample_bytes)
    return size, notes


def short_reason(e: Exception) -> str:
    """The first line of an exception's message, or its type's name."""
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def _metadata(im: Image.Image, path: Path) -> dict:
    from lutlearn.images.highbit import tiff_exif

    dpi = im.info.get("dpi")
    return {
        "format": im.format or "PNG",
        "icc_profile": im.info.get("icc_profile") or None,
        "exif": (tiff_exif(path) if im.format == "TIFF" else im.info.get("exif")) or None,
        "dpi": tuple(float(v) for v in dpi) if dpi else None,
        "container": _container(im),
    }


def _container(im: Image.Image) -> Container:
    """A Pillow-opened file's :class:`Container` (a TIFF's is read again by tifffile)."""
    if im.format == "JPEG":
        from PIL import JpegImagePlugin

        sampling = JpegImagePlugin.get_sampling(im)
        return Container("JPEG", "jpeg", jpeg_qtables=getattr(im, "quantization", None) or None,
                         jpeg_subsampling=sampling if sampling in (0, 1, 2) else None,
                         jpeg_progressive=bool(im.info.get("progressive") or im.info.get("progression")))
    return Container(im.format or "PNG", "deflate" if im.format == "PNG" else "none")


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
        target = "RGBA" if mode.startswith("RGB") else "LA"
        arr = np.asarray(im if mode == target else im.convert(target))  # convert() to the same mode copies
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


def _from_opencv(path: Path, data: bytes | None, codes: bool = False, rgb: bool = False):
    """Decode with OpenCV, as stored: ``data`` (a TIFF's bytes as stored), else the file itself.

    ``rgb``: the file holds RGB (8- or 16-bit, no alpha), decoded straight into
    RGB order: one contiguous array, which a look can then be rendered into in place.
    """
    cv2 = _opencv()
    if data is None and _is_png(path):
        from lutlearn.images.png16 import check_chunks

        check_chunks(path)  # libpng would print its own line for a damaged file
    direct = rgb and data is None and hasattr(cv2, "IMREAD_COLOR_RGB")  # OpenCV >= 4.11
    flags = (cv2.IMREAD_COLOR_RGB | cv2.IMREAD_ANYDEPTH | cv2.IMREAD_IGNORE_ORIENTATION if direct
             else cv2.IMREAD_UNCHANGED)
    try:
        if data is None:
            arr = cv2.imread(str(path), flags)
        else:
            arr = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error as e:
        raise ImageReadError(f"{path}: cannot decode image ({short_reason(e)[:80]})") from None
    if arr is None:
        raise ImageReadError(f"{path}: cannot decode image")
    alpha = None
    if arr.ndim == 3 and not direct:
        if arr.shape[2] == 4:
            alpha = arr[..., 3]
        arr = arr[..., 2::-1]  # BGR(A) -> RGB
        if codes and alpha is not None:  # apart and contiguous: BGRA is freed now, and a look renders in place
            alpha, arr = np.ascontiguousarray(alpha), np.ascontiguousarray(arr)
    del data
    rgb, depth = _normalise(arr, codes)
    if alpha is not None:
        alpha = _normalise(alpha[..., None], codes)[0][..., 0]  # (H, W, 1): not repeated to 3 channels
    return rgb, alpha, depth, ()


def _is_png(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


def _opencv():
    """cv2 with its log lines off: a file it cannot decode is reported once, by lutlearn, in one line."""
    import cv2

    logging = getattr(getattr(cv2, "utils", None), "logging", None)
    if logging is not None:
        logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    return cv2


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
