"""Checks across pairs and across one pair's frame: is a pair edited differently, is part of a frame edited locally?

Both compare pixels with a look that did not see them (cross-fitting), because a
lattice fitted to all pixels absorbs whatever it is shown:

- :func:`loo_disagreement`: each pair against a look learned from the other pairs
  (leave one out); :func:`drop_pair` leaves out the odd one when there is a majority;
- :func:`crossfit_edits`: each half of a 4x4 checkerboard of a pair's frame against a
  look learned without it; :func:`lutlearn.learn.robust.find_local_edits` then finds
  regions whose residual has spatial structure (a brush, a graduated filter).

The quick looks are the current base network plus a 17^3 lattice on colour bins
(:func:`held_out_lut`).
"""

from __future__ import annotations

import numpy as np

from lutlearn.learn import robust
from lutlearn.learn.lattice import solve_lattice
from lutlearn.learn.model import LearnedModel
from lutlearn.luts.lut import LUT3D

__all__ = ["DISAGREE_CODES", "crossfit_edits", "drop_pair", "held_out_lut", "loo_disagreement"]


def held_out_lut(x, y, w, train, mlp, spec, opts, size: int = 17) -> LUT3D:
    """The current network plus a ``size``^3 lattice fitted (least squares on colour bins) to the ``train``
    pixels only: a quick model for checks (a 17^3 lattice solves ~8x faster and tells outliers as well)."""
    bins = robust.bin_by_colour(x[train], y[train], w[train], bits=5)
    table = solve_lattice(bins.x, bins.y - mlp.predict(bins.x), bins.w, size, sigma=1.0,
                          tau_s=2 * opts.tau_s, tau_r=opts.tau_r)
    model = LearnedModel(spec=spec._replace(lattice=size), params={**mlp.params, "lattice": table})
    return LUT3D.bake(model.apply, 33)


def loo_disagreement(x, y, w, who, n, mlp, spec, opts, bits: int = 4) -> np.ndarray:
    """Each pair's disagreement with a look learned from the other pairs alone (leave one out).

    The pair's pixels are predicted by a lattice fitted without them; the residual is
    averaged per 16^3 colour bin (noise averages out) over the bins the other pairs
    cover, and the weighted RMS of those bin means, in 8-bit codes, is returned.
    """
    out = np.full(n, np.nan)
    key = robust.colour_keys(x, bits)
    size = 1 << (3 * bits)
    for i in range(n):
        mine, others = who == i, who != i
        if not mine.any() or not others.any():
            continue
        lut = held_out_lut(x, y, w, others, mlp, spec, opts)
        resid = (y[mine] - lut.apply(x[mine])).astype(np.float64)
        wi, ki = w[mine].astype(np.float64), key[mine]
        w_mine = np.bincount(ki, weights=wi, minlength=size)
        w_other = np.bincount(key[others], weights=w[others], minlength=size)
        shared = (w_mine > 0) & (w_other > 0)
        if not shared.any():
            continue
        means = np.stack([np.bincount(ki, weights=wi * resid[:, c], minlength=size)[shared] for c in range(3)], 1)
        means /= w_mine[shared, None]
        weight = np.minimum(w_mine[shared], w_other[shared])
        out[i] = 255.0 * np.sqrt(np.average((means**2).mean(1), weights=weight))
    return out


def crossfit_edits(grids, states, x, y, w, who, where, mlp, spec, opts, tiles: int = 4) -> None:
    """Find local edits from residuals of a look that did not see the pixels it predicts.

    Each pair's frame is cut into a ``tiles`` x ``tiles`` checkerboard; the pixels of
    the black tiles are predicted by a lattice fitted to everything but them, then the
    white tiles likewise. A local edit (its colours departing from the global look in
    one region) then stands out instead of being absorbed by the lattice.
    """
    for i, (g, s) in enumerate(zip(grids, states)):
        mine = np.flatnonzero(who == i)
        if not len(mine):
            continue
        h, wd = g.shape
        flat = where[mine]
        colour = ((flat // wd) * tiles // h + (flat % wd) * tiles // wd) % 2
        resid_img = np.zeros(g.shape + (3,), np.float32)
        for c in (0, 1):
            held = mine[colour == c]
            train = np.ones(len(x), bool)
            train[held] = False
            lut = held_out_lut(x, y, w, train, mlp, spec, opts)
            resid_img.reshape(-1, 3)[where[held]] = y[held] - lut.apply(x[held])
        trusted = np.zeros(g.shape, bool)
        trusted.reshape(-1)[flat] = True
        edits, flagged = robust.find_local_edits(resid_img, trusted)
        s.edits = edits
        if edits:
            n_t = flagged.shape[0]
            ty = np.minimum(np.arange(h) * n_t // h, n_t - 1)
            tx = np.minimum(np.arange(wd) * n_t // wd, n_t - 1)
            s.excluded = s.excluded | flagged[ty[:, None], tx[None, :]]


DISAGREE_CODES = 3.0  # a pair whose colours sit this far (RMS, 8-bit codes) from the others' is suspect


def drop_pair(grids, states, disagreement, data, floor: float = DISAGREE_CODES, factor: float = 3.0):
    """Leave out the pair edited differently, when there is a majority to tell.

    The pair with the largest leave-one-out disagreement is a candidate when it is
    above ``floor`` codes and there are at least three pairs; the others' disagreement
    is then measured again without it, and the drop is confirmed when theirs falls
    ``factor`` times below the candidate's (a compromise fit inflates everyone's
    disagreement until the odd pair is out).

    Returns:
        (dropped names, disagreement per pair).
    """
    x, y, w, who, mlp, spec, opts = data
    d = np.asarray(disagreement, np.float64)
    n = len(grids)
    if n < 3 or not np.isfinite(d).any():
        return [], d
    worst = int(np.nanargmax(d))
    if not d[worst] > floor:
        return [], d
    rest = who != worst
    remap = np.cumsum(np.arange(n) != worst) - 1
    d_rest = loo_disagreement(x[rest], y[rest], w[rest], remap[who[rest]], n - 1, mlp, spec, opts)
    if not np.nanmedian(d_rest) * factor < d[worst]:
        return [], d
    states[worst].excluded[:] = True
    return [grids[worst].name], np.insert(d_rest, worst, d[worst])
