"""``lutlearn nima train`` end to end: ratings -> decoded images -> two-phase training -> weights file and report.

The file-level API behind the command. The order of work makes bad input fail
fast and leaves nothing half-written:

1. the output is checked (``.npz``, the overwrite rule, never one of the inputs) before anything else;
2. the ratings are read and checked (missing images, ratings out of range, nothing rated);
3. the base weights are loaded (another architecture is a one-line error);
4. the images are decoded, and training runs (progress on stderr; Ctrl-C keeps the best so far);
5. the weights file is written atomically, with its provenance (:mod:`lutlearn.nima.weightsfile`).
"""

from __future__ import annotations

import datetime
import hashlib
import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from lutlearn.errors import LutlearnError

__all__ = ["run", "format_report", "ratings_digest"]


def ratings_digest(items) -> str:
    """sha256 over every (path, target) pair: identifies the rating set in the provenance."""
    h = hashlib.sha256()
    for it in items:
        h.update(str(it.path).encode())
        h.update(np.asarray(it.target, np.float32).tobytes())
    return h.hexdigest()


def _base_weights(weights) -> tuple[dict, dict]:
    """(params, provenance record) of the weights to start from (``--weights`` or idealo's, found as usual)."""
    from lutlearn.nima.weights import locate_weights, sha256_file
    from lutlearn.nima.weightsfile import load_any

    path, where = locate_weights(weights)
    params, meta = load_any(path, where=where)
    return params, {"path": str(path), "sha256": sha256_file(path), "format": meta["format"]}


def run(ratings: Sequence[str | os.PathLike], output: str | os.PathLike, *, fmt: str = "auto", images_dir=None,
        weights=None, overwrite: bool = False, config=None, say: Callable[[str], None] | None = None) -> dict:
    """Train on ``ratings`` and write ``output``; returns the report (also kept as provenance in the file).

    Args:
        ratings: a ratings CSV, AVA.txt, or image files / folders with XMP ratings
            (:func:`lutlearn.nima.ratings.load_ratings`).
        output: the ``.npz`` weights file to write.
        fmt: "auto", "csv", "ava" or "xmp".
        images_dir: AVA's image folder.
        weights: weights to start from (default: idealo's, found as ``lutlearn score`` finds them).
        overwrite: replace an existing ``output``.
        config: a :class:`lutlearn.nima.train.TrainConfig` (default settings when None).
        say: called with progress lines (counts, one line per epoch); progress bars go to stderr.

    Raises:
        LutlearnError: bad output path, bad ratings, bad weights, an undecodable image, non-finite training.
    """
    import jax

    from lutlearn.images import check_output
    from lutlearn.nima.dataset import load_dataset
    from lutlearn.nima.ratings import load_ratings
    from lutlearn.nima.train import TrainConfig
    from lutlearn.nima.weightsfile import save_weights
    from lutlearn.progress import progress_bar

    say = say or (lambda message: None)
    output = Path(output)
    if output.suffix.lower() != ".npz":
        raise LutlearnError(f"{output}: the weights file must end in .npz")
    check_output(output, [p for p in ratings if Path(p).is_file()], overwrite=overwrite)
    cfg = config or TrainConfig()
    cfg.check()
    rated = load_ratings(ratings, fmt, images_dir)
    base, base_info = _base_weights(weights)
    skipped = ", ".join(f"{v} {k}" for k, v in rated.skipped.items() if v)
    say(f"{len(rated.items)} rated images" + (f" (skipped: {skipped})" if skipped else ""))
    with progress_bar(len(rated.items), "decoding", unit="image") as bar:
        data = load_dataset(rated.items, progress=bar.update)
    result = _train_with_progress(base, data, cfg, say)
    if result.interrupted:
        say("interrupted: writing the best weights so far")
    report = {"output": str(output), "images": len(rated.items), "skipped": rated.skipped,
              "validation_images": result.after["n"], "before": result.before, "after": result.after,
              "best": list(result.best), "interrupted": result.interrupted, "images_per_s": result.throughput,
              "device": jax.default_backend(), "history": result.history}
    save_weights(output, result.params, _provenance(ratings, fmt, rated, base_info, cfg, report), cfg.padding)
    return report


