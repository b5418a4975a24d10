"""Rounds of a robust, pooled fit of one look to registered photo pairs (:func:`fit_grids`).

Each pair carries the same total weight. Every round:

a. targets = after − simulated export distortion
   (:meth:`lutlearn.learn.exportsim.PairGrid.distortion`, from round 1), with the pair's
   vignette divided out;
b. a committee of 3-32-3 base networks from different starts (:attr:`FitOptions.networks`)
   on colour bins (:func:`lutlearn.learn.robust.bin_by_colour`), each by
   Levenberg-Marquardt (:mod:`lutlearn.learn.train.lm_fit`; one network by full-batch
   L-BFGS, :mod:`lutlearn.learn.train.lbfgs_fit`, for networks too large for it),
   warm-started from the previous round; their mean is the lattice prior's centre;
c. the residual lattice around that centre: noise-aware least squares on colour bins in
   round 0 (:func:`lutlearn.learn.lattice.solve_lattice`), then Gauss-Newton steps under the
   linear export model, residuals from the full export simulation
   (:mod:`lutlearn.learn.forward`);
d. per pair: vignette by fixed effects (:func:`lutlearn.learn.robust.fit_vignette`), the
   export's resampling filter and sharpening; the noise level; after round 0 only (so that
   the Gauss-Newton rounds can reuse their normal matrices): Huber weights (IRLS), a pair
   edited differently and local edits (:mod:`lutlearn.learn.pairs_check`), both left out
   from then on; from round 1 on: where noise the simulation leaves (grain) is clipped at black
   and white, its clipped mean (:func:`_add_clipping`).

The result is the first network plus a lattice that holds the committee's mean and the
residual at its nodes; vignettes are reported and kept out of it.
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from lutlearn.learn import coverage as coverage_mod
from lutlearn.learn import pairs_check, robust
from lutlearn.learn.blas import solver_threads
from lutlearn.learn.exportsim import PairGrid, choose_sharpening
from lutlearn.learn.forward import forward_design, gauss_newton_lattice
from lutlearn.learn.lattice import noise_sample, noise_sigma, solve_lattice
from lutlearn.learn.model import LearnedModel, MLPSpec
from lutlearn.learn.train import lm_fit
from lutlearn.learn.train.lbfgs_fit import fit_mlp
from lutlearn.luts.interp import lookup
from lutlearn.luts.lut import LUT3D, identity_grid

__all__ = ["FitOptions", "PhotoFit", "fit_grids", "rounds_for"]


@dataclasses.dataclass(frozen=True)
class FitOptions:
    """Settings of :func:`fit_grids` (defaults are the product's).

    Attributes:
        rounds: fit / re-estimate rounds (the first fits the raw after colours); None: by the pixels
            of the pairs' grids (:func:`rounds_for`): 6 for a 768x512 grid or more, up to 10 for
            smaller ones (a half-size export of that photo).
        gn_rounds: how many of the last rounds solve the lattice by Gauss-Newton under the
            linear export model (when some pair has a codec or a resampled frame); None: every
            round after the first.
        tau_s, tau_r: lattice priors (see :func:`lutlearn.learn.lattice.solve_lattice`).
        simulate: correct targets by the simulated export distortion.
        sharpening: look for the export's output sharpening (unsharp mask) and simulate it. Off by
            default: Lanczos ringing of a re-framed export passes for sharpening (crop row of
            ``scripts/eval_pairs.py``: 0.58 ΔE with it, 0.23 without), and it is not yet measured on
            sharpened exports.
        gauss_newton: allow the Gauss-Newton lattice step.
        vignette, local_edits, drop_pairs: switch each robustness step.
        huber_k: Huber threshold in robust sigmas.
        trainer: how the base network is fitted each round: "lm" (Levenberg-Marquardt, for networks
            of at most :data:`lutlearn.learn.train.lm_fit.MAX_PARAMS` parameters; larger ones fall
            back to L-BFGS) or "lbfgs". LM converges much further in the same time, and the network
            is the lattice's prior centre where the pairs say little: on ``scripts/eval_pairs.py``
            (Velvia, Portra, Kodachrome) it took the half-size JPEG row from 0.62/1.07/0.83 ΔE to
            0.52/0.90/0.66, the full-size JPEG row from 0.43/0.59/0.52 to 0.36/0.54/0.41.
        lm_iter, lm_warm_iter: LM iterations of the first and later rounds. The first round starts
            from random weights and needs its 20: with 10, held-out looks lost up to 0.3 ΔE
            (Fuji Classic Chrome from a 0.7-size q88 export: 0.58 against 0.27; Ektar and
            Polaroid from a 3% re-frame: p99 2.4-3.5 against 1.6).
        mlp_iter, mlp_warm_iter: L-BFGS iterations of the first and later rounds.
        networks: how many base networks (a committee: seeds ``seed``, ``seed + 1``, ...) are fitted
            by LM to the same targets each round; the lattice prior is centred on their mean.
            Networks from different starts agree where the pairs constrain them and differ where
            they do not (colours seen only in texture or through 4:2:0 chroma, colours the photo
            lacks); their mean is a steadier centre there than any one of them. The first one is
            the model's network, and the lattice holds the difference at its nodes.
        reweight_rounds: the rounds after which the Huber weights are estimated again; from then
            on they are held, so the later Gauss-Newton rounds reuse the costly part of their
            normal matrices (the noise level is estimated after every round).
        seed: network initialisation.
    """

    rounds: int | None = None
    gn_rounds: int | None = None
    tau_s: float = 0.004
    tau_r: float = 0.03
    simulate: bool = True
    sharpening: bool = False
    gauss_newton: bool = True
    vignette: bool = True
    local_edits: bool = True
    drop_pairs: bool = True
    huber_k: float = 2.5
    trainer: str = "lm"
    lm_iter: int = 20
    lm_warm_iter: int = 4
    mlp_iter: int = 1000
    mlp_warm_iter: int = 300
    networks: int = 3
    reweight_rounds: int = 1
    seed: int = 0

    def __post_init__(self):
        if self.trainer not in ("lm", "lbfgs"):
            raise ValueError(f"trainer must be 'lm' or 'lbfgs', got {self.trainer!r}")
        if self.networks < 1:
            raise ValueError(f"networks must be at least 1, got {self.networks}")
        if self.rounds is not None and self.rounds < 1:
            raise ValueError(f"rounds must be at least 1, got {self.rounds}")


# Rounds of a fit (:func:`rounds_for`): each costs about in proportion to the pixels of the pairs' grids,
# and the rounds converge slowest where those are few: a small export, whose every stored chroma sample
# averages 4x4 or more before pixels. Such fits get more rounds and still take less time than a
# full-size export's 6.
MIN_ROUNDS, MAX_ROUNDS = 6, 10
ROUND_PIXELS = 1_000_000
# The pixel noise level's floor (sRGB units): an 8-bit after image carries at least its rounding, 0.29
# codes RMS. A clean pair's residual is about that small, and the noise level sets how far the lattice
# follows its pixels: the old floor of 1 code held a clean Portra pair at 0.32 ΔE, this one lets it reach
# 0.29 (scripts/eval_pairs.py, clean and re-framed rows, Velvia / Portra / Kodachrome: 0.19 / 0.32 / 0.22
# -> 0.18 / 0.29 / 0.21 and 0.19 / 0.33 / 0.23 -> 0.19 / 0.29 / 0.22). JPEG and resized exports, whose
# noise is above 1 code, are not changed.
NOISE_FLOOR = 0.5 / 255
# Grain on a PNG or TIFF after image is clipped at black and white, and the fit expects its clipped mean
# there (:func:`_add_clipping`). Measured with scripts/eval_pairs.py's damage (learnt from kodim05, scored on
# the other photos): its vignette + grain row (Velvia / Portra / Kodachrome, mono grain 2%) 0.236 / 0.486 /
# 0.251 -> 0.226 / 0.482 / 0.249 ΔE; colour grain of 3% blurred by 0.8 px, four looks, 0.013-0.031 better
# (Classic Chrome 0.338 -> 0.319, teal-orange 0.733 -> 0.702); with a -1.2 EV vignette as well, nine looks,
# 0.004 better on average (0.019 better to 0.007 worse). Clean, JPEG, resized and re-framed pairs unchanged.
# The noise level of the first round still holds the look's misfit (a half-size JPEG: 8.5 codes in round 0,
# 1.6 at the end): it is trusted from round CLIP_FROM_ROUND on, and only above CLIP_MODELLED, the noise an
# export simulation leaves (8-bit rounding, a resampled frame's).
CLIP_FROM_ROUND = 1
CLIP_MODELLED = 2.0 / 255
# An after file whose stored colour samples each cover this many before pixels per side or more
# (:attr:`PairGrid.colour_sample_px`) holds the colours of fine detail only mixed with their neighbours': the
# pair's line says so, and how to export it better. Measured on scripts/eval_pairs.py's looks (Velvia / Portra /
# Kodachrome, learnt from kodim05): a half-size q80 4:2:0 JPEG (4 px) 0.38 / 0.64 / 0.46 ΔE, q80 4:4:4 at the
# same size 0.29 / 0.48 / 0.35, a full-size q80 4:2:0 JPEG (2 px) 0.29 / 0.49 / 0.35, the clean pair 0.18 / 0.29 /
# 0.21; a 0.6-size q85 4:2:0 JPEG (3.3 px) about twice the clean pair's error as well.
FINE_DETAIL_PX = 3.0
# The export's resampling filter is chosen after the first round, and checked again after later rounds among
# those whose RMS came within a factor of the best the last time: {round: factor} (:func:`_update_pair`).
KERNEL_RECHECKS = {1: 1.25, 3: 1.1}


def rounds_for(pixels: int) -> int:
    """The default number of rounds for grids of ``pixels`` pixels in all: ``ROUND_PIXELS // pixels``,
    within 6..10.

    A 768x512 pair exported at full size, or four of them, gets 6; the same photo exported at half
    size (98k pixels), 10; at 0.6 size, 7. Measured on ``scripts/eval_pairs.py`` (half-size JPEG
    row, Velvia / Portra / Kodachrome, 3 seeds): 6 rounds 0.41 / 0.74 / 0.50 ΔE, 10 rounds
    0.39 / 0.67 / 0.45, for 0.8 s more (4.1 s; a full-size pair's rounds cost 2-3 times as much,
    and its 6 take 4.3 s at 0.95 size).

    The rounds have not converged at 10: 16 rounds, with the mean of the last 4 rounds' tables,
    reach 0.35 / 0.60 / 0.46 on the half-size row (0.38 / 0.64 / 0.46 now; Portra with seeds 1
    and 2: 0.62, 0.62) and 0.27 / 0.45 / 0.33 on the full-size JPEG row (0.29 / 0.49 / 0.35 at 6
    rounds). They cost 1.5-2 s more at half size and 4-5 s more at full size, past the 5 s a
    768x512 pair may take, so they are not the default.

    >>> rounds_for(768 * 512), rounds_for(384 * 256), rounds_for(461 * 307)
    (6, 10, 7)
    """
    return int(np.clip(ROUND_PIXELS // max(int(pixels), 1), MIN_ROUNDS, MAX_ROUNDS))


@dataclasses.dataclass
class PhotoFit:
    """The outcome of :func:`fit_grids`.

    Attributes:
        model: the network + residual lattice (a LearnedModel; bake it for a LUT).
        vignettes: per pair, the :class:`robust.Vignette` removed before fitting.
        local_edits: per pair, the :class:`robust.LocalEdit` regions left out.
        dropped: names of pairs left out because they disagree with the others.
        disagreement: per pair, its systematic disagreement with the other pairs (8-bit codes).
        coverage: the :class:`coverage.Coverage` of the cube.
        pairs: one line per pair: transform found, pixels used.
        pair_facts: the same per pair as a dict (for ``--json``).
        messages: warnings for the user, one line each.
        sigma: estimated pixel noise (sRGB units).
        seconds: fit time.
        rounds: how many fit / re-estimate rounds ran.
    """

    model: LearnedModel
    vignettes: list
    local_edits: list
    dropped: list
    disagreement: list
    coverage: coverage_mod.Coverage
    pairs: list
    messages: list
    sigma: float
    seconds: float
    pair_facts: list = dataclasses.field(default_factory=list)
    rounds: int = 0

    def report(self) -> str:
        """The fit's account, one line per fact (warnings are in ``messages``, not repeated here)."""
        lines = []
        for facts, line, vignette, edits in zip(self.pair_facts, self.pairs, self.vignettes, self.local_edits):
            name = facts["name"]
            lines.append(line)
            lines.append(f"{name}: {vignette.describe()}")
            lines.append(f"{name}: {len(edits)} local edit(s) found and left out (see the warnings)" if edits
                         else f"{name}: no local edits found")
        if self.dropped:
            lines.append(f"left out, edited differently from the others: {', '.join(self.dropped)}")
        lines.append(self.coverage.describe())
        return "\n".join(lines)


def _facts(g: PairGrid, used: int) -> dict:
    """What :func:`_describe` says, as numbers."""
    reg = g.registration
    return {"name": g.name, "identity": reg.is_identity, "scale": round(reg.scale, 5),
            "rotation_deg": round(reg.rotation_deg, 3), "shift_px": [round(float(v), 2) for v in reg.matrix[:, 2]],
            "outside_lrtb": [round(float(v), 4) for v in reg.crop_fraction()], "correlation": round(reg.correlation, 4),
            "grid": g.grid, "pixels_used": used, "pixels_grid": int(g.valid.size),
            "pixels_outside": int(g.valid.size - g.valid.sum()), "codec": g.codec.describe() if g.codec else None,
            "resampling": None if reg.is_identity else g.kernel, "sharpening": list(g.sharpen) if g.sharpen[0] > 0 else None,
            "before_turned_deg": 90 * g.turns, "before_mirrored": g.mirrored,
            "colour_sample_px": round(g.colour_sample_px, 2)}


def _describe(g: PairGrid, used: int) -> str:
    codec = f"; {g.codec.describe()} simulated" if g.codec else ""
    if not g.registration.is_identity:
        codec += f"; export resampling looks like '{g.kernel}'"
    if g.sharpen[0] > 0:
        codec += f"; output sharpening found (unsharp mask {g.sharpen[0]:.0%}, radius {g.sharpen[1]:g} px), simulated"
    note = f"; {g.scale_note}" if g.scale_note else ""
    if g.colour_sample_px >= FINE_DETAIL_PX:
        chroma = " or with 4:4:4 chroma" if g.codec and g.codec.subsampling > 0 else ""
        side = round(g.colour_sample_px)
        note += (f"; each colour sample the after file stores covers about {side}x{side} before pixels, so colours "
                 f"seen only in fine detail are estimated, not measured: exported at full size{chroma}, the same "
                 "photo teaches the look more exactly")
    total, valid = g.valid.size, int(g.valid.sum())
    return (f"{g.name}: {g.registration.describe()}; fitted {used} of {total} pixels on the {g.grid} grid "
            f"({total - valid} outside the frames left out){codec}{note}")


@dataclasses.dataclass
class _Committee:
    """Base networks fitted to the same targets from different starts (:attr:`FitOptions.networks`).

    Their mean decides the colours a small or 4:2:0 export leaves open. On ``scripts/eval_pairs.py``'s
    half-size row (Velvia / Portra / Kodachrome, 0.38 / 0.64 / 0.46 ΔE) it is the chroma of this centre
    that matters: with the true look's chroma as the centre's (an experiment) the fit reaches
    0.27 / 0.47 / 0.32, with the true look's luma 0.37 / 0.64 / 0.48. Measured and not adopted:

    - 4 or 6 networks (3 seeds): Portra 0.63 / 0.63 against 0.64, the JPEG row no better, 6 cost 0.6 s;
    - other networks: 3-16-3 0.37 / 0.77 / 0.45, 3-64-3 0.47 / 0.65 / 0.58, 3-16-16-3 0.40 / 0.63 / 0.51
      (JPEG row Velvia 0.80);
    - the centre's chroma smoothed over the lattice (a Gaussian of 1 node: 0.46 / 0.70 / 0.51) or sharpened
      (0.40 / 0.67 / 0.50);
    - each network's output layer refitted in Cb and Cr through the export's chroma operator, each round:
      0.39 / 0.64 / 0.48 (the networks already fit the file's chroma to its noise);
    - networks fitted on the before image's own pixels (targets: the model there plus the residual spread
      back through the resampling): 0.39 / 0.65 / 0.47;
    - first-round targets from local affine (guided) upsampling of the after image: 0.40 / 0.66 / 0.45.
    """

    members: list
    nodes: dict = dataclasses.field(default_factory=dict)  # n -> the members' outputs at the n^3 lattice nodes

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The members' mean (the lattice prior's centre)."""
        return np.mean([m.predict(x) for m in self.members], axis=0)

    def node_outputs(self, n: int) -> list:
        """Each member's float32 (n^3, 3) outputs at the n^3 lattice nodes, computed once."""
        if n not in self.nodes:
            grid = identity_grid(n).reshape(-1, 3)
            self.nodes[n] = [m.predict(grid) for m in self.members]
        return self.nodes[n]

    def offset(self, n: int) -> np.ndarray:
        """float32 (n, n, n, 3): the members' mean minus the first member, at the lattice nodes (unclipped)."""
        outputs = self.node_outputs(n)
        return (np.mean(outputs, axis=0) - outputs[0]).astype(np.float32).reshape(n, n, n, 3)

    def bake(self, table: np.ndarray) -> LUT3D:
        """The first member with ``table`` as its lattice, baked at the table's nodes: ``LUT3D.bake`` of that
        model's ``apply``, from the member's outputs there (a colour's output is the same in any batch)."""
        n = table.shape[0]
        grid = identity_grid(n)
        out = (self.node_outputs(n)[0] + lookup(table, grid.reshape(-1, 3), np)).astype(np.float32)
        return LUT3D(np.clip(out, 0.0, 1.0).reshape(grid.shape))


