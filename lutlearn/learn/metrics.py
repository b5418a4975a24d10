"""Colour-difference metrics, shared by fit reports, scripts and tests."""

from __future__ import annotations

import numpy as np

__all__ = ["delta_e2000", "summarise_delta_e"]


def delta_e2000(rgb_a: np.ndarray, rgb_b: np.ndarray) -> np.ndarray:
    """CIEDE2000 between two sRGB arrays (..., 3) in [0, 1] (D65), via colour-science.

    Returns:
        float64 array of shape (...,).
    """
    import colour  # imported lazily: it takes about 2 s

    def lab(rgb):
        rgb = np.clip(np.asarray(rgb, np.float64), 0.0, 1.0)
        xyz = colour.RGB_to_XYZ(rgb, colour.RGB_COLOURSPACES["sRGB"], apply_cctf_decoding=True)
        return colour.XYZ_to_Lab(xyz, colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D65"])

    return colour.delta_E(lab(rgb_a), lab(rgb_b), method="CIE 2000")


def summarise_delta_e(de: np.ndarray, weights: np.ndarray | None = None) -> dict:
    """Mean, 95th percentile and max of ΔE values (weighted mean/percentile when weights are given)."""
    de = np.asarray(de, np.float64).reshape(-1)
    if weights is None:
        return {"mean": float(de.mean()), "p95": float(np.percentile(de, 95)), "max": float(de.max())}
    w = np.asarray(weights, np.float64).reshape(-1)
    order = np.argsort(de)
    cdf = np.cumsum(w[order]) / w.sum()
    p95 = float(de[order][min(np.searchsorted(cdf, 0.95), len(de) - 1)])
    return {"mean": float(np.average(de, weights=w)), "p95": p95, "max": float(de.max())}