def _train_with_progress(base, data, cfg, say):
    """:func:`lutlearn.nima.train.train` with a progress bar over the steps and one line per epoch."""
    import jax

    from lutlearn.nima.dataset import split_by_group
    from lutlearn.nima.train import train
    from lutlearn.progress import progress_bar

    n_train = len(split_by_group(data.groups, cfg.val_fraction, cfg.seed)[0])
    steps = n_train // min(cfg.batch_size, n_train) * (cfg.epochs_head + cfg.epochs_all)
    with progress_bar(steps, f"training on {jax.default_backend()}", unit="step") as bar:
        def on_step(phase, loss):
            bar.update(1)
            bar.set_postfix_str(f"{phase} emd={loss:.4f}", refresh=False)

        return train(base, data, cfg, on_step=on_step, on_epoch=lambda r: say(_epoch_line(r)))


def _provenance(ratings, fmt, rated, base_info, cfg, report) -> dict:
    import dataclasses

    return {"base_weights": base_info,
            "ratings": {"sources": [str(r) for r in ratings], "format": fmt, "sha256": ratings_digest(rated.items),
                        "count": len(rated.items), "skipped": rated.skipped},
            "config": dataclasses.asdict(cfg),
            "report": {k: report[k] for k in ("before", "after", "best", "interrupted", "validation_images",
                                              "images_per_s", "device")},
            "versions": _versions(),
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def _versions() -> dict:
    import jax
    import optax

    from lutlearn._version import __version__

    return {"lutlearn": __version__, "jax": jax.__version__, "optax": optax.__version__, "numpy": np.__version__}


def _epoch_line(r: dict) -> str:
    v = r["val"]
    return (f"{r['phase']:4s} epoch {r['epoch']:2d}: train EMD {r['train_emd']:.4f}  val EMD {v['emd']:.4f}  "
            f"SRCC {v['srcc']:.3f}  LCC {v['lcc']:.3f}  acc {v['accuracy']:.3f}  ({r['images_per_s']:.1f} img/s)")


def format_report(report: dict) -> str:
    """The report as a short table: validation metrics untrained and trained, and the throughput.

    >>> m = {"srcc": 0.2, "lcc": 0.21, "accuracy": 0.59, "emd": 0.181, "n": 8}
    >>> print(format_report({"output": "mine.npz", "interrupted": False, "validation_images": 8,
    ...     "best": ["all", 3], "before": m, "after": {**m, "srcc": 0.8}, "images_per_s": {"head": 130.0},
    ...     "device": "cpu"}))
    wrote mine.npz
    validation: 8 images of held-out photos; best weights: phase all, epoch 3
                  SRCC     LCC   acc@5      EMD
    untrained    0.200   0.210   0.590   0.1810
    trained      0.800   0.210   0.590   0.1810
    training throughput (images/s): head 130.0 on cpu
    """
    b, a = report["before"], report["after"]
    interrupted = "  (interrupted: the best weights so far)" if report["interrupted"] else ""
    lines = [f"wrote {report['output']}{interrupted}",
             (f"validation: {report['validation_images']} images of held-out photos; best weights: phase "
              f"{report['best'][0]}, epoch {report['best'][1]}"),
             f"{'':10s} {'SRCC':>7s} {'LCC':>7s} {'acc@5':>7s} {'EMD':>8s}",
             f"{'untrained':10s} {b['srcc']:7.3f} {b['lcc']:7.3f} {b['accuracy']:7.3f} {b['emd']:8.4f}",
             f"{'trained':10s} {a['srcc']:7.3f} {a['lcc']:7.3f} {a['accuracy']:7.3f} {a['emd']:8.4f}",
             ("training throughput (images/s): "
              + (", ".join(f"{k} {v:.1f}" for k, v in report["images_per_s"].items()) or "n/a")
              + f" on {report['device']}")]
    return "\n".join(lines)
