"""File-level fitting: image pairs in, LUTs and model files out (what ``lutlearn fit`` wraps)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from lutlearn import filekinds
from lutlearn.errors import LutlearnError
from lutlearn.images import AllOrNothing, check_output
from lutlearn.learn.jpeg420 import as_jpeg_sees_it
from lutlearn.learn.metadata import model_metadata
from lutlearn.learn.metrics import delta_e2000, summarise_delta_e
from lutlearn.learn.model import LearnedModel, MLPSpec
from lutlearn.learn.pairs import Samples, load_pairs
from lutlearn.learn.train import FitConfig, FitResult, fit

__all__ = ["FitSummary", "fit_files", "export", "evaluate", "check_outputs"]

_EVAL_MAX = 200_000


@dataclasses.dataclass
class FitSummary:
    """The outcome of :func:`fit_files`.

    Attributes:
        model: the trained model (metadata filled in).
        result: the raw :class:`~lutlearn.learn.train.FitResult`.
        delta_e: ΔE2000 on held-out samples: {"mean", "p95", "max"}.
        outputs: paths written.
        seconds: wall time from reading the inputs to the last file written.
    """

    model: LearnedModel
    result: FitResult
    delta_e: dict
    outputs: list
    seconds: float
    samples: Samples | None = None

    def as_dict(self) -> dict:
        return {
            "outputs": [str(p) for p in self.outputs],
            "delta_e2000": self.delta_e,
            "samples": self.model.metadata.get("samples"),
            "epochs": len(self.result.train_loss),
            "best_epoch": self.result.best_epoch,
            "interrupted": self.result.interrupted,
            "seconds": round(self.seconds, 3),
            "model": self.model.spec.describe(),
            "notes": list(self.result.notes),
        }


def check_outputs(outputs, inputs, *, overwrite: bool = False) -> list[Path]:
    """Validate output paths before any work: known kinds, not an input, the overwrite rule, and a test write
    in each folder (:func:`lutlearn.images.check_output`)."""
    if not outputs:
        raise LutlearnError("no output given: pass --out NAME.cube (or .png for a Hald, .npz for the model)")
    paths = []
    for out in outputs:
        filekinds.require(out, "export", "output")
        paths.append(check_output(out, inputs, overwrite=overwrite))
    return paths


def evaluate(model: LearnedModel, samples: Samples, idx: np.ndarray, seed: int = 0) -> dict:
    """ΔE2000 of the model (clipped output) on ``samples[idx]``, weighted by pixel count.

    For 4:2:0 JPEG samples the prediction is compared as the file would store it
    (chroma averaged per 2x2 block) with the file's luma and block chroma.
    """
    per_sample = 4 if samples.kind == "jpeg420" else 1
    if len(idx) * per_sample > _EVAL_MAX:
        idx = np.random.default_rng(seed).choice(idx, _EVAL_MAX // per_sample, replace=False)
    pred = model.apply(samples.x[idx].reshape(-1, 3))
    if samples.kind == "jpeg420":  # compare what the file can hold: per-pixel luma, per-block chroma
        pred = as_jpeg_sees_it(pred)
    weights = np.repeat(samples.w[idx], per_sample)
    return summarise_delta_e(delta_e2000(pred, samples.target_rgb(idx)), weights)


def export(model: LearnedModel, outputs, size: int = 33, hald_level: int = 8, title: str = "") -> list[Path]:
    """Write the model to each output, by kind: .cube, Hald .png/.tif (baked), or the model .npz itself.

    All or nothing: when one output cannot be written, those written before it are removed.
    """
    written = []
    with AllOrNothing(outputs):
        for out in outputs:
            out = Path(out)
            kind = filekinds.require(out, "export", "output")
            if kind.name == "model":
                obj = model
            else:
                obj = model.bake(size if kind.name == "cube" else hald_level * hald_level, title=title or out.stem)
            written.append(filekinds.writer(kind)(obj, out))
    return written


def fit_files(pairs, outputs, *, spec: MLPSpec = MLPSpec(), config: FitConfig = FitConfig(), size: int = 33,
              hald_level: int = 8, match_size: bool = False, title: str = "", progress=None,
              report: str | Path | None = None, jpeg_chroma: bool = True, log=None,
              overwrite: bool = False) -> FitSummary:
    """Learn a look from before/after image pairs and write it out.

    Args:
        pairs: sequence of (before_path, after_path).
        outputs: paths to write; the kind follows the extension (the "export" kinds of
            :mod:`lutlearn.filekinds`).
        spec, config: model architecture and training settings.
        size: .cube nodes per axis (2..256).
        hald_level: level of Hald image outputs (2..16).
        match_size: resample after images whose size differs.
        title: LUT title (default: each output's file stem).
        progress: per-epoch callback, see :func:`lutlearn.learn.train.fit`.
        report: optional path of a PNG report figure. Every output folder is
            test-written before training, and when one output cannot be
            written the others are removed again.
        jpeg_chroma: model 4:2:0 chroma subsampling of JPEG after images (jax backend;
            see :mod:`lutlearn.learn.jpeg420`).
        log: optional callable(str) for stage messages (stderr in the CLI).
        overwrite: replace outputs that exist (never an input).

    Returns:
        A :class:`FitSummary`.
    """
    t0 = time.perf_counter()
    log = log or (lambda msg: None)
    inputs = [p for pair in pairs for p in pair]
    outputs = check_outputs(list(outputs) + ([report] if report else []), inputs, overwrite=overwrite)[: len(outputs)]
    if not 2 <= size <= 256:
        raise LutlearnError(f"--size must be in 2..256, got {size}")
    samples = load_pairs(pairs, match_size=match_size, jpeg_chroma=jpeg_chroma and config.backend == "jax")
    if samples.kind == "jpeg420":
        log(f"after image is a 4:2:0 JPEG: fitting its stored luma and 2x2 block chroma "
            f"({len(samples)} blocks, {time.perf_counter() - t0:.1f}s)")
    else:
        log(f"paired {samples.pixels} pixels into {len(samples)} distinct colours ({time.perf_counter() - t0:.1f}s)")
    result = fit(samples, spec, config, progress=progress)
    delta_e = evaluate(result.model, samples, result.val_idx, config.seed)
    metadata = model_metadata(result, config, delta_e, name=title, inputs=list(samples.sources),
                              samples=len(samples), sample_kind=samples.kind, pixels=samples.pixels)
    model = dataclasses.replace(result.model, metadata=metadata)
    with AllOrNothing([*outputs, report]):  # a report that cannot be written takes the outputs with it
        written = export(model, outputs, size, hald_level, title)
        if report:
            from lutlearn.learn.report import write_report

            written.append(write_report(report, model, result, samples, pairs))
    return FitSummary(model, result, delta_e, written, time.perf_counter() - t0, samples)