def _fit_model(x, y, w, spec: MLPSpec, opts: FitOptions, committee=None, gn=None):
    """Bins -> base networks (warm-started from ``committee``) -> residual lattice.

    Returns (model, committee, residual): the model is the first network plus a lattice that holds
    the committee's mean (at the nodes) and the residual around it; the residual is what the priors
    pull toward zero.

    ``gn`` = (grids, states, residual, systems): solve the residual by a Gauss-Newton step under the
    linear export model (:func:`forward.gauss_newton_lattice`) from the previous round's residual,
    instead of fitting it to the pixel targets.
    """
    coarse = robust.bin_by_colour(x, y, w, bits=5)  # the smooth base needs no finer colours
    first = committee is None
    if opts.trainer == "lm" and lm_fit.suits(spec):
        fit, cold, warm, size = lm_fit.fit_mlp_lm, opts.lm_iter, opts.lm_warm_iter, opts.networks
    else:  # L-BFGS for larger networks: one (a committee of them would take minutes)
        fit, cold, warm, size = fit_mlp, opts.mlp_iter, opts.mlp_warm_iter, 1
    if not spec.lattice:
        size = 1  # without a lattice there is nowhere to hold the committee's mean
    if not first:
        size = min(size, len(committee.members))  # a member left out as degenerate stays out

    def member(k, seed=None):
        """Member k, warm-started from the last round's; or from a new start ``seed``."""
        warm_start = not first and seed is None
        return fit(coarse.x, coarse.y, np.sqrt(coarse.w), spec, seed=opts.seed + k if seed is None else seed,
                   max_iter=warm if warm_start else cold,
                   init_params=committee.members[k].params if warm_start else None)

    # The members are independent and numpy releases the GIL in their products: side by side on two
    # threads (one BLAS thread each) they give the same results sooner (a 0.95-size pair: 4.1 -> 3.8 s).
    # One network (L-BFGS, for a large one) runs here: an interrupt then does not wait for it in a pool.
    if size == 1:
        fits = [member(0)]
    else:
        with ThreadPoolExecutor(max_workers=min(size, solver_threads())) as pool:
            fits = list(pool.map(member, range(size)))
    members = _sound(fits, lambda k: member(k, seed=opts.seed + opts.networks + k))
    committee, mlp = _Committee(members), members[0]
    if not spec.lattice:
        return mlp, committee, None
    offset = committee.offset(spec.lattice)  # zeros for a committee of one
    if gn is None:
        bins = robust.bin_by_colour(x, y, w)
        residual = solve_lattice(bins.x, bins.y - committee.predict(bins.x), bins.w, spec.lattice, sigma=1.0,
                                 tau_s=opts.tau_s, tau_r=opts.tau_r)
    else:
        residual = _gauss_newton(committee, offset, spec, opts, *gn)
    return LearnedModel(spec=spec, params={**mlp.params, "lattice": residual + offset}), committee, residual


