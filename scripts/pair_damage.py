"""Synthetic photo-pair damage for scripts/eval_pairs.py (what an editor's export does to a graded photo).

Every function takes and returns float32 sRGB images (H, W, 3) in [0, 1], or
writes a file. The resampling here deliberately uses Pillow's LANCZOS filter
(what an editor's export does) and not the OpenCV INTER_AREA filter the
pipeline uses, so the evaluation does not commit the "inverse crime" of
undoing exactly the operator that made the damage.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["grain", "linear_to_srgb", "reframe", "resize", "save", "srgb_to_linear", "to_uint8", "vignette"]


def to_uint8(rgb: np.ndarray) -> np.ndarray:
    """float (H, W, 3) in [0, 1] -> uint8 codes, rounded."""
    return np.rint(np.clip(rgb, 0.0, 1.0) * 255.0).astype(np.uint8)


def save(rgb: np.ndarray, path: Path, quality: int | None = None, subsampling: int = 2) -> Path:
    """Write 8-bit PNG (quality None) or JPEG (quality, subsampling 2 = 4:2:0, 0 = 4:4:4)."""
    im = Image.fromarray(to_uint8(rgb))
    if quality is None:
        im.save(path, format="PNG")
    else:
        im.save(path, format="JPEG", quality=quality, subsampling=subsampling)
    return path


def _pil_resize(rgb: np.ndarray, size: tuple[int, int], box=None, method=Image.LANCZOS) -> np.ndarray:
    """Resize float RGB through Pillow's float mode, per channel (no 8-bit rounding in between)."""
    chans = [Image.fromarray(np.ascontiguousarray(rgb[..., c], np.float32), mode="F") for c in range(3)]
    out = [np.asarray(ch.resize(size, method, box=box), np.float32) for ch in chans]
    return np.clip(np.stack(out, axis=-1), 0.0, 1.0)


def resize(rgb: np.ndarray, scale: float, method=Image.LANCZOS) -> np.ndarray:
    """Export at another size: (W, H) -> (round(W*scale), round(H*scale))."""
    h, w = rgb.shape[:2]
    return _pil_resize(rgb, (round(w * scale), round(h * scale)), method=method)


def reframe(rgb: np.ndarray, crop: float, rotate_deg: float = 0.0, method=Image.LANCZOS) -> np.ndarray:
    """Crop ``crop`` (fraction) off every side, optionally rotate, and re-export at the original size.

    The crop box is fractional (as an editor's crop tool gives); rotation is about the centre.
    """
    h, w = rgb.shape[:2]
    if rotate_deg:
        chans = [Image.fromarray(np.ascontiguousarray(rgb[..., c], np.float32), mode="F") for c in range(3)]
        rgb = np.stack([np.asarray(ch.rotate(rotate_deg, Image.BICUBIC), np.float32) for ch in chans], -1)
    box = (crop * w, crop * h, w - crop * w, h - crop * h)
    return _pil_resize(rgb, (w, h), box=box, method=method)


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055).astype(np.float32)


def vignette(rgb: np.ndarray, corner_ev: float, power: float = 2.0, centre=(0.5, 0.5)) -> np.ndarray:
    """Radial exposure change of ``corner_ev`` EV at the corners, in linear light.

    gain(ρ) = 2^(corner_ev · ρ^power), ρ = distance from ``centre`` (fractions of W, H)
    divided by the half-diagonal.
    """
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rho = np.hypot(xx + 0.5 - centre[0] * w, yy + 0.5 - centre[1] * h) / np.hypot(w / 2, h / 2)
    gain = 2.0 ** (corner_ev * rho**power)
    return linear_to_srgb(srgb_to_linear(rgb) * gain[..., None])


def grain(rgb: np.ndarray, sigma: float, seed: int = 0, mono: bool = True, blur_px: float = 0.0) -> np.ndarray:
    """Add zero-mean Gaussian grain of standard deviation ``sigma`` (sRGB units), clipped to [0, 1].

    ``mono`` uses one noise field for the three channels (film-like); ``blur_px`` > 0
    makes the grain spatially correlated (clumps) and rescales it back to ``sigma``.
    """
    rng = np.random.default_rng(seed)
    shape = rgb.shape[:2] + ((1,) if mono else (3,))
    noise = rng.standard_normal(shape).astype(np.float32)
    if blur_px > 0:
        import cv2

        noise = cv2.GaussianBlur(noise, (0, 0), blur_px).reshape(shape)
        noise /= noise.std()
    return np.clip(rgb + sigma * noise, 0.0, 1.0).astype(np.float32)
