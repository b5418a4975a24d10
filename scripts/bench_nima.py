"""Benchmark NIMA scoring on the CPU: layers, whole network, compile time, CLI wall time.

    $ python scripts/bench_nima.py                    # weights from ../shared/nima or the cache
    $ python scripts/bench_nima.py --quick            # fewer repetitions

Prints:

1. per-layer-type time (ms per image, summed over the 13 blocks) at batch 1 and
   16, for each formulation of the depthwise and pointwise convolutions;
2. whole-network images/s at batch 1 and 16 for each depthwise formulation and
   micro-batch size, with ratios against the original Keras model on this
   machine (5.6 img/s at batch 1, 23 img/s at batch 16);
3. first-call compile time of the shipped configuration;
4. ``Scorer.score_files`` throughput on the example photos (decoding included);
5. wall time of ``lutlearn score one.jpg`` in a fresh process, cold (empty JAX
   compilation cache) and warm (second run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from lutlearn.nima import model
from lutlearn.nima.score import MICRO_BATCH, Scorer
from lutlearn.nima.weights import load_params, locate_weights

SHARED = Path(__file__).resolve().parents[2] / "shared" / "nima"
KERAS_BASELINE = {1: 5.6, 16: 23.0}  # img/s of the original Keras model on this 2-core CPU
TARGET = {1: 25.0, 16: 40.0}


def timeit(fn, *args, reps: int) -> tuple[float, float]:
    """(best, median) seconds of ``fn(*args)`` after one warm-up call."""
    import jax

    jax.block_until_ready(fn(*args))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def pointwise_conv(x, w, b):
    """1x1 conv through ``conv_general_dilated``: the alternative to ``model.pointwise``'s dot."""
    from jax import lax

    y = lax.conv_general_dilated(x, w[None, None], (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return model.relu6(y + b)


def layer_table(params, batch: int, reps: int) -> dict[str, float]:
    """ms per image of each layer type at ``batch``, summed over the network's layers."""
    import jax

    rng = np.random.default_rng(0)
    totals: dict[str, float] = {}

    def add(name, fn, x):
        totals[name] = totals.get(name, 0.0) + timeit(jax.jit(fn), x, reps=reps)[0] * 1e3 / batch

    add("stem 3x3/2 conv", lambda x: model.stem_conv(x, params["stem"]["w"], params["stem"]["b"]),
        rng.uniform(-1, 1, (batch, 224, 224, 3)).astype(np.float32))
    side, chans = 112, 32
    for block, stride, width in zip(params["blocks"], model.STRIDES, model.WIDTHS):
        x = rng.uniform(0, 6, (batch, side, side, chans)).astype(np.float32)
        for name, dw in (("depthwise: 9 shifted mul-adds", model.depthwise_shifted),
                         ("depthwise: grouped conv", model.depthwise_grouped)):
            add(name, lambda x, dw=dw, b=block, s=stride: dw(x, b["dw_w"], b["dw_b"], stride=s), x)
        side //= stride
        x = rng.uniform(0, 6, (batch, side, side, chans)).astype(np.float32)
        for name, pw in (("pointwise: dot", model.pointwise), ("pointwise: 1x1 conv", pointwise_conv)):
            add(name, lambda x, pw=pw, b=block: pw(x, b["pw_w"], b["pw_b"]), x)
        chans = width
    x = rng.uniform(0, 6, (batch, 7, 7, 1024)).astype(np.float32)
    add("head: pool + dense + softmax",
        lambda x: jax.nn.softmax(x.mean((1, 2)) @ params["head"]["w"] + params["head"]["b"]), x)
    return totals


def network_rate(params, batch: int, depthwise: str, micro: int, reps: int) -> tuple[float, float]:
    """(best, median) images/s of ``Scorer.distributions`` on a random uint8 batch (no decoding)."""
    scorer = Scorer(params, batch_size=batch, micro_batch=micro, depthwise=depthwise)
    rgb = np.random.default_rng(1).integers(0, 256, (batch, 224, 224, 3), dtype=np.uint8)
    best, median = timeit(scorer.distributions, rgb, reps=reps)
    return batch / best, batch / median


def compile_time(params, batch: int) -> tuple[float, float]:
    """(first call, later call) seconds of a fresh shipped Scorer; their difference is compilation."""
    scorer = Scorer(params, batch_size=batch)
    rgb = np.zeros((batch, 224, 224, 3), np.uint8)
    t0 = time.perf_counter()
    scorer.distributions(rgb)
    t1 = time.perf_counter()
    scorer.distributions(rgb)
    return t1 - t0, time.perf_counter() - t1


def cli_times(image: Path, weights: Path, warm_runs: int) -> tuple[float, list[float]]:
    """Wall seconds of ``lutlearn score IMAGE``: a cold run, then ``warm_runs`` warm ones."""
    script = Path(sys.executable).parent / "lutlearn"
    cmd = [str(script)] if script.exists() else [sys.executable, "-c", "from lutlearn.cli import main; main()"]
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, LUTLEARN_CACHE_DIR=cache, LUTLEARN_NIMA_WEIGHTS=str(weights))
        times = []
        for _ in range(1 + warm_runs):
            t0 = time.perf_counter()
            done = subprocess.run(cmd + ["score", str(image)], env=env, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            if done.returncode != 0:
                raise SystemExit(f"lutlearn score failed: {done.stderr.strip()}")
    return times[0], times[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--image", type=Path, default=SHARED / "examples" / "idealo_test_images" / "42039.jpg")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    weights = args.weights or (SHARED / "weights_mobilenet_aesthetic_0.07.hdf5")
    if not weights.is_file():
        weights = locate_weights()[0]
    params = load_params(weights)
    reps = 3 if args.quick else 7
    load = os.getloadavg()[0]
    print(f"NIMA benchmark: {os.cpu_count()} CPUs, load average {load:.2f} at start, float32")

    import jax

    print(f"jax {jax.__version__}, backend {jax.default_backend()}")
    print("\n1. time per image by layer type (ms/image, sum over the network's layers of that type)")
    tables = {b: layer_table(params, b, reps) for b in (1, 16)}
    print(f"  {'layer type':34s} {'batch 1':>9s} {'batch 16':>9s}")
    for name in tables[1]:
        print(f"  {name:34s} {tables[1][name]:9.2f} {tables[16][name]:9.2f}")

    print("\n2. whole network, images/s (best / median of the runs); ratio = best / Keras baseline")
    for batch in (1, 16):
        print(f"  batch {batch} (Keras baseline {KERAS_BASELINE[batch]} img/s, target >= {TARGET[batch]})")
        for depthwise in ("shifted", "grouped"):
            for micro in sorted({batch, 1, 2, 4} if batch > 1 else {1}, reverse=True):
                if depthwise == "grouped" and micro not in (batch, MICRO_BATCH):
                    continue
                best, median = network_rate(params, batch, depthwise, micro, reps if batch > 1 else 4 * reps)
                shipped = depthwise == "shifted" and micro == min(MICRO_BATCH, batch)
                label = f"depthwise={depthwise:7s} micro-batch={micro:2d}" + ("  <- shipped" if shipped else "")
                print(f"    {label:48s} {best:6.1f} / {median:6.1f} img/s   x{best / KERAS_BASELINE[batch]:.1f} Keras")

    print("\n3. first-call compile time of the shipped Scorer (no persistent cache in this process)")
    for batch in (1, 16):
        first, later = compile_time(params, batch)
        print(f"  batch {batch:2d}: first call {first:.2f} s, later call {later:.2f} s"
              f" -> compile ~{first - later:.2f} s")

    print("\n4. Scorer.score_files on the example photos (decode + resize + network)")
    photos = sorted(p for p in (SHARED / "examples").rglob("*") if p.is_file())
    scorer = Scorer(params, batch_size=16)
    scorer.score_files(photos[:1], progress=False)  # compile
    t0 = time.perf_counter()
    scorer.score_files(photos, progress=False)
    elapsed = time.perf_counter() - t0
    print(f"  {len(photos)} files in {elapsed:.2f} s: {len(photos) / elapsed:.1f} files/s")

    print(f"\n5. `lutlearn score {args.image.name}` wall time, fresh process each run")
    cold, warm = cli_times(args.image, weights, warm_runs=3)
    print(f"  cold (empty compilation cache): {cold:.2f} s   target <= 5.0 s")
    print(f"  warm (median of {len(warm)}):          {statistics.median(warm):.2f} s   target <= 2.5 s"
          f"   (runs: {', '.join(f'{t:.2f}' for t in warm)})")
    print(f"\nload average at end {os.getloadavg()[0]:.2f} (other processes share these {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