# A base network whose loss on the colour bins is this many times the best member's has converged to a
# degenerate fit, not to another shape of the look: seen as a ReLU output unit inactive on most colours (a
# vignetted pair with colour grain, Polaroid 669: one member's loss 29x the others', the committee's mean 10 ΔE
# off and the fit 1.39 ΔE instead of 0.50); members of a sound committee are within 1.1x of each other.
DEGENERATE_LOSS = 3.0


def _sound(fits, refit) -> list:
    """The members of a committee, each degenerate one (:data:`DEGENERATE_LOSS`) fitted again from a new start
    (``refit(k)``) and left out if it is still degenerate.

    Args:
        fits: (model, info) per member, in the committee's order.
        refit: k -> (model, info) of member k from a new start.
    """
    best = min(info["loss"] for _, info in fits)
    members = []
    for k, (model, info) in enumerate(fits):
        if info["loss"] > DEGENERATE_LOSS * best:
            model, info = refit(k)
            if info["loss"] > DEGENERATE_LOSS * best:
                continue
        members.append(model)
    return members


def _gauss_newton(committee, offset, spec, opts, grids, states, residual, systems, rtol: float = 1e-3):
    """One Gauss-Newton step for the residual around the committee's mean: residuals from the full
    export simulation, linear export Jacobian."""
    lut = committee.bake(residual + offset)  # the first network with the last residual around the new mean
    designs, residuals, weights = [], [], []
    for g, s in zip(grids, states):
        if s.design is None:
            s.design = forward_design(g, spec.lattice)
        designs.append(s.design)
        residuals.append(g.after - g.simulate_export(lut, s.vignette))
        weights.append(_pixel_weights(g, s, noise=False))  # the noise level goes in as σ: the weights hold longer
    sigma = 1.0 / np.sqrt(states[0].precision)
    return gauss_newton_lattice(designs, residuals, weights, residual, spec.lattice, sigma=sigma, tau_s=opts.tau_s,
                                tau_r=opts.tau_r, rtol=rtol, systems=systems)


