"""Robust colour statistics of a photo pair: aggregation, outlier weights, vignette, local edits.

A look is a global colour transform: the same before-colour always becomes the
same after-colour. What an exported photo adds on top is not global: grain and
JPEG noise (zero-mean, per pixel), a vignette (a smooth function of the
position), sharpening halos and local edits (brushes, masks, gradients:
spatially coherent). This module separates them:

- :func:`bin_by_colour` aggregates pixels by before-colour, so zero-mean noise
  averages out before any model sees it;
- :func:`huber_weights` turns residuals into IRLS weights that discount outliers;
- :func:`clipped_mean` is what zero-mean noise averages to once the file clips it
  at black and white (grain on a dark colour does not average to that colour);
- :func:`fit_vignette` estimates a smooth radial gain in linear light jointly
  with the look, by *fixed effects*: residual log-luminance is compared only
  between pixels of the same before-colour, so a colour that happens to sit in
  the corners cannot be mistaken for darkening;
- :func:`find_local_edits` looks for spatial structure left in the residual.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = [
    "ColourBins",
    "LocalEdit",
    "Vignette",
    "bin_by_colour",
    "clipped_mean",
    "find_local_edits",
    "fit_vignette",
    "huber_weights",
    "linear_to_srgb",
    "regular_sample",
    "robust_scale",
    "srgb_to_linear",
]

LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


@dataclasses.dataclass(frozen=True)
class ColourBins:
    """Pixels aggregated by before-colour.

    Attributes:
        x: float32 (M, 3) weighted mean before-colour of each occupied bin.
        y: float32 (M, 3) weighted mean after-colour.
        w: float32 (M,) summed pixel weight.
    """

    x: np.ndarray
    y: np.ndarray
    w: np.ndarray

    def __len__(self) -> int:
        return self.x.shape[0]


def colour_keys(x: np.ndarray, bits: int) -> np.ndarray:
    """int64 (P,) bin index of each colour (P, 3) on a 2^bits grid per channel, red fastest."""
    n = 1 << bits
    q = np.minimum((np.clip(x, 0.0, 1.0) * n).astype(np.int64), n - 1)
    return q[:, 0] + (q[:, 1] << bits) + (q[:, 2] << (2 * bits))


def bin_by_colour(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None, bits: int = 6) -> ColourBins:
    """Aggregate pixels by before-colour on a (2^bits)^3 grid: weighted means of x and y.

    Within a bin of 4 codes (bits=6) a smooth look is linear to well under a code,
    so mean(look(x)) = look(mean(x)) and the bin mean is an unbiased, less noisy
    sample of the look.

    Args:
        x: float32 (P, 3) before-colours; y: float32 (P, 3) after-colours.
        w: optional (P,) pixel weights (default 1).
        bits: grid resolution per channel (6 -> 64^3 bins).

    Returns:
        :class:`ColourBins` of the occupied bins (weight > 0).

    >>> b = bin_by_colour(np.array([[0.1, 0.1, 0.1], [0.105, 0.1, 0.1]], np.float32),
    ...                   np.array([[0.2, 0.2, 0.2], [0.4, 0.2, 0.2]], np.float32))
    >>> len(b), [round(float(v), 3) for v in b.y[0]]
    (1, [0.3, 0.2, 0.2])
    """
    key = colour_keys(x, bits)
    w = np.ones(len(x), np.float64) if w is None else np.asarray(w, np.float64)
    size = 1 << (3 * bits)
    sw = np.bincount(key, weights=w, minlength=size)
    keep = np.flatnonzero(sw > 0)
    sw = sw[keep]
    mx = np.stack([np.bincount(key, weights=w * x[:, c], minlength=size)[keep] for c in range(3)], 1) / sw[:, None]
    my = np.stack([np.bincount(key, weights=w * y[:, c], minlength=size)[keep] for c in range(3)], 1) / sw[:, None]
    return ColourBins(mx.astype(np.float32), my.astype(np.float32), sw.astype(np.float32))


def regular_sample(n: int, most: int) -> slice:
    """Every k-th of ``n`` items, k the smallest step that keeps at most ``most`` of them (all of them when
    ``n <= most``): the subsample a robust estimate takes of many pixels. A caller that takes it first
    computes nothing for the rest."""
    return slice(None, None, max(1, -(-n // most)))


def robust_scale(r: np.ndarray, w: np.ndarray | None = None) -> float:
    """1.4826 x the (weighted) median absolute value of residual norms ``r`` (P,): a robust sigma."""
    keep = regular_sample(len(r), 400_000)  # as good for a scale, and much cheaper to sort
    r = np.abs(np.asarray(r, np.float64)[keep])
    w = None if w is None else np.asarray(w)[keep]
    if w is None:
        return float(1.4826 * np.median(r))
    order = np.argsort(r)
    cdf = np.cumsum(np.asarray(w, np.float64)[order])
    return float(1.4826 * r[order][np.searchsorted(cdf, 0.5 * cdf[-1])])


def huber_weights(r: np.ndarray, scale: float, k: float = 2.0) -> np.ndarray:
    """IRLS weights of the Huber loss for residual norms ``r`` (P,): 1 inside k*scale, k*scale/|r| outside."""
    c = max(k * scale, 1e-6)
    a = np.abs(r)
    return np.where(a <= c, 1.0, c / np.maximum(a, 1e-12)).astype(np.float32)


def clipped_mean(mu: np.ndarray, sigma: float) -> np.ndarray:
    """The mean of ``clip(mu + sigma * Z, 0, 1)`` for standard normal Z: what Gaussian noise of standard
    deviation ``sigma`` (grain, sensor noise) added to ``mu`` averages to in a file that clips at black and
    white.

    Away from 0 and 1 it is ``mu``; near them it is pulled inward, by up to ``0.4 * sigma`` at the bounds
    (the noise's clipped half is lost), so the mean of a grainy pair's dark colours sits above the look's.

    >>> clipped_mean(np.array([0.5, 0.0, 1.0]), 0.03).round(4).tolist()
    [0.5, 0.012, 0.988]
    """
    from scipy.special import ndtr

    mu = np.asarray(mu, np.float64)
    if sigma <= 0:
        return mu.copy()
    lo, hi = -mu / sigma, (1.0 - mu) / sigma
    pdf_lo, pdf_hi = np.exp(-0.5 * lo * lo), np.exp(-0.5 * hi * hi)
    return (mu * (ndtr(hi) - ndtr(lo)) + sigma * (pdf_lo - pdf_hi) / np.sqrt(2.0 * np.pi) + ndtr(-hi))


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.0, None)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * np.power(v, 1 / 2.4) - 0.055).astype(np.float32)


# A vignette of less than this many EV in the corners is reported as none (:meth:`Vignette.describe`), and only
# a larger one is given its third, shaping term (:func:`fit_vignette`): without one, the extra freedom only fits
# the look's misfit (JPEG and half-size rows of scripts/eval_pairs.py 0.01-0.02 ΔE worse), and those fits stay
# as they were. Measured with eval_pairs' damage, -1.2 EV at the corners going as ρ³ (learnt from kodim05,
# scored on the other photos): vignette alone, Velvia / Portra / Classic Chrome / teal-orange
# 0.269 / 0.350 / 0.271 / 0.426 -> 0.196 / 0.286 / 0.134 / 0.344 ΔE (their clean pairs: 0.184 / 0.286 /
# 0.10 / 0.317); with 3% colour grain as well 0.418 / 0.592 / 0.416 / 0.822 -> 0.363 / 0.556 / 0.321 /
# 0.775. A ρ² vignette: unchanged.
VIGNETTE_SEEN_EV = 0.05
# A vignette is fitted on a regular subsample of at most this many pixels (:func:`fit_vignette`): 3 parameters
# need no more. 100k rather than 300k: scripts/eval_pairs.py's vignette + grain, JPEG and clean rows (Velvia /
# Portra / Kodachrome) move by 0.005 ΔE or less, either way, and a 768x512 pair's rounds spend less time on it
# (line-profiled, the vignette + grain pair, with the subsample taken before any copy and faster channel
# maxima: 0.29 -> 0.12 s a round, on a machine where that pair fits in 8-9 s).
VIGNETTE_PIXELS = 100_000


@dataclasses.dataclass(frozen=True)
class Vignette:
    """A radial gain in linear light: gain(ρ) = exp(a ρ² + b ρ⁴ + c ρ⁶), gain(0) = 1.

    ρ is the distance from the after frame's centre divided by its half-diagonal
    (1 in the corners). The third term follows fall-offs held back toward the
    edges (an editor's midpoint or feather, a lens's ρ³-like profile): ρ² and ρ⁴
    alone miss a -1.2 EV ρ³ vignette by up to 0.06 EV across the frame, all
    three by 0.01 (``tests/learn/test_photofit.py``).
    """

    a: float = 0.0
    b: float = 0.0
    c: float = 0.0

    @property
    def flat(self) -> bool:
        """Whether there is no vignette at all (every term 0)."""
        return self.a == 0.0 and self.b == 0.0 and self.c == 0.0

    def gain(self, rho: np.ndarray) -> np.ndarray:
        r2 = np.asarray(rho, np.float32) ** 2
        return np.exp(self.a * r2 + self.b * r2 * r2 + self.c * r2**3).astype(np.float32)

    @property
    def corner_ev(self) -> float:
        """Exposure change in the corners, in EV (stops)."""
        return float((self.a + self.b + self.c) / np.log(2.0))

    def apply(self, rgb: np.ndarray, rho: np.ndarray) -> np.ndarray:
        """sRGB (..., 3) darkened by the vignette at radii ``rho`` (...), in linear light."""
        return linear_to_srgb(srgb_to_linear(rgb) * self.gain(rho)[..., None])

    def remove(self, rgb: np.ndarray, rho: np.ndarray) -> np.ndarray:
        """Undo the vignette on sRGB colours (P, 3) at radii ``rho`` (P,)."""
        if self.flat:
            return rgb
        return linear_to_srgb(srgb_to_linear(rgb) / self.gain(rho)[:, None])

    def describe(self) -> str:
        if abs(self.corner_ev) < VIGNETTE_SEEN_EV:
            return f"no vignette (|corner| < {VIGNETTE_SEEN_EV:g} EV)"
        half = self.gain(np.array([0.5]))[0]
        return (f"vignette {self.corner_ev:+.2f} EV in the corners ({np.log2(half):+.2f} EV half-way), "
                "removed before fitting and left out of the LUT")


def _demean(values: np.ndarray, inv: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Subtract each group's weighted mean from ``values`` (P, K); ``inv``: group index 0..G-1 per row."""
    sw = np.bincount(inv, weights=w)
    out = np.empty_like(values)
    for k in range(values.shape[1]):
        mean = np.bincount(inv, weights=w * values[:, k]) / np.maximum(sw, 1e-12)
        out[:, k] = values[:, k] - mean[inv]
    return out


def fit_vignette(pred: np.ndarray, after: np.ndarray, rho: np.ndarray, groups: np.ndarray,
                 weights: np.ndarray | None = None, iterations: int = 4,
                 max_pixels: int = VIGNETTE_PIXELS) -> Vignette:
    """Estimate the radial gain that turns the look's prediction into the after image.

    Model: lum_linear(after) = gain(ρ) · lum_linear(pred). The log-ratio of the two
    luminances is regressed on (ρ², ρ⁴, ρ⁶) *within* groups of equal before-colour
    (fixed effects), with Huber reweighting; pixels near black or clipped are
    left out, and the others are weighted by their sRGB luminance squared (the
    log-ratio of a dark pixel is noisy).

    Args:
        pred: float32 (P, 3) the look's prediction (sRGB) at each pixel, no vignette.
        after: float32 (P, 3) the after image's colours at the same pixels.
        rho: float32 (P,) normalised radius in the after frame.
        groups: int (P,) before-colour bin of each pixel (e.g. :func:`colour_keys` at 5 bits).
        weights: optional (P,) pixel weights.
        iterations: Huber IRLS iterations.
        max_pixels: a regular subsample of at most this many pixels is used (:data:`VIGNETTE_PIXELS`).

    Returns:
        The :class:`Vignette`.
    """
    keep = regular_sample(len(pred), max_pixels)  # 3 parameters need no millions of pixels
    pred, after, rho, groups = pred[keep], after[keep], rho[keep], groups[keep]
    weights = None if weights is None else weights[keep]
    lp = srgb_to_linear(pred) @ LUMA
    la = srgb_to_linear(after) @ LUMA
    ok = (lp > 0.01) & (la > 0.005) & (_channel_max(pred) < 0.98) & (_channel_max(after) < 0.98)
    ok &= np.minimum(np.minimum(pred[:, 0], pred[:, 1]), pred[:, 2]) > 0.01
    if weights is not None:
        ok &= weights > 0
    if ok.sum() < 1000:
        return Vignette()
    z = np.log(la[ok] / lp[ok]).astype(np.float64)
    r2 = rho[ok].astype(np.float64) ** 2
    feats = np.stack([r2, r2 * r2, r2**3], axis=1)
    base_w = (pred[ok] @ LUMA).astype(np.float64) ** 2 * (1.0 if weights is None else weights[ok])
    _, g = np.unique(groups[ok], return_inverse=True)  # once: the groups do not change between iterations
    vignette = Vignette(*(float(v) for v in _radial_fit(feats[:, :2], z, g, base_w, iterations)))
    if abs(vignette.corner_ev) >= VIGNETTE_SEEN_EV:  # a vignette to shape: the third term too
        vignette = Vignette(*(float(v) for v in _radial_fit(feats, z, g, base_w, iterations)))
    return vignette


def _channel_max(rgb: np.ndarray) -> np.ndarray:
    """(P,) the largest of each row's three channels (``rgb.max(axis=1)``, several times faster on (P, 3))."""
    return np.maximum(np.maximum(rgb[:, 0], rgb[:, 1]), rgb[:, 2])


def _radial_fit(feats: np.ndarray, z: np.ndarray, groups: np.ndarray, base_w: np.ndarray,
                iterations: int) -> np.ndarray:
    """Huber-reweighted least squares of ``z`` on ``feats`` within ``groups`` (fixed effects): the coefficients."""
    k = feats.shape[1]
    w, coef = base_w.copy(), np.zeros(k)
    for _ in range(iterations):
        both = _demean(np.column_stack([feats, z]), groups, w)
        fd, zd = both[:, :k], both[:, k]
        coef = np.linalg.solve(fd.T @ (fd * w[:, None]) + 1e-9 * np.eye(k), fd.T @ (zd * w))
        r = zd - fd @ coef
        w = base_w * huber_weights(r, robust_scale(r, base_w), k=2.0)
    return coef


@dataclasses.dataclass(frozen=True)
class LocalEdit:
    """A region where the after image departs from a global look.

    Attributes:
        box: (x0, y0, x1, y1) in fractions of the after frame (0..1).
        delta: mean sRGB residual (3,) in the region (after − look), in codes (0..255).
        share: share of the frame the region covers.
    """

    box: tuple[float, float, float, float]
    delta: tuple[float, float, float]
    share: float

    def describe(self) -> str:
        x0, y0, x1, y1 = (round(100 * v) for v in self.box)
        where = _where(self.box)
        d = ", ".join(f"{v:+.0f}" for v in self.delta)
        return (f"the after image departs from a global look {where} (x {x0}-{x1}%, y {y0}-{y1}% of the frame, "
                f"{100 * self.share:.0f}% of it; mean change R,G,B {d} codes): a local edit (brush, mask, "
                "gradient)? Those pixels were left out of the fit")

    def as_dict(self) -> dict:
        return {"box": [round(float(v), 4) for v in self.box], "delta_codes": [round(float(v), 1) for v in self.delta],
                "share": round(float(self.share), 4), "where": _where(self.box)}


def _where(box) -> str:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    v = "top" if cy < 1 / 3 else "bottom" if cy > 2 / 3 else "middle"
    h = "left" if cx < 1 / 3 else "right" if cx > 2 / 3 else "centre"
    return "in the centre" if (v, h) == ("middle", "centre") else f"at the {v} {h}" if v != "middle" else f"at the {h}"


def tile_medians(residual: np.ndarray, trusted: np.ndarray, tiles: int = 16, min_pixels: int = 30):
    """Per-tile median residual (T, T, 3) and pixel counts (T, T) over ``trusted`` pixels of (H, W, 3)."""
    h, w = trusted.shape
    ys = np.minimum((np.arange(h) * tiles) // h, tiles - 1)
    xs = np.minimum((np.arange(w) * tiles) // w, tiles - 1)
    med = np.full((tiles, tiles, 3), np.nan, np.float32)
    count = np.zeros((tiles, tiles), np.int64)
    tid = (ys[:, None] * tiles + xs[None, :])[trusted]
    res = residual[trusted]
    order = np.argsort(tid, kind="stable")
    tid, res = tid[order], res[order]
    starts = np.searchsorted(tid, np.arange(tiles * tiles + 1))
    for t in range(tiles * tiles):
        a, b = starts[t], starts[t + 1]
        count.flat[t] = b - a
        if b - a >= min_pixels:
            med[t // tiles, t % tiles] = np.median(res[a:b], axis=0)
    return med, count


def find_local_edits(residual: np.ndarray, trusted: np.ndarray, tiles: int = 16, min_codes: float = 6.0,
                     min_tiles: int = 2) -> tuple[list[LocalEdit], np.ndarray]:
    """Regions whose median residual is far from zero and far from the other tiles'.

    Args:
        residual: float32 (H, W, 3) after − prediction in sRGB (any value where not trusted).
        trusted: bool (H, W) pixels used in the fit.
        tiles: the frame is cut into tiles x tiles cells.
        min_codes: a tile is flagged when its median residual exceeds this many 8-bit
            codes in some channel and 4 robust sigmas of the tile medians.
        min_tiles: connected flagged regions smaller than this are ignored.

    Returns:
        (edits, flagged): the :class:`LocalEdit` regions and a bool (tiles, tiles) map.
    """
    from scipy import ndimage

    med, count = tile_medians(residual, trusted, tiles)
    good = np.isfinite(med).all(axis=-1)
    mag = np.where(good, np.abs(np.nan_to_num(med)).max(axis=-1) * 255.0, np.nan)
    if good.sum() < 8:
        return [], np.zeros((tiles, tiles), bool)
    spread = robust_scale(mag[good] - np.median(mag[good]))
    flagged = good & (mag > max(min_codes, np.median(mag[good]) + 4 * spread))
    labels, n = ndimage.label(flagged, structure=np.ones((3, 3)))
    edits = []
    for k in range(1, n + 1):
        cells = labels == k
        if cells.sum() < min_tiles:
            flagged &= ~cells
            continue
        ty, tx = np.nonzero(cells)
        box = (tx.min() / tiles, ty.min() / tiles, (tx.max() + 1) / tiles, (ty.max() + 1) / tiles)
        weights = count[cells].astype(np.float64)
        delta = tuple(float(v) for v in 255.0 * np.average(med[cells], axis=0, weights=weights))
        edits.append(LocalEdit(box, delta, float(cells.sum()) / tiles**2))
    return edits, flagged
