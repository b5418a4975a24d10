"""Accuracy of learned looks against real film-emulation LUTs.

For every look in ../shared/data/luts:

1. apply the real look to the level-16 identity chart (all 2^24 colours,
   tetrahedral) and quantise to 8 bits: the after-chart an editor would export;
2. fit a model on (chart, after-chart), bake a 33³ LUT, apply it (tetrahedral)
   to the 24 Kodak photos and measure ΔE2000 against the real look applied
   directly to the same photos;

for these variants:

- ``default``: the product's 3-32-3 MLP (sigmoid hidden, ReLU output);
- ``64,64``: ``--hidden 64,64``;
- ``lattice``: the accuracy option, 3-32-3 + a residual correction lattice;
- ``jpeg``: default model, after-chart saved as JPEG quality 90 with 4:4:4
  chroma (what Photoshop and Lightroom write at that quality) instead of PNG;
- ``jpeg420``: the same with 4:2:0 chroma subsampling (Pillow's and GIMP's
  default), which averages each 2x2 block's chroma: a Hald chart's vertical
  neighbours are 16 green codes apart, so this damages the chart itself. The
  fit models the subsampling (lutlearn.learn.jpeg420: stored luma per pixel, chroma
  per block);
- ``jpeg420px``: the same file fitted as decoded pixels (``--no-jpeg-chroma``);
- ``photo``: default model fitted on ONE photo pair (the photo covering the most
  colours), scored on the other 23 photos;
- ``resample``: no learning: the real look resampled to 33³ (the accuracy ceiling).

Usage::

    python scripts/eval_luts.py [--variants default,lattice] [--looks velvia,portra] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from lutlearn.images import read_image
from lutlearn.learn.metrics import delta_e2000
from lutlearn.learn.model import MLPSpec
from lutlearn.learn.pairs import Samples, collapse, load_pairs
from lutlearn.learn.train import FitConfig, fit
from lutlearn.luts import read_lut
from lutlearn.luts.chart import identity_chart, write_chart
from lutlearn.luts.lut import LUT3D, identity_grid

SHARED = Path(__file__).resolve().parents[2] / "shared"
VARIANTS = ("resample", "default", "64,64", "lattice", "jpeg", "jpeg420", "jpeg420px", "photo")
LATTICE = 33


def load_photos(stride: int):
    photos = {p.stem: read_image(p).rgb for p in sorted((SHARED / "data" / "photos").glob("kodim*.png"))}
    return photos, {k: v[::stride, ::stride] for k, v in photos.items()}


def widest_photo(photos) -> str:
    """The photo whose colours fill the most cells of a 16³ grid of the RGB cube."""
    def cells(rgb):
        return len(np.unique(np.minimum((rgb.reshape(-1, 3) * 16).astype(int), 15) @ [1, 16, 256]))

    return max(photos, key=lambda k: cells(photos[k]))


def score(apply_fn, real: LUT3D, photos, skip=()) -> dict:
    des = [delta_e2000(apply_fn(rgb), real.apply(rgb)).ravel() for k, rgb in photos.items() if k not in skip]
    de = np.concatenate(des)
    return {"mean": float(de.mean()), "p95": float(np.percentile(de, 95))}


def chart_samples(after: np.ndarray) -> Samples:
    x = identity_chart(16).reshape(-1, 3)
    return Samples(x, after.reshape(-1, 3), np.ones(len(x), np.float32))


def quantise8(rgb):
    return (np.rint(np.clip(rgb, 0, 1) * 255) / 255).astype(np.float32)


def jpeg_pair(after8: np.ndarray, workdir: Path, subsampling: int) -> tuple[Path, Path]:
    """Write the identity chart (PNG) and the after-chart as a quality-90 JPEG file.

    ``subsampling`` 0 is 4:4:4 (what Photoshop and Lightroom write at that quality), 2 is 4:2:0.
    The files are then read back by the product's own pairing code.
    """
    chart = workdir / "chart.png"
    if not chart.exists():
        write_chart(chart, 16)
    after = workdir / f"after_{subsampling}.jpg"
    Image.fromarray(np.rint(after8 * 255).astype(np.uint8)).save(after, format="JPEG", quality=90,
                                                                  subsampling=subsampling)
    return chart, after


def fit_bake(samples: Samples, spec: MLPSpec, seed: int) -> tuple[LUT3D, float, int]:
    t = time.perf_counter()
    result = fit(samples, spec, FitConfig(seed=seed))
    return result.model.bake(33), time.perf_counter() - t, len(result.train_loss)


def evaluate_look(path: Path, variants, photos, widest: str, seed: int, workdir: Path, log) -> dict:
    real = read_lut(path)
    row = {}
    chart = identity_chart(16)
    after = quantise8(real.apply(chart)) if set(variants) - {"resample", "photo"} else None
    for variant in variants:
        t0 = time.perf_counter()
        if variant == "resample":
            lut, extra = LUT3D(real.apply(identity_grid(33))), {}
            skip = ()
        elif variant == "photo":
            before = photos[widest]
            samples = collapse(before.reshape(-1, 3), quantise8(real.apply(before)).reshape(-1, 3))
            lut, secs, epochs = fit_bake(samples, MLPSpec(), seed)
            extra, skip = {"fit_s": round(secs, 1), "epochs": epochs, "trained_on": widest}, (widest,)
        elif variant.startswith("jpeg"):
            files = jpeg_pair(after, workdir, 0 if variant == "jpeg" else 2)
            samples = load_pairs([files], jpeg_chroma=variant != "jpeg420px")
            lut, secs, epochs = fit_bake(samples, MLPSpec(), seed)
            extra, skip = {"fit_s": round(secs, 1), "epochs": epochs, "samples": samples.kind}, ()
        else:
            spec = {"default": MLPSpec(), "64,64": MLPSpec(hidden=(64, 64)), "lattice": MLPSpec(lattice=LATTICE)}[variant]
            lut, secs, epochs = fit_bake(chart_samples(after), spec, seed)
            extra, skip = {"fit_s": round(secs, 1), "epochs": epochs}, ()
        row[variant] = {**score(lut.apply, real, photos, skip), **extra}
        log(f"{path.stem:36s} {variant:9s} mean {row[variant]['mean']:.3f} p95 {row[variant]['p95']:.3f} "
            f"({time.perf_counter() - t0:.0f}s)")
    return row


def table(results: dict, variants) -> str:
    head = "| look | " + " | ".join(f"{v} mean / p95" for v in variants) + " |"
    lines = [head, "|" + "---|" * (len(variants) + 1)]
    for look, row in results.items():
        cells = [f"{row[v]['mean']:.3f} / {row[v]['p95']:.3f}" if v in row else "" for v in variants]
        lines.append(f"| {look} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variants", default=",".join(VARIANTS).replace("64,64", "64x64"),
                    help=f"comma-separated subset of: {', '.join(VARIANTS)} (write 64,64 as 64x64)")
    ap.add_argument("--looks", default="", help="comma-separated substrings of look file names (default: all)")
    ap.add_argument("--stride", type=int, default=2, help="score every Nth pixel of each photo in x and y")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the results as JSON here")
    args = ap.parse_args(argv)
    variants = [v.replace("64x64", "64,64") for v in args.variants.split(",") if v]
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        ap.error(f"unknown variants: {', '.join(sorted(unknown))}")
    looks = sorted((SHARED / "data" / "luts").glob("*.png")) + sorted((SHARED / "data" / "luts").glob("*.cube"))
    if args.looks:
        looks = [p for p in looks if any(s in p.name for s in args.looks.split(","))]
    full, photos = load_photos(args.stride)
    widest = widest_photo(full)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    log(f"{len(looks)} looks, {len(photos)} photos (every {args.stride}th pixel); photo-pair case trains on {widest}")
    results = {}
    for path in looks:
        with tempfile.TemporaryDirectory() as tmp:
            results[path.stem] = evaluate_look(path, variants, photos, widest, args.seed, Path(tmp), log)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))
    print(f"ΔE2000 of each variant's 33³ .cube vs the real look, on the Kodak photos (lattice = {LATTICE}³)")
    print(table(results, variants))
    return 0


if __name__ == "__main__":
    sys.exit(main())