@dataclasses.dataclass
class _State:
    """What the rounds carry per pair: vignette, Huber weights (H, W), exclusions (H, W), distortion."""

    vignette: robust.Vignette
    huber: np.ndarray
    excluded: np.ndarray
    distortion: np.ndarray | None = None
    edits: list = dataclasses.field(default_factory=list)
    kernel_rms: dict = dataclasses.field(default_factory=dict)
    design: object | None = None
    balance: float = 1.0
    precision: np.ndarray | float = 1.0 / (4.0 / 255) ** 2


def _undistorted(g: PairGrid, s: _State, idx: np.ndarray | None = None) -> np.ndarray:
    """float32 (H, W, 3): after − simulated distortion; or (len(idx), 3) at the flat grid indices ``idx`` only."""
    if idx is None:
        return g.after if s.distortion is None else g.after - s.distortion
    y = g.after.reshape(-1, 3)[idx]
    return y if s.distortion is None else y - s.distortion.reshape(-1, 3)[idx]


def _targets(g: PairGrid, s: _State, idx: np.ndarray | None = None) -> np.ndarray:
    """float32 (H, W, 3): after − simulated distortion, vignette divided out; or (len(idx), 3) at the flat grid
    indices ``idx`` only (the same values)."""
    y = _undistorted(g, s, idx)
    if not s.vignette.flat:
        rho = g.rho.reshape(-1) if idx is None else g.rho.reshape(-1)[idx]
        y = s.vignette.remove(y.reshape(-1, 3), rho).reshape(y.shape)
    return y


