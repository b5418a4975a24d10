"""How much of the colour cube a set of pairs covers, and which colours the LUT extrapolates.

Coverage is measured on the LUT's own lattice: a cell of the 32^3 grid between
the nodes of a 33^3 LUT is *covered* when trusted pixels fall in it. A single
photo covers a few percent of the cells (the Kodak photos: 2-9%); below 1% the
fit is mostly extrapolation and the user is warned.

Extrapolated colours are described in words, from the LUT nodes that have no
data within ``reach`` cells: grouped by hue (8 names), lightness and chroma
(CIE LCh of the node's sRGB colour), so that a report can say "saturated
blues and purples, bright greens" instead of a number.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["LOW_COVERAGE", "Coverage", "measure_coverage", "srgb_to_lch"]

LOW_COVERAGE = 0.01
HUES = ("red", "orange", "yellow", "green", "cyan", "blue", "purple", "magenta")
_HUE_START = np.array([0, 40, 70, 105, 175, 225, 280, 320, 360], np.float64)  # CIE LCh hue angles, degrees


@dataclasses.dataclass(frozen=True)
class Coverage:
    """Coverage of the colour cube by the fitted pixels.

    Attributes:
        cells: share (0..1) of the 32^3 cells that hold pixels.
        near: share of the 33^3 LUT nodes within ``reach`` cells of the data (the
            residual lattice can reach them; beyond, the LUT is the fallback model).
        extrapolated: names of colour regions mostly beyond reach, largest first,
            each with the share of the cube's nodes it holds.
    """

    cells: float
    near: float
    extrapolated: tuple[tuple[str, float], ...]

    @property
    def low(self) -> bool:
        return self.cells < LOW_COVERAGE

    def describe(self) -> str:
        regions = ", ".join(f"{name} ({100 * share:.0f}% of the cube)" for name, share in self.extrapolated[:6])
        return (f"the pairs cover {100 * self.cells:.1f}% of the colour cube ({100 * self.near:.0f}% of the LUT "
                f"nodes are within reach of the data); extrapolated: {regions or 'nothing large'}")

    def as_dict(self) -> dict:
        return {"cells": self.cells, "near_nodes": self.near,
                "extrapolated": [{"region": n, "share_of_cube": s} for n, s in self.extrapolated]}


def _occupied(x: np.ndarray, w: np.ndarray, n: int, min_pixels: float) -> np.ndarray:
    """bool (n, n, n) [b, g, r] cells of an n^3 grid that hold at least ``min_pixels`` of weight."""
    q = np.minimum((np.clip(x, 0, 1) * n).astype(np.int64), n - 1)
    key = q[:, 0] + n * q[:, 1] + n * n * q[:, 2]
    return (np.bincount(key, weights=w, minlength=n**3) >= min_pixels).reshape(n, n, n)


_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_D65 = np.array([0.95047, 1.0, 1.08883])


def srgb_to_lch(rgb: np.ndarray) -> np.ndarray:
    """sRGB (..., 3) in [0, 1] -> CIE LCh(ab) (D65), float64; the textbook formulas (no colour-science import)."""
    v = np.clip(np.asarray(rgb, np.float64), 0.0, 1.0)
    lin = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    t = (lin @ _SRGB_TO_XYZ.T) / _D65
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    lab = np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)
    return np.stack([lab[..., 0], np.hypot(lab[..., 1], lab[..., 2]),
                     np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360], -1)


def _node_names(size: int) -> np.ndarray:
    """A colour-region name for each node of a size^3 grid [b, g, r]: e.g. 'saturated blue', 'dark neutral'."""
    g = np.linspace(0, 1, size)
    b, gg, r = np.meshgrid(g, g, g, indexing="ij")
    lch = srgb_to_lch(np.stack([r, gg, b], -1).reshape(-1, 3))
    light, chroma, hue = lch[:, 0], lch[:, 1], lch[:, 2]
    hue_name = np.array(HUES + ("red",))[np.searchsorted(_HUE_START, hue, side="right") - 1]
    tone = np.where(light < 35, "dark ", np.where(light > 75, "bright ", ""))
    sat = np.where(chroma > 60, "saturated ", "")
    names = np.char.add(np.char.add(tone, sat), hue_name)
    return np.where(chroma < 12, np.char.add(tone, "neutral"), names).reshape(size, size, size)


def measure_coverage(x: np.ndarray, w: np.ndarray, reach: int = 2, size: int = 33,
                     min_pixels: float = 4.0) -> Coverage:
    """Coverage of colours ``x`` (P, 3) with pixel counts ``w`` (P,).

    Args:
        x: before-colours of the pixels (or colour bins) that were fitted.
        w: pixels behind each sample (1 per pixel); a cell counts when it holds at
            least ``min_pixels`` (a few stray noisy pixels do not cover a colour).
        reach: LUT nodes within this many cells of a covered cell count as near the data.
        size: LUT nodes per axis.

    Returns:
        A :class:`Coverage`.
    """
    from scipy import ndimage

    cells = _occupied(x, w, size - 1, min_pixels)
    # a node touches the 8 cells around it; dilate by `reach` cells in every direction
    padded = np.pad(cells, 1)
    node_has = ndimage.maximum_filter(padded, size=2, mode="constant")[1:, 1:, 1:][:size, :size, :size]
    near = ndimage.binary_dilation(node_has, structure=np.ones((3, 3, 3), bool), iterations=reach)
    names = _node_names(size)
    far = names[~near]
    labels, counts = np.unique(far, return_counts=True)
    total = size**3
    regions = sorted(((str(k), c / total) for k, c in zip(labels, counts)), key=lambda t: -t[1])
    # report regions that are mostly far from the data
    all_labels, all_counts = np.unique(names, return_counts=True)
    size_of = dict(zip(all_labels.tolist(), all_counts.tolist()))
    regions = tuple((k, s) for k, s in regions if s * total >= 0.5 * size_of[k] and s >= 0.005)
    return Coverage(float(cells.mean()), float(near.mean()), regions)
