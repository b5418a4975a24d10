"""JPEG internals: a 4:2:0 file's stored planes (without the decoder's chroma upsampling), and a file's own
quantisation tables and subsampling, to encode other pixels the way that file was encoded (:class:`JpegCodec`)."""

from __future__ import annotations

import dataclasses
import io
import os
from pathlib import Path

import numpy as np
from PIL import Image

from lutlearn.errors import ImageReadError
from lutlearn.images.limits import open_checked
from lutlearn.images.read import short_reason

__all__ = ["JpegCodec", "read_jpeg_planes"]


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


@dataclasses.dataclass(frozen=True)
class JpegCodec:
    """The JPEG settings of a file, to re-encode other pixels the same way.

    Attributes:
        qtables: the quantisation tables as Pillow reports them (``im.quantization``).
        subsampling: Pillow's code: 0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0.
    """

    qtables: dict
    subsampling: int

    @classmethod
    def from_file(cls, path: str | Path) -> JpegCodec | None:
        """The settings of a colour JPEG file, or None for any other file."""
        from PIL import JpegImagePlugin

        path = Path(path)
        try:
            with open_checked(path) as im:
                if im.format != "JPEG" or im.mode != "RGB":
                    return None
                return cls({k: list(v) for k, v in im.quantization.items()}, JpegImagePlugin.get_sampling(im))
        except ImageReadError:
            raise
        except (OSError, SyntaxError, ValueError) as e:
            raise ImageReadError(f"{path}: cannot decode image ({short_reason(e)})") from None

    def roundtrip(self, rgb: np.ndarray) -> np.ndarray:
        """Encode float sRGB (H, W, 3) as this JPEG would be and decode it again (float32)."""
        buf = io.BytesIO()
        codes = np.rint(np.clip(rgb, 0.0, 1.0) * 255.0).astype(np.uint8)
        Image.fromarray(codes).save(buf, format="JPEG", qtables=self.qtables, subsampling=max(self.subsampling, 0))
        buf.seek(0)
        with Image.open(buf) as im:
            return np.asarray(im.convert("RGB"), np.float32) * np.float32(1 / 255)

    def describe(self) -> str:
        sub = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}.get(self.subsampling, "?")
        q0 = np.mean(self.qtables.get(0, [0]))
        return f"JPEG {sub}, mean luma quantiser {q0:.1f}"