def _pixel_weights(g: PairGrid, s: _State, noise: bool = True) -> np.ndarray:
    """float32 (H, W): inside the frames x Huber x pair balance (x noise precision, 1 / sigma^2, absolute)."""
    trust = (g.valid & ~s.excluded) * s.huber
    return (trust * s.balance * (s.precision if noise else 1.0)).astype(np.float32)


def _pool(grids, states):
    """Pooled trusted pixels: x, y (P, 3), w (P,), pair index (P,), flat grid index (P,)."""
    xs, ys, ws, who, where = [], [], [], [], []
    for i, (g, s) in enumerate(zip(grids, states)):
        w = _pixel_weights(g, s).reshape(-1)
        idx = np.flatnonzero(w > 1e-3 * w.max())
        xs.append(g.x.reshape(-1, 3)[idx])
        ys.append(_targets(g, s, idx))
        ws.append(w[idx])
        who.append(np.full(len(idx), i))
        where.append(idx)
    return (np.concatenate(xs), np.concatenate(ys), np.concatenate(ws), np.concatenate(who),
            np.concatenate(where))


def _balance(grids, states) -> None:
    """Per-pair balance: every pair carries the same number of trusted pixels in total."""
    counts = [float((g.valid & ~s.excluded).sum()) for g, s in zip(grids, states)]
    mean = np.mean([c for c in counts if c > 0]) if any(counts) else 1.0
    for s, c in zip(states, counts):
        s.balance = mean / c if c > 0 else 0.0


