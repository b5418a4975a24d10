"""The stored planes of a chroma-subsampled JPEG, read without the decoder's chroma upsampling."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from lutlearn.errors import ImageReadError
from lutlearn.images.limits import open_checked
from lutlearn.images.read import short_reason

__all__ = ["read_jpeg_planes"]


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
        with open_checked(path) as im:  # the image limit, from the header
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
    except ImageReadError:
        raise
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageReadError(f"{path}: cannot decode image ({short_reason(e)})") from None
    return luma, chroma
