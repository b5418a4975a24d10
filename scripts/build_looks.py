"""Regenerate the bundled looks in ``looks/`` from the reference grades in :mod:`lutlearn.grades`.

    $ python scripts/build_looks.py                  # every look into looks/ (about 6 minutes on 2 cores)
    $ python scripts/build_looks.py --only sepia --out-dir /tmp/looks --level 4 --epochs 3   # a quick check

For each look, lutlearn's own trainer (the jax backend, seeded) fits the
default 3-32-3 model to a level-8 identity chart (64³ = 262,144 colours) graded
by the look's reference grade; 5% of the colours are held out and the fit's
ΔE2000 is measured on them. Written per look:

- ``NAME.npz``: the learned model (:mod:`lutlearn.learn.modelfile`), metadata
  (:func:`lutlearn.learn.metadata.model_metadata`) without timestamps or timings;
- ``NAME.json``: the sidecar (format ``lutlearn-look/1``): name, one-line
  description (the grade's docstring), how it was made, ΔE2000.

and then ``README.md`` with a table of every look in the folder. Same seed, same
environment (versions are recorded in each model) -> byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from lutlearn.grades import GRADES
from lutlearn.images import atomic_write
from lutlearn.learn.fitting import evaluate
from lutlearn.learn.metadata import model_metadata
from lutlearn.learn.model import LearnedModel, MLPSpec
from lutlearn.learn.modelfile import save_model
from lutlearn.learn.pairs import Samples
from lutlearn.learn.train import FitConfig, fit
from lutlearn.looks.library import LOOK_FORMAT
from lutlearn.luts.lut import identity_grid

LOOKS_DIR = Path(__file__).resolve().parents[1] / "looks"
BUNDLED = [name for name in GRADES if name != "darkroom"]  # darkroom stays the demo's grade
LEVEL = 8
SPEC = MLPSpec()
CONFIG = FitConfig(max_epochs=60, epoch_samples=(LEVEL * LEVEL) ** 3, batch_size=1024, learning_rate=1e-2,
                   patience=10, seed=0)


def description(name: str) -> str:
    """The first line of the grade's docstring."""
    return GRADES[name].__doc__.strip().splitlines()[0]


def build_look(name: str, out_dir: Path, level: int, config: FitConfig) -> dict:
    """Fit one look and write ``NAME.npz`` and ``NAME.json``; returns the sidecar dict."""
    x = identity_grid(level * level).reshape(-1, 3)
    samples = Samples(x=x, y=GRADES[name](x), w=np.ones(len(x), np.float32))
    result = fit(samples, SPEC, config)
    delta_e = {k: round(v, 4) for k, v in evaluate(result.model, samples, result.val_idx, config.seed).items()}
    made = (f"learned by lutlearn's fit (jax trainer, {SPEC.describe()}, seed {config.seed}, "
            f"{len(result.train_loss)} epochs) from the reference grade lutlearn.grades.{name} "
            f"on a level-{level} identity chart ({len(x):,} colours); scripts/build_looks.py")
    sidecar = {"format": LOOK_FORMAT, "name": name, "description": description(name), "made": made,
               "delta_e2000": delta_e}
    metadata = model_metadata(result, config, delta_e, reproducible=True, **sidecar, grade=f"lutlearn.grades.{name}",
                              chart_level=level, samples=len(samples))
    save_model(LearnedModel(result.model.spec, result.model.params, metadata), out_dir / f"{name}.npz")
    with atomic_write(out_dir / f"{name}.json") as tmp:
        Path(tmp).write_text(json.dumps(sidecar, indent=1) + "\n", encoding="utf-8")
    return sidecar


README_HEAD = """# looks/: the bundled looks

Each look here was learned by lutlearn itself: `scripts/build_looks.py` grades an
identity chart with a reference grade defined in code (`lutlearn/grades/`), fits
lutlearn's default 3-32-3 model to it, and writes

- `NAME.npz`: the learned model (architecture, weights, metadata; see `lutlearn/learn/modelfile.py`);
- `NAME.json`: name, one-line description, how it was made and the fit's ΔE2000
  on held-out colours of the chart.

No third-party LUTs are bundled. A `.cube` or Hald LUT is baked from a model when
needed (`lutlearn bake looks/NAME.npz --out NAME.cube`); `lutlearn apply --look NAME`
evaluates the model directly. Rebuild everything with `python scripts/build_looks.py`
(same seed and environment give byte-identical files). Installed, this folder is
the package data `lutlearn._looks`; `lutlearn looks` lists it with the user's own looks.

| look | description | ΔE2000 mean | p95 | max |
|---|---|---|---|---|
"""


def write_readme(out_dir: Path) -> Path:
    """Rewrite ``out_dir/README.md`` with a table of every sidecar there."""
    rows = []
    for sidecar in sorted(out_dir.glob("*.json")):
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        de = meta.get("delta_e2000") or {}
        rows.append(f"| `{meta['name']}` | {meta['description']} | {de.get('mean', '')} | {de.get('p95', '')} "
                    f"| {de.get('max', '')} |\n")
    path = out_dir / "README.md"
    path.write_text(README_HEAD + "".join(rows), encoding="utf-8")
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=LOOKS_DIR)
    parser.add_argument("--only", default=None, help="comma-separated look names (default: all)")
    parser.add_argument("--level", type=int, default=LEVEL, help="identity chart level (default %(default)s)")
    parser.add_argument("--epochs", type=int, default=CONFIG.max_epochs, help="max epochs (default %(default)s)")
    parser.add_argument("--seed", type=int, default=CONFIG.seed)
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else BUNDLED
    unknown = [n for n in names if n not in GRADES]
    if unknown:
        parser.error(f"no reference grade named {', '.join(unknown)}; known: {', '.join(BUNDLED)}")
    config = CONFIG._replace(max_epochs=args.epochs, seed=args.seed, epoch_samples=(args.level**2) ** 3)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        t0 = time.perf_counter()
        sidecar = build_look(name, args.out_dir, args.level, config)
        de = sidecar["delta_e2000"]
        print(f"{name:20s} dE2000 mean {de['mean']:.3f} p95 {de['p95']:.3f} max {de['max']:.3f}"
              f"  ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    print(write_readme(args.out_dir))


if __name__ == "__main__":
    main()