def fit_grids(grids: list[PairGrid], spec: MLPSpec = MLPSpec(lattice=33), opts: FitOptions = FitOptions()) -> PhotoFit:
    """Robust, pooled fit of a look to registered pairs.

    Args:
        grids: from :func:`lutlearn.learn.exportsim.make_pair_grid`.
        spec: base network and lattice size (default 3-32-3 + 33^3 lattice).
        opts: :class:`FitOptions`.

    Returns:
        A :class:`PhotoFit`.
    """
    t0 = time.perf_counter()
    n = len(grids)
    states = [_State(robust.Vignette(), np.ones(g.shape, np.float32), np.zeros(g.shape, bool)) for g in grids]
    committee, sigma, dropped, disagreement, residual = None, 4.0 / 255, [], np.full(n, np.nan), None
    systems = {}  # the Gauss-Newton steps' DᵀWD and preconditioner parts, reused while the weights hold
    rounds = opts.rounds or rounds_for(sum(int(g.valid.size) for g in grids))
    gn_rounds = rounds - 1 if opts.gn_rounds is None else opts.gn_rounds
    for r in range(rounds):
        _balance(grids, states)
        x, y, w, who, where = _pool(grids, states)
        needs_gn = any(_simulated(g) for g in grids)
        late = r > 0 and r >= rounds - gn_rounds
        gn = (grids, states, residual, systems) if opts.gauss_newton and needs_gn and late and spec.lattice else None
        model, committee, residual = _fit_model(x, y, w, spec, opts, committee, gn)
        mlp = committee.members[0]
        lut = committee.bake(model.params["lattice"]) if spec.lattice else LUT3D.bake(model.apply, 33)
        keep = noise_sample(len(x))  # the residuals the noise level takes, and no others
        sigma = noise_sigma(y[keep] - lut.apply(x[keep]), w[keep], floor=NOISE_FLOOR)
        if r == rounds - 1:
            break
        for s in states:
            s.precision = 1.0 / sigma**2
        for i, (g, s) in enumerate(zip(grids, states)):
            if not s.excluded.all():  # a dropped pair is not updated any more
                _update_pair(g, s, lut, opts, r)
        if r == 0 and (opts.local_edits or (opts.drop_pairs and n >= 2)):
            x, y, w, who, where = _pool(grids, states)
            if opts.drop_pairs and n >= 2:
                disagreement = pairs_check.loo_disagreement(x, y, w, who, n, mlp, spec, opts)
                dropped, disagreement = pairs_check.drop_pair(grids, states, disagreement, (x, y, w, who, mlp, spec, opts))
                if dropped:
                    x, y, w, who, where = _pool(grids, states)
            if opts.local_edits:
                pairs_check.crossfit_edits(grids, states, x, y, w, who, where, mlp, spec, opts)
    used = [int((who == i).sum()) for i in range(n)]
    coverage = coverage_mod.measure_coverage(x, (w > 0).astype(np.float32))
    messages = _messages(grids, states, dropped, disagreement, coverage)
    return PhotoFit(model, [s.vignette for s in states], [s.edits for s in states], dropped, list(disagreement),
                    coverage, [_describe(g, u) for g, u in zip(grids, used)], messages, sigma,
                    time.perf_counter() - t0, [_facts(g, u) for g, u in zip(grids, used)], rounds)


