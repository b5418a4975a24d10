"""Photo-pair helpers for the tests: Kodak photos shrunk in the test, real film looks, 8-bit saves."""

from __future__ import annotations

import numpy as np
from PIL import Image

from tests.shared import LUTS, PHOTOS, require_path

WIDTH = 384


def small_photo(name: str, width: int = WIDTH) -> np.ndarray:
    import cv2

    from lutlearn.images import read_image

    rgb = read_image(require_path(PHOTOS / f"{name}.png")).rgb
    height = round(rgb.shape[0] * width / rgb.shape[1])
    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)


def real_look(name: str = "rt_fuji_velvia_50"):
    from lutlearn.luts.files import read_lut

    return read_lut(require_path(LUTS / f"{name}.png"))


def save8(rgb: np.ndarray, path, quality: int | None = None, subsampling: int = 2):
    """8-bit codes of ``rgb`` as PNG, or as JPEG of ``quality`` (Pillow's ``subsampling``: 2 = 4:2:0, 0 = 4:4:4)."""
    codes = np.rint(np.clip(rgb, 0, 1) * 255).astype(np.uint8)
    if quality:
        Image.fromarray(codes).save(path, quality=quality, subsampling=subsampling)
    else:
        Image.fromarray(codes).save(path)
    return path
