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
- Images smaller than 32 pixels on a side are scored, with a :class:`LutlearnWarning`.
- Unreadable, truncated or empty files raise :class:`ImageReadError`.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path

import numpy as np

from lutlearn.errors import ImageReadError, LutlearnWarning
from lutlearn.images import open_checked
from lutlearn.nima.model import INPUT_SIZE

__all__ = ["nima_pixels", "training_pixels", "to_network_input", "TINY_SIDE", "TRAIN_SIDE"]

TINY_SIDE = 32  # warn below this many pixels on a side: the upscaled image means little
TRAIN_SIDE = 256  # idealo trains on random 224 crops of a 256 x 256 nearest resize


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

    with _decoded(path) as im:
        return np.asarray(im.resize((INPUT_SIZE, INPUT_SIZE), Image.NEAREST), dtype=np.uint8)


def training_pixels(path: str | os.PathLike, side: int = TRAIN_SIDE) -> tuple[np.ndarray, np.ndarray]:
    """One decode, two NEAREST resizes: (uint8 (side, side, 3) to take random crops from, :func:`nima_pixels`).

    idealo trains on random 224 x 224 crops of a 256 x 256 resize and scores the
    224 x 224 resize; both come from the same decoded RGB image here.

    Raises:
        ImageReadError: as :func:`nima_pixels`.
    """
    from PIL import Image

    with _decoded(path) as im:
        big = np.asarray(im.resize((side, side), Image.NEAREST), dtype=np.uint8)
        return big, np.asarray(im.resize((INPUT_SIZE, INPUT_SIZE), Image.NEAREST), dtype=np.uint8)


@contextlib.contextmanager
def _decoded(path: str | os.PathLike):
    """The image at ``path`` fully decoded and converted as idealo does (:func:`_to_rgb`), as an open Pillow image.

    The file is opened through :func:`lutlearn.images.open_checked`: its size is
    checked against the pixel limit from the header, before anything is decoded.
    """
    path = Path(path)
    notes: list[str] = []
    with open_checked(path, notes=notes) as im:
        try:
            im.load()  # decode fully here: a truncated file fails now, with its name
            for note in notes:
                warnings.warn(f"{path}: {note}", LutlearnWarning, stacklevel=4)
            if min(im.size) < TINY_SIDE:
                warnings.warn(f"{path}: only {im.size[0]}x{im.size[1]} pixels; upscaled to 224x224 its NIMA "
                              "score means little", LutlearnWarning, stacklevel=4)
            rgb = _to_rgb(im)
        except (OSError, SyntaxError, ValueError) as e:
            raise _decode_error(path, e) from None
        yield rgb


def _decode_error(path: Path, e: Exception) -> ImageReadError:
    detail = str(e).splitlines()[0] if str(e) else type(e).__name__
    return ImageReadError(f"{path}: cannot decode image ({detail})")


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
