"""Benchmark ``lutlearn suggest`` end to end on a 24-Mpx JPEG: every bundled look at two strengths, guards included.

    $ python scripts/bench_suggest.py             # 3 warm runs
    $ python scripts/bench_suggest.py --runs 5
    $ python scripts/bench_suggest.py --no-guards # the same command ranking by gain alone, for comparison

The photo is a Kodak image (``../shared/data/photos``) upscaled to 6000 x 4000
and saved as a JPEG in a temporary folder. Each run is a fresh process:

    lutlearn suggest big.jpg --strengths 0.5,1 --top 5 --sheet sheet.jpg --timings

The first run has an empty JAX compilation cache (cold); the later ones reuse
it (warm). Prints wall times, the ratio of the warm median to the target
(2.0 s on the 2-core CPU machine), and the per-stage times that the command
reports (``--timings``) for the median warm run; "guards" is the time the
guards take to measure every candidate (and the full-strength versions they
judge). Stages overlap: the first photo is decoded and graded in a second
thread while the network loads.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
TARGET_WARM_S = 2.0
STAGES = {"looks": "load looks", "weights": "load NIMA (jax, weights)", "decode": "decode + resize",
          "grade": "grading", "network": "network (incl. compile/cache)", "guards": "guards",
          "sheet": "contact sheet",
          "total": "in-command total"}


def make_photo(folder: Path, source: Path, size=(6000, 4000)) -> Path:
    """Upscale ``source`` to ``size`` (bicubic) and save it as a quality-92 JPEG in ``folder``."""
    from PIL import Image

    with Image.open(source) as im:
        big = im.convert("RGB").resize(size, Image.Resampling.BICUBIC)
    path = folder / f"{source.stem}_{size[0]}x{size[1]}.jpg"
    big.save(path, quality=92)
    return path


def run_once(cmd: list[str], env: dict) -> tuple[float, dict, str]:
    """(wall seconds, {stage: seconds}, stdout) of one fresh ``lutlearn suggest`` process."""
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"lutlearn suggest failed ({done.returncode}): {done.stderr.strip()}")
    line = next((ln for ln in done.stderr.splitlines() if ln.startswith("timings")), "")
    stages = {k: float(v) for k, v in re.findall(r"(\w+) ([0-9.]+)", line)}
    return wall, stages, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", type=Path, default=SHARED / "data" / "photos" / "kodim05.png")
    parser.add_argument("--weights", type=Path, default=SHARED / "nima" / "weights_mobilenet_aesthetic_0.07.hdf5")
    parser.add_argument("--runs", type=int, default=3, help="warm runs (default %(default)s)")
    parser.add_argument("--no-guards", action="store_true", help="time `suggest --no-guards` (gain only)")
    args = parser.parse_args()
    script = Path(sys.executable).parent / "lutlearn"
    base = [str(script)] if script.exists() else [sys.executable, "-c", "from lutlearn.cli import main; main()"]
    from lutlearn.looks.library import list_looks

    n_looks = sum(info.origin == "bundled" for info in list_looks())
    print(f"suggest benchmark: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        photo = make_photo(tmp, args.photo)
        print(f"photo: {photo.name} ({photo.stat().st_size / 1e6:.1f} MB, made in {time.perf_counter() - t0:.1f} s); "
              f"{n_looks} bundled looks x 2 strengths = {2 * n_looks} candidates + the original")
        env = dict(os.environ, LUTLEARN_CACHE_DIR=str(tmp / "cache"), LUTLEARN_NIMA_WEIGHTS=str(args.weights),
                   LUTLEARN_DATA_DIR=str(tmp / "data"))  # an empty user library: bundled looks only
        cmd = base + ["suggest", str(photo), "--strengths", "0.5,1", "--top", "5", "--sheet", str(tmp / "sheet.jpg"),
                      "--overwrite", "--timings"] + (["--no-guards"] if args.no_guards else [])
        cold, cold_stages, _ = run_once(cmd, env)
        warm = [run_once(cmd, env) for _ in range(args.runs)]
    walls = [w for w, _, _ in warm]
    median = statistics.median(walls)
    _, stages, stdout = sorted(warm, key=lambda r: r[0])[len(warm) // 2]
    print(f"\ncold (empty compilation cache): {cold:.2f} s")
    print(f"warm (median of {len(walls)}):          {median:.2f} s   target <= {TARGET_WARM_S:.1f} s   "
          f"ratio {median / TARGET_WARM_S:.2f} x target   (runs: {', '.join(f'{w:.2f}' for w in walls)})")
    print(f"\nper stage (s), as reported by --timings   {'cold':>7s} {'warm':>7s}")
    for key, label in STAGES.items():
        print(f"  {label:38s} {cold_stages.get(key, float('nan')):7.3f} {stages.get(key, float('nan')):7.3f}")
    print(f"  {'process start-up + imports (wall - total)':38s} {cold - cold_stages.get('total', 0):7.3f} "
          f"{median - stages.get('total', 0):7.3f}")
    print("\ntop of the ranking (warm run):\n" + "\n".join(stdout.splitlines()[:7]))
    print(f"\nload average at end {os.getloadavg()[0]:.2f} (other processes share these {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