def _simulated(g: PairGrid) -> bool:
    """Whether the pair's export changes colours by their neighbours (codec, resampling, sharpening)."""
    return g.codec is not None or not g.registration.is_identity or g.sharpen[0] > 0


def _update_pair(g: PairGrid, s: _State, lut: LUT3D, opts: FitOptions, r: int) -> None:
    """Re-estimate one pair's vignette, distortion and (in the first ``opts.reweight_rounds`` rounds) Huber
    weights from the current look."""
    pred = lut.apply(g.x)
    trust = g.valid & ~s.excluded
    flat_ok = (trust > 1e-3).reshape(-1)
    if opts.vignette:  # on the regular subsample fit_vignette would take, taken before any copy
        idx = np.flatnonzero(flat_ok)
        idx = idx[robust.regular_sample(len(idx), robust.VIGNETTE_PIXELS)]
        s.vignette = robust.fit_vignette(pred.reshape(-1, 3)[idx], _undistorted(g, s, idx), g.rho.reshape(-1)[idx],
                                         robust.colour_keys(g.x.reshape(-1, 3)[idx], 5), trust.reshape(-1)[idx])
    exports = {}  # the filters' simulated exports of this look, when they are tried
    if opts.simulate and r == 0:
        s.kernel_rms = g.choose_kernel(lut, s.vignette, exports=exports)
        if opts.sharpening:
            choose_sharpening(g, lut, s.vignette)
            exports.clear()  # simulated without the sharpening
    elif opts.simulate and r in KERNEL_RECHECKS and s.kernel_rms:
        # The first look is rough, and its error hides the filters' differences at edges (a bicubic
        # export of a 2% re-frame: RMS 2.26 for area, 2.38 for bicubic); the second tells them apart
        # (0.96 and 0.77). A straightened photo's two steps need a closer look still (bilinear rotation,
        # bicubic re-export: 2.07 against 2.03 for a Lanczos re-export after round 1).
        best = min(s.kernel_rms.values())
        near = [k for k, v in s.kernel_rms.items() if v <= KERNEL_RECHECKS[r] * best]
        if len(near) > 1:
            s.kernel_rms = g.choose_kernel(lut, s.vignette, near, exports=exports)
    if opts.simulate and _simulated(g):
        s.distortion = g.distortion(lut, s.vignette, direct=pred, simulated=exports.get(g.kernel))
    if opts.simulate and r >= CLIP_FROM_ROUND:
        _add_clipping(g, s, pred)
    if r >= opts.reweight_rounds:
        return
    resid = _targets(g, s) - pred
    norm = np.sqrt((resid * resid).sum(-1))
    scale = robust.robust_scale(norm[trust > 1e-3], trust[trust > 1e-3])
    s.huber = robust.huber_weights(norm, scale, opts.huber_k).reshape(g.shape)


