"""Reference LUT consumers, run on the same data as lutlearn for oracle tests.

- :func:`ffmpeg_lut3d`: ffmpeg's ``lut3d`` filter on 8-bit RGB. On ``rgb24``
  input ffmpeg interpolates in float and **truncates** to 8 bits
  (``av_clip_uint8(v * 255)``), so its codes are ``floor`` of the exact value
  (even an identity cube moves ~2% of colours down by one code): compare
  within 1 code. ``float_output=True`` feeds ``gbrpf32le`` planes of
  ``code / 255`` instead, so the filter runs in float and returns floats, with
  no rounding at all (agreement ~1e-6).
- :func:`ffmpeg_haldclut`: ffmpeg's ``haldclut`` filter, for Hald CLUT images.
- :func:`ocio_apply`: OpenColorIO's CPU processor with a FileTransform on the
  .cube (it reads Iridas and Resolve cubes, shaper files included), on floats.
- :func:`pillow_color3dlut`: Pillow's ``ImageFilter.Color3DLUT`` (trilinear,
  16-bit fixed point inside): compare within 1 code.

Each skips the test when its tool is missing, or fails it in CI (``tests/shared.py``). The fit tests reuse them
to check exported .cube files against the learned model.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from tests.shared import require

__all__ = ["ffmpeg_lut3d", "ffmpeg_haldclut", "ocio_apply", "pillow_color3dlut", "require_ffmpeg", "require_ocio"]


def require_ffmpeg() -> str:
    """The ffmpeg executable (skips or fails the test when it is not installed)."""
    exe = shutil.which("ffmpeg")
    require(exe is not None, "ffmpeg")
    return exe


def require_ocio():
    """The PyOpenColorIO module (skips or fails the test when it is not installed)."""
    try:
        import PyOpenColorIO
    except ImportError:
        require(False, "PyOpenColorIO")
    return PyOpenColorIO


def ffmpeg_lut3d(cube_path: str | Path, rgb: np.ndarray, interp: str = "tetrahedral",
                 float_output: bool = False, threads: int = 1) -> np.ndarray:
    """Run ffmpeg's lut3d filter.

    Args:
        cube_path: the .cube file.
        rgb: uint8 (H, W, 3) image (any size; piped as one rawvideo frame).
        interp: "tetrahedral", "trilinear", "nearest", "pyramid" or "prism".
        float_output: feed gbrpf32le planes of rgb / 255 and return floats.
        threads: ffmpeg filter threads.

    Returns:
        uint8 (H, W, 3), or float32 (H, W, 3) with ``float_output``.
    """
    exe = require_ffmpeg()
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    path = str(Path(cube_path).resolve()).replace("\\", "/").replace(":", "\\:").replace("'", "\\'")
    fmt, data = "rgb24", rgb.tobytes()
    if float_output:  # planes of code / 255 computed here: swscale's own rgb24 -> float is off by ~1 code
        planes = rgb.astype(np.float32) / np.float32(255)
        fmt, data = "gbrpf32le", np.stack([planes[..., 1], planes[..., 2], planes[..., 0]]).astype("<f4").tobytes()
    cmd = [exe, "-v", "error", "-threads", str(threads), "-filter_threads", str(threads),
           "-f", "rawvideo", "-pix_fmt", fmt, "-s", f"{w}x{h}", "-i", "-",
           "-vf", f"lut3d=file='{path}':interp={interp}", "-f", "rawvideo", "-pix_fmt", fmt, "-"]
    done = subprocess.run(cmd, input=data, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {done.stderr.decode(errors='replace').strip()}")
    if not float_output:
        return np.frombuffer(done.stdout, np.uint8).reshape(h, w, 3)
    planes = np.frombuffer(done.stdout, "<f4").reshape(3, h, w)  # G, B, R planes
    return np.stack([planes[2], planes[0], planes[1]], axis=-1)


def ffmpeg_haldclut(hald_path: str | Path, rgb: np.ndarray, interp: str = "tetrahedral") -> np.ndarray:
    """Run ffmpeg's ``haldclut`` filter (the Hald CLUT image as second input) on uint8 (H, W, 3).

    Same arithmetic as :func:`ffmpeg_lut3d` on rgb24 (float, then truncation):
    compare within 1 code.
    """
    exe = require_ffmpeg()
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    cmd = [exe, "-v", "error", "-threads", "1", "-filter_threads", "1",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-i", "-", "-i", str(hald_path),
           "-filter_complex", f"[1:v]format=rgb24[h];[0:v][h]haldclut=interp={interp}",
           "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    done = subprocess.run(cmd, input=rgb.tobytes(), capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {done.stderr.decode(errors='replace').strip()}")
    return np.frombuffer(done.stdout, np.uint8).reshape(h, w, 3)


def ocio_apply(cube_path: str | Path, rgb: np.ndarray, interp: str = "tetrahedral") -> np.ndarray:
    """Apply a .cube with OpenColorIO's CPU processor.

    Args:
        cube_path: the .cube file.
        rgb: float (..., 3) colours.
        interp: "tetrahedral" or "trilinear" (OCIO's INTERP_LINEAR).

    Returns:
        float32 (..., 3).
    """
    ocio = require_ocio()
    transform = ocio.FileTransform(src=str(Path(cube_path).resolve()),
                                   interpolation=ocio_interpolation(interp),
                                   direction=ocio.TRANSFORM_DIR_FORWARD)
    processor = ocio.Config.CreateRaw().getProcessor(transform).getDefaultCPUProcessor()
    out = np.ascontiguousarray(rgb, dtype=np.float32).reshape(-1, 3).copy()
    processor.applyRGB(out)
    return out.reshape(np.shape(rgb))


def ocio_interpolation(interp: str):
    """The OpenColorIO Interpolation constant for a lutlearn method name."""
    ocio = require_ocio()
    return {"tetrahedral": ocio.INTERP_TETRAHEDRAL, "trilinear": ocio.INTERP_LINEAR}[interp]


def pillow_color3dlut(lut, image: np.ndarray) -> np.ndarray:
    """Apply a LUT3D with Pillow's trilinear ``Color3DLUT`` (sizes 2..65).

    Args:
        lut: a :class:`lutlearn.luts.lut.LUT3D` with the default domain.
        image: uint8 (H, W, 3).

    Returns:
        uint8 (H, W, 3).
    """
    from PIL import Image, ImageFilter

    n = lut.size
    table = ImageFilter.Color3DLUT(n, lut.table, channels=3)  # (b, g, r, c) numpy: red fastest, like .cube
    return np.asarray(Image.fromarray(np.ascontiguousarray(image, np.uint8)).filter(table))
