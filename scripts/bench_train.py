"""Training throughput of ``lutlearn nima train`` on this machine: images/s per phase, compilation excluded.

    $ python scripts/bench_train.py                 # batch 16, 6 timed steps per phase
    $ python scripts/bench_train.py --steps 10 --batch-size 32

Runs :func:`lutlearn.nima.train.train` from idealo's weights on synthetic
images (smooth random textures, 256 x 256) for one epoch of each phase, and
times every step through the ``on_step`` callback (each step's loss is read,
so its work is done): the first step of each phase compiles and is reported
apart. Also times validation scoring (the 224 x 224 images, as ``lutlearn
score`` sees them). Prints the JAX backend: on a GPU the same code runs as is.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared"
WEIGHTS = SHARED / "nima" / "weights_mobilenet_aesthetic_0.07.hdf5"


def synthetic(n: int, seed: int = 0):
    """n smooth random textures with random ratings, as a :class:`lutlearn.nima.dataset.Dataset`."""
    from PIL import Image

    from lutlearn.nima.dataset import Dataset

    rng = np.random.default_rng(seed)
    big = np.stack([np.asarray(Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
                               .resize((256, 256), Image.BICUBIC)) for _ in range(n)])
    small = big[:, 16:240, 16:240].copy()
    targets = rng.dirichlet(np.ones(10), n).astype(np.float32)
    return Dataset(big, small, targets, np.array([f"g{i}" for i in range(n)]))


def main() -> None:
    import jax

    from lutlearn.nima.metrics import evaluate
    from lutlearn.nima.score import Scorer
    from lutlearn.nima.train import TrainConfig, train
    from lutlearn.nima.weights import load_params

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=6, help="timed steps per phase (after the compiling one)")
    parser.add_argument("--weights", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    params = load_params(args.weights)
    n_train = args.batch_size * (args.steps + 1)
    data = synthetic(n_train + 1)  # one image held out: the split needs a validation group
    stamps: dict[str, list[float]] = {"head": [], "all": []}
    config = TrainConfig(epochs_head=1, epochs_all=1, batch_size=args.batch_size, patience=1,
                         val_fraction=0.5 / n_train, seed=0)
    print(f"jax {jax.__version__} on {jax.default_backend()} ({jax.devices()[0].device_kind}), "
          f"batch {args.batch_size}, {n_train} training images per epoch")
    t0 = time.perf_counter()
    train(params, data, config, on_step=lambda phase, loss: stamps[phase].append(time.perf_counter()))
    print(f"total {time.perf_counter() - t0:.1f} s (both phases, one epoch each, validation included)")
    previous = t0
    for phase, times in stamps.items():
        first, steps = times[0] - previous, np.diff(times)
        print(f"phase {phase:4s}: {args.batch_size / np.median(steps):6.1f} img/s (median of {len(steps)} steps, "
              f"{np.median(steps):.2f} s/step); until the first step ends {first:.1f} s (compilation; for phase all also the validation before it)")
        previous = times[-1]
    scorer = Scorer(params, batch_size=32)
    images = data.take(np.arange(min(64, len(data.targets))))
    evaluate(scorer, params, images)
    t1 = time.perf_counter()
    evaluate(scorer, params, images)
    print(f"validation scoring: {len(images.targets) / (time.perf_counter() - t1):.1f} img/s")


if __name__ == "__main__":
    main()