def _add_clipping(g: PairGrid, s: _State, pred: np.ndarray) -> None:
    """Add to the pair's distortion what clipping does to its unmodelled noise (:func:`robust.clipped_mean`).

    Grain or sensor noise in the after image is clipped at black and white, so on colours near them it no
    longer averages to the look: grain of sigma 3% lifts a black by 3 codes. The noise that the export
    simulation does not produce itself, ``sqrt(sigma^2 - CLIP_MODELLED^2)``, is taken as Gaussian, and the
    simulated after image is replaced by its mean once clipped. A JPEG's own noise is simulated (its
    decoder clips it), so a JPEG after image gets none (grain under a JPEG's noise is not told apart
    from it yet).
    """
    own = s.distortion if _simulated(g) else None  # a plain pair's distortion is the last round's clipping
    sigma2 = 1.0 / float(s.precision) - CLIP_MODELLED**2
    if g.codec is not None or sigma2 <= 0:
        s.distortion = own
        return
    simulated = pred if s.vignette.flat else s.vignette.apply(pred, g.rho)
    if own is not None:
        simulated = simulated + own
    sigma = float(np.sqrt(sigma2))
    near = (simulated < 6 * sigma) | (simulated > 1 - 6 * sigma)  # elsewhere the clipped mean is the mean
    clipping = np.zeros(simulated.shape, np.float32)
    clipping[near] = robust.clipped_mean(simulated[near], sigma) - simulated[near]
    s.distortion = clipping if own is None else own + clipping


def _messages(grids, states, dropped, disagreement, coverage) -> list[str]:
    out = []
    for g, s in zip(grids, states):
        out += [f"{g.name}: {edit.describe()}" for edit in s.edits]
    d = np.asarray(disagreement, np.float64)
    if len(grids) == 2 and np.isfinite(d).all() and d.min() > pairs_check.DISAGREE_CODES:
        out.append(f"{grids[0].name} and {grids[1].name} disagree by {d.min():.1f} codes RMS on the colours they share: "
                   "was one edited differently? With two pairs lutlearn cannot tell which; both were kept")
    for name in dropped:
        i = [g.name for g in grids].index(name)
        others = np.nanmedian(np.delete(np.asarray(disagreement, np.float64), i))
        out.append(f"{name}: left out: its colours disagree with the other pairs' by {disagreement[i]:.1f} codes RMS "
                   f"(the others: {others:.1f}); was it edited differently?")
    if coverage.low:
        out.append(f"the pairs cover only {100 * coverage.cells:.2f}% of the colour cube (less than "
                   f"{100 * coverage_mod.LOW_COVERAGE:.0f}%): most of the LUT is extrapolated; add photos with more varied colours")
    return out
