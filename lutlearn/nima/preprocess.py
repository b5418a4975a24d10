"""NIMA input preprocessing, exactly as idealo's predict path (Keras ``load_img``).

Two steps, so that a colour transform can be applied to the small image before
scoring:

1. :func:`nima_pixels`: open with Pillow, ``convert("RGB")`` unless already RGB,
   resize straight to 224x224 with ``Image.NEAREST`` (aspect ratio ignored, no
   crop, EXIF orientation not applied). Gives uint8 (224, 224, 3).
2. :func:`to_network_input`: ``x / 127.5 - 1`` on 0..255 values.

This module reads files with Pillow itself rather than through
:mod:`lutlearn.images`: the scores depend on Pillow's 8-bit conversion and its
NEAREST pixel picks bit for bit (REFERENCE.md §2), which a float pipeline would
not reproduce.

What unusual files do:

- CMYK JPEG: Pillow's naive ``convert("RGB")`` (no colour management), as idealo.
- 16-bit RGB(A) PNG: Pillow reads it at 8 bits (the high byte of each code), as
  idealo; scored normally.
- 16-bit greyscale PNG/TIFF (Pillow mode ``I;16``): Pillow's ``convert("RGB")``
  clips every code above 255, so idealo would score a white page. Here the codes
  are scaled to 8 bits first (``round(v / 257)``): the one deliberate deviation.
- Images smaller than 32 pixels on a side are scored, with a :class:`LutlearnWarning`;
  so are CMYK files and animated images (first frame), each with a warning.
- Unreadable, truncated or empty files, and images over the image limit
  (checked from the header, :mod:`lutlearn.images.limits`), raise :class:`ImageReadError`.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from lutlearn.errors import ImageReadError, LutlearnWarning
from lutlearn.images import open_checked
from lutlearn.nima.model import INPUT_SIZE

__all__ = ["nima_pixels", "to_network_input", "TINY_SIDE"]

TINY_SIDE = 32  # warn below this many pixels on a side: the upscaled image means little


def nima_pixels(path: str | os.PathLike) -> np.ndarray:
    """Decode an image and resize it the way idealo's NIMA predictor does.

    Args:
        path: any image file Pillow reads (JPEG, PNG, BMP, TIFF, WebP...).

    Returns:
        uint8 array (224, 224, 3), RGB.

    Raises:
        ImageReadError: missing, not an image, truncated or undecodable; the
            message starts with the path.

    >>> from PIL import Image
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "red.png")
    >>> Image.new("RGB", (300, 200), (255, 0, 0)).save(p)
    >>> nima_pixels(p)[0, 0].tolist(), nima_pixels(p).shape
    ([255, 0, 0], (224, 224, 3))
    """
    from PIL import Image

    path = Path(path)
    notes: list[str] = []
    try:
        with open_checked(path, notes=notes) as im:
            im.load()  # decode fully here: a truncated file fails now, with its name
            for note in notes:
                warnings.warn(f"{path}: {note}", LutlearnWarning, stacklevel=2)
            if min(im.size) < TINY_SIDE:
                warnings.warn(f"{path}: only {im.size[0]}x{im.size[1]} pixels; upscaled to 224x224 its NIMA "
                              "score means little", LutlearnWarning, stacklevel=2)
            rgb = _to_rgb(im).resize((INPUT_SIZE, INPUT_SIZE), Image.NEAREST)
            return np.asarray(rgb, dtype=np.uint8)
    except ImageReadError:
        raise
    except (OSError, SyntaxError, ValueError) as e:
        detail = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ImageReadError(f"{path}: cannot decode image ({detail})") from None


def _to_rgb(im):
    """Pillow's ``convert("RGB")``, except 16-bit grey, which is first scaled to 8 bits."""
    from PIL import Image

    if im.mode == "RGB":
        return im
    if im.mode.startswith("I;16"):
        codes = np.asarray(im, dtype=np.float64)
        im = Image.fromarray(np.rint(codes / 257.0).astype(np.uint8))
    return im.convert("RGB")


def to_network_input(rgb):
    """Scale 0..255 RGB to MobileNet's input range: ``x / 127.5 - 1``.

    Args:
        rgb: float or uint8 array (..., 224, 224, 3), values 0..255 (numpy or jax).

    Returns:
        float32 array of the same shape, in [-1, 1].

    >>> to_network_input(np.array([0, 127.5, 255])).tolist()
    [-1.0, 0.0, 1.0]
    """
    if isinstance(rgb, np.ndarray):
        return rgb.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
    return rgb.astype("float32") / 127.5 - 1.0
