"""Learn a look from photo pairs as people have them: resized, re-framed, compressed, vignetted, grainy.

The pipeline, per pair then pooled:

1. read both images at working resolution (:func:`lutlearn.learn.exportsim.read_working`:
   area-averaged down to ``max_pixels``, never upsampled);
2. register the after image to the before image (:mod:`lutlearn.learn.register`:
   grade-invariant features + RANSAC, ECC refinement; one clear error for two different
   photos) and bring the pair onto the coarser of the two grids
   (:func:`lutlearn.learn.exportsim.make_pair_grid`; a photo stored turned by a right angle is
   met by turning the before image exactly, :func:`lutlearn.learn.exportsim.right_angle_turns`);
3. rounds of a robust fit (:func:`lutlearn.learn.robust_fit.fit_grids`): simulated export,
   Huber weights, vignette, local edits, a pair edited differently;
4. coverage of the cube and the extrapolated colour regions (:mod:`lutlearn.learn.coverage`).

:func:`fit_photo_files` is what ``lutlearn fit`` runs for photo pairs (the identity
chart keeps :func:`lutlearn.learn.fitting.fit_files`; :func:`is_chart_pair` tells them apart).
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from pathlib import Path

from lutlearn.errors import LutlearnError, LutlearnWarning
from lutlearn.images import AllOrNothing, image_size
from lutlearn.images.jpeg import JpegCodec
from lutlearn.learn.blas import one_blas_thread
from lutlearn.learn.exportsim import make_pair_grid, read_working
from lutlearn.learn.fitting import check_outputs, export
from lutlearn.learn.model import LearnedModel, MLPSpec
from lutlearn.learn.pair_folders import describe_sizes
from lutlearn.learn.robust_fit import FitOptions, PhotoFit, fit_grids

__all__ = ["FitOptions", "PhotoFit", "PhotoFitSummary", "fit_photo_files", "fit_photo_pairs", "is_chart_pair"]

MAX_PIXELS = 2_000_000  # working resolution: larger images are area-averaged down to this


def fit_photo_pairs(pairs, spec: MLPSpec = MLPSpec(lattice=33), opts: FitOptions = FitOptions(),
                    max_pixels: int = 2_000_000) -> PhotoFit:
    """Read (before_path, after_path) pairs, register them and run :func:`~lutlearn.learn.robust_fit.fit_grids`.

    Messages for the user (local edits, a pair left out, low coverage, mixed sizes) are
    issued as :class:`~lutlearn.errors.LutlearnWarning` and kept in ``PhotoFit.messages``.

    Raises:
        RegistrationError: a pair that is not the same photo (one line naming both files).
        ImageReadError: an unreadable file.
    """
    with one_blas_thread():
        return _fit_photo_pairs(pairs, spec, opts, max_pixels)


def _fit_photo_pairs(pairs, spec, opts, max_pixels) -> PhotoFit:
    grids, sizes = [], []
    for b, a in pairs:
        before, fb, notes_b = read_working(b, max_pixels)
        _enough_colours(before, b)
        after, fa, notes_a = read_working(a, max_pixels)
        for path, notes in ((b, notes_b), (a, notes_a)):
            for note in notes:
                warnings.warn(f"{path}: {note}", LutlearnWarning, stacklevel=3)
        sizes.append(((round(before.shape[1] * fb), round(before.shape[0] * fb)),
                      (round(after.shape[1] * fa), round(after.shape[0] * fa))))
        grids.append(make_pair_grid(before, after, name=Path(a).name, names=(str(b), str(a)),
                                    codec=JpegCodec.from_file(a), max_pixels=max_pixels, factors=(fb, fa)))
        del before, after
    fit = fit_grids(grids, spec, opts)
    mixed = describe_sizes(pairs, sizes)
    if mixed:
        fit.messages.insert(0, mixed)
    for msg in fit.messages:
        warnings.warn(msg, LutlearnWarning, stacklevel=2)
    return fit


def _enough_colours(rgb, path) -> None:
    """A before image needs MIN_COLOURS distinct colours (a flat image teaches nothing, and cannot be registered)."""
    import numpy as np

    from lutlearn.codes import distinct
    from lutlearn.learn.pairs import MIN_COLOURS

    step = max(1, rgb.shape[0] * rgb.shape[1] // 500_000)
    codes = np.rint(rgb.reshape(-1, 3)[::step] * 255.0).astype(np.int64)
    n = len(distinct(codes[:, 0] | (codes[:, 1] << 8) | (codes[:, 2] << 16)))
    if n < MIN_COLOURS:
        raise LutlearnError(f"{path}: only {n} distinct colours; need at least {MIN_COLOURS} to learn a look")


def is_chart_pair(before_path) -> bool:
    """Whether a before image is lutlearn's identity chart (the exact, per-colour path) rather than a photo.

    A chart is square with a Hald side (checked from the header first, so a photo is never decoded here).
    """
    from lutlearn.images import read_image
    from lutlearn.luts.chart import is_identity_chart
    from lutlearn.luts.hald import hald_level

    w, h = image_size(before_path)
    if w != h:
        return False
    try:
        hald_level(w)
    except LutlearnError:
        return False
    return is_identity_chart(read_image(before_path).rgb)


@dataclasses.dataclass
class PhotoFitSummary:
    """The outcome of :func:`fit_photo_files`: the :class:`PhotoFit`, the paths written, the time."""

    fit: PhotoFit
    outputs: list
    seconds: float

    def as_dict(self) -> dict:
        f = self.fit
        return {
            "outputs": [str(p) for p in self.outputs],
            "kind": "photo pairs",
            "pairs": [dict(p) for p in f.pair_facts],
            "vignettes_ev": [round(v.corner_ev, 3) for v in f.vignettes],
            "local_edits": [[e.as_dict() for e in edits] for edits in f.local_edits],
            "dropped": list(f.dropped),
            "disagreement_codes": [None if math.isnan(d) else round(float(d), 2) for d in f.disagreement],
            "coverage": f.coverage.as_dict(),
            "noise_sigma_codes": round(255 * f.sigma, 2),
            "rounds": f.rounds,
            "messages": list(f.messages),
            "seconds": round(self.seconds, 3),
            "model": f.model.spec.describe(),
        }


def fit_photo_files(pairs, outputs, *, spec: MLPSpec = MLPSpec(lattice=33), opts: FitOptions = FitOptions(),
                    size: int = 33, hald_level: int = 8, title: str = "", overwrite: bool = False,
                    max_pixels: int = MAX_PIXELS, log=None) -> PhotoFitSummary:
    """Learn a look from photo pairs (:func:`fit_photo_pairs`) and write it to ``outputs`` (all or nothing).

    Args:
        pairs: (before_path, after_path) pairs.
        outputs: .cube, Hald .png/.tif, or .npz model paths (checked before any work).
        spec: base network and lattice (default 3-32-3 + 33^3); opts: :class:`FitOptions`.
        size, hald_level, title, overwrite: as :func:`lutlearn.learn.fitting.fit_files`.
        log: optional callable(str) for the fit's account (stderr in the CLI).
    """
    t0 = time.perf_counter()
    log = log or (lambda msg: None)
    outputs = check_outputs(list(outputs), [p for pair in pairs for p in pair], overwrite=overwrite)
    if spec.lattice == 0:
        spec = spec._replace(lattice=33)
    fit = fit_photo_pairs(pairs, spec.validate(), opts, max_pixels)
    log(fit.report())
    model = LearnedModel(spec=fit.model.spec, params=fit.model.params,
                         metadata={"name": title, "kind": "photo pairs", "inputs": [[str(b), str(a)] for b, a in pairs],
                                   "coverage": fit.coverage.as_dict(),
                                   "vignettes_ev": [round(v.corner_ev, 3) for v in fit.vignettes]})
    with AllOrNothing(outputs):
        written = export(model, outputs, size, hald_level, title)
    fit.model = model
    return PhotoFitSummary(fit, written, time.perf_counter() - t0)
