"""Benchmark the cluster path: score and apply locally and on a local Ray cluster with 1 and 2 CPUs.

    $ flock -x /tmp/lutlearn-cpu.lock python scripts/bench_cluster.py       # 500 to score, 200 to apply
    $ python scripts/bench_cluster.py --score 3000 --apply 0 --repeats 1
    $ python scripts/bench_cluster.py --explain               # also: unconfined node, unpinned actors
    $ python scripts/bench_cluster.py --score 0 --apply 0 --costs   # single-core cost per photo by size

Photos are made from the Kodak set (``../shared/data/photos``): a random crop
(50-100 % per side), a flip half the time, a resize to 55-100 %, saved as
JPEG (quality 90) in a temporary folder. Every configuration runs a fresh
process for each repetition, as a user would:

- ``local``: ``lutlearn score --json FILES`` / ``lutlearn apply DIR --out-dir``
  (both cores: XLA's thread pool, apply's two threads);
- ``ray N``: a Ray head node started with ``ray start --num-cpus=N`` on
  127.0.0.1; for N=1 the node *and* the driver run under ``taskset -c 0``,
  so a one-CPU cluster really has one core. The driver is
  ``lutlearn score|apply ... --cluster 127.0.0.1:PORT --timings``.
- with ``--explain``: ``ray 1 free`` is a one-CPU node that is *not*
  confined (as ``ray start --num-cpus=1`` on a bigger machine), with the
  NIMA actor unpinned (XLA then uses every core) and pinned; ``ray 2
  unpinned`` has both actors unpinned.

Before the timed runs each configuration runs once untimed (JAX's persistent
compilation cache and the OS file cache are warm for all of them).

Printed per configuration: the median wall time of the command, photos per
second on that wall time, and the *steady* rate between the first and the
last batch of results (the driver's timings; fixed costs left out). Then the
scaling from 1 to 2 CPUs and the overhead of ``ray 2`` against ``local``,
on wall time and on the steady rate.

For scoring, each Ray node also runs Ray's own *floor*: a fresh driver
process that connects, starts one one-CPU actor per CPU that imports JAX and
runs one tiny computation (what any NIMA actor must do before its first
photo), calls each once and disconnects; no lutlearn code. From the floors
and the steady rates it prints the best wall-time scaling that *any* job
starting its actors per run could reach on this many photos:
``(floor_1 + n / steady_1) / (floor_2 + n / steady_2)``.

``--costs`` measures, on one core (``taskset -c 0``) and in one process,
what a worker spends per photo at 0.14, 2 and 12 Mpx (mosaics of Kodak
crops, JPEG quality 90): decoding for NIMA, the whole fused ``score`` call,
``suggest`` with every look at 0.5 and 1, and ``apply`` (JPEG to JPEG).
These are the numbers of the README's cost model.

Run it under ``flock -x /tmp/lutlearn-cpu.lock`` (the project's CPU lock)
so that no other heavy job shares the cores; it takes no lock itself.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared"
RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


def make_photos(folder: Path, count: int, seed: int) -> list[Path]:
    """``count`` JPEGs cut from the Kodak set (crop, flip, resize)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted((SHARED / "data" / "photos").glob("kodim*.png"))
    rng = np.random.default_rng(seed)
    out = []
    for n in range(count):
        with Image.open(sources[n % len(sources)]) as im:
            im = im.convert("RGB")
            w, h = im.size
            cw, ch = int(w * rng.uniform(0.5, 1)), int(h * rng.uniform(0.5, 1))
            x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            crop = im.crop((x, y, x + cw, y + ch))
            if rng.random() < 0.5:
                crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
            scale = rng.uniform(0.55, 1.0)
            crop = crop.resize((max(32, int(cw * scale)), max(32, int(ch * scale))), Image.LANCZOS)
            path = folder / f"p{n:05d}.jpg"
            crop.save(path, quality=90)
            out.append(path)
    return out


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


class RayNode:
    """A Ray head node on 127.0.0.1 with ``cpus`` CPUs; ``confine``: node and driver under ``taskset -c 0..cpus-1``."""

    def __init__(self, cpus: int, confine: bool = True):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.cpus, self.address = cpus, f"127.0.0.1:{self.port}"
        cores = len(os.sched_getaffinity(0))
        self.prefix = ["taskset", "-c", ",".join(map(str, range(cpus)))] if confine and cpus < cores else []
        cmd = self.prefix + [_bin("ray"), "start", "--head", "--block", "--node-ip-address=127.0.0.1",
                             f"--port={self.port}", f"--num-cpus={cpus}", "--include-dashboard=false",
                             "--disable-usage-stats"]
        self.proc = subprocess.Popen(cmd, env=dict(os.environ, **RAY_ENV), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the Ray node did not start")
                time.sleep(0.2)
        time.sleep(3)  # let the raylet register

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, 9)  # our own group (start_new_session)
        time.sleep(2)


def run(cmd: list[str], env: dict | None = None) -> tuple[float, dict]:
    """(wall seconds, the driver's --timings JSON or {}) of one command."""
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=dict(os.environ, **(env or {})), stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd[:6])} ...\n{done.stderr[-2000:]}")
    timings = [line for line in done.stderr.splitlines() if line.startswith("timings ")]
    return wall, json.loads(timings[-1][8:]) if timings else {}


def measure(name: str, make_cmd, repeats: int, scratch: Path, env=None) -> dict:
    """Run ``make_cmd(out)`` once untimed, then ``repeats`` times timed; fresh outputs."""
    def fresh():
        out = scratch / f"out-{name.replace(' ', '_')}"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        return out

    run(make_cmd(fresh()), env)
    walls, steady, fixed = [], [], []
    load = os.getloadavg()[0]
    for _ in range(repeats):
        wall, t = run(make_cmd(fresh()), env)
        walls.append(wall)
        if t.get("last", 0) > t.get("first", 0):
            steady.append((t["todo"] - t["first_rows"]) / (t["last"] - t["first"]))
            fixed.append(t["first"])
    return {"name": name, "wall": statistics.median(walls), "walls": walls, "load": load,
            "steady": statistics.median(steady) if steady else None,
            "to_first": statistics.median(fixed) if fixed else None}


def ray_floor(address: str) -> dict:
    """Seconds of Ray's per-job floor on a cluster (see the module docstring), in this process."""
    import ray

    t0 = time.perf_counter()
    ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    t1 = time.perf_counter()

    @ray.remote(num_cpus=1)
    class Warm:
        def __init__(self):
            import jax.numpy as jnp

            jnp.zeros(8).sum().block_until_ready()

        def ping(self):
            return os.getpid()

    actors = [Warm.remote() for _ in range(int(ray.cluster_resources()["CPU"]))]
    ray.get([a.ping.remote() for a in actors])
    t2 = time.perf_counter()
    ray.shutdown()
    t3 = time.perf_counter()
    return {"connect": t1 - t0, "actors": t2 - t1, "disconnect": t3 - t2}


def measure_floor(node: RayNode, repeats: int) -> dict:
    """Median wall of ``repeats`` fresh floor processes (after one untimed) on ``node``, and their parts."""
    cmd = node.prefix + [sys.executable, __file__, "--floor-here", node.address]
    walls, parts = [], []
    for k in range(repeats + 1):
        t0 = time.perf_counter()
        done = subprocess.run(cmd, env=dict(os.environ, **RAY_ENV), capture_output=True, text=True, check=True)
        if k:
            walls.append(time.perf_counter() - t0)
            parts.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {"wall": statistics.median(walls), "walls": walls,
            "parts": {key: statistics.median(p[key] for p in parts) for key in parts[0]}}


def bench_command(kind: str, photos: list[Path], args, scratch: Path) -> list[dict]:
    folder = photos[0].parent
    py = [_bin("lutlearn")]
    if kind == "score":
        local = lambda out: [_bin("lutlearn"), "score", "--json", *map(str, photos)]
        remote = lambda node, out, extra=(): node.prefix + py + [
            "score", str(folder), "-o", str(out / "s.jsonl"), "--cluster", node.address, "--timings", *extra]
    elif kind == "suggest":
        local = lambda out: [_bin("lutlearn"), "suggest", "--json", str(folder)]
        remote = lambda node, out, extra=(): node.prefix + py + [
            "suggest", str(folder), "-o", str(out / "r.jsonl"), "--cluster", node.address, "--timings", *extra]
    else:
        local = lambda out: [_bin("lutlearn"), "apply", str(folder), "--look", args.look,
                             "--out-dir", str(out)]
        remote = lambda node, out, extra=(): node.prefix + py + [
            "apply", str(folder), "--look", args.look, "--out-dir", str(out), "--cluster", node.address,
            "--timings"]
    rows = [measure(f"{kind} local", local, args.repeats, scratch)]
    variants = [(1, True, True, ""), (2, True, True, "")]
    if args.explain and kind != "apply":
        variants += [(1, False, False, " free, unpinned"), (1, False, True, " free, pinned"),
                     (2, True, False, " unpinned")]
    for cpus, confine, pin, label in variants:
        node = RayNode(cpus, confine)
        try:
            extra = [] if pin else ["--no-pin-cores"]
            rows.append(measure(f"{kind} ray {cpus}{label}", lambda out: remote(node, out, extra), args.repeats,
                                scratch))
            if kind == "score" and not label:
                rows[-1]["floor"] = measure_floor(node, args.repeats)
        finally:
            node.stop()
    return rows


def report(kind: str, n: int, rows: list[dict]) -> None:
    print(f"\n{kind}: {n} photos  (median of the timed runs; steady = rate between first and last result)")
    print(f"  {'configuration':28s} {'wall s':>7s} {'photos/s':>9s} {'steady/s':>9s} {'to 1st s':>8s}  runs")
    by = {r["name"]: r for r in rows}
    for r in rows:
        steady = f"{r['steady']:9.1f}" if r["steady"] else f"{'-':>9s}"
        first = f"{r['to_first']:8.2f}" if r["to_first"] else f"{'-':>8s}"
        print(f"  {r['name']:28s} {r['wall']:7.2f} {n / r['wall']:9.1f} {steady} {first}  "
              f"{', '.join(f'{w:.2f}' for w in r['walls'])} (load {r['load']:.2f})")
    one, two, local = by.get(f"{kind} ray 1"), by.get(f"{kind} ray 2"), by[f"{kind} local"]
    if one and two:
        print(f"  scaling 1 -> 2 CPUs: wall x{one['wall'] / two['wall']:.2f}"
              + (f", steady x{two['steady'] / one['steady']:.2f}" if one["steady"] and two["steady"] else "")
              + ("   (target >= 1.7)" if kind == "score" else ""))
    if two:
        print(f"  ray 2 vs local: wall {100 * (two['wall'] / local['wall'] - 1):+.1f}%"
              + ("   (target <= +15%)" if kind == "score" else ""))
    if one and two and "floor" in one and "floor" in two and one["steady"] and two["steady"]:
        for r in (one, two):
            f = r["floor"]
            print(f"  Ray's floor on {r['name'].split(' ', 1)[1]}: {f['wall']:.2f} s per job (connect "
                  f"{f['parts']['connect']:.2f}, actors importing JAX {f['parts']['actors']:.2f}, disconnect "
                  f"{f['parts']['disconnect']:.2f}, + process start); runs {', '.join(f'{w:.2f}' for w in f['walls'])}")
        ceiling = (one["floor"]["wall"] + n / one["steady"]) / (two["floor"]["wall"] + n / two["steady"])
        print(f"  best wall scaling any per-job actor pool could reach on {n} photos at these steady rates: "
              f"x{ceiling:.2f} (measured x{one['wall'] / two['wall']:.2f})")


def mosaic(path: Path, width: int, height: int, seed: int) -> Path:
    """A ``width`` x ``height`` JPEG tiled from random Kodak crops (photo-like detail at any size)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    sources = sorted((SHARED / "data" / "photos").glob("kodim*.png"))
    canvas = Image.new("RGB", (width, height))
    for y in range(0, height, 256):
        for x in range(0, width, 256):
            with Image.open(sources[int(rng.integers(len(sources)))]) as im:
                w, h = im.size
                cx, cy = int(rng.integers(0, w - 256)), int(rng.integers(0, h - 256))
                canvas.paste(im.convert("RGB").crop((cx, cy, cx + 256, cy + 256)), (x, y))
    canvas.save(path, quality=90)
    return path


def unit_costs() -> None:
    """Per-photo milliseconds on this process's cores (run under taskset -c 0), by photo size."""
    from lutlearn.cluster.workers import ScoreWorker, SuggestWorker
    from lutlearn.looks.apply import apply_to_file
    from lutlearn.looks.resolve import resolve_look
    from lutlearn.nima.preprocess import nima_pixels
    from lutlearn.nima.weights import load_params
    from lutlearn.rank.candidates import load_candidates

    params = load_params(os.environ["LUTLEARN_NIMA_WEIGHTS"])
    score = ScoreWorker(params, pin=False)
    candidates = load_candidates(None)
    suggest = SuggestWorker(params, candidates, (0.5, 1.0), pin=False)
    look = resolve_look("teal_orange")
    print(f"cores {sorted(os.sched_getaffinity(0))}; suggest tries {len(candidates)} looks x 2 strengths")
    print(f"  {'photo':>14s} {'decode ms':>10s} {'score ms':>9s} {'suggest ms':>11s} {'apply ms':>9s} {'apply ms/Mpx':>13s}")
    with tempfile.TemporaryDirectory() as tmp:
        for w, h, reps in ((448, 312, 40), (1728, 1152, 16), (4000, 3000, 6)):
            photos = [mosaic(Path(tmp) / f"m{w}_{k}.jpg", w, h, k) for k in range(reps)]
            batch = {"i": np.arange(reps), "key": np.array([str(p) for p in photos], dtype=object)}
            timings = {}
            for name, fn in (("decode", lambda: [nima_pixels(p) for p in photos]), ("score", lambda: score(batch)),
                             ("suggest", lambda: suggest(batch)),
                             ("apply", lambda: [apply_to_file(p, look, Path(tmp) / f"o_{p.name}", threads=1,
                                                              overwrite=True)
                                                for p in photos])):
                fn()  # warm (caches, first compile)
                t0 = time.perf_counter()
                fn()
                timings[name] = (time.perf_counter() - t0) * 1e3 / reps
            mpx = w * h / 1e6
            print(f"  {w}x{h} {mpx:4.1f}Mpx {timings['decode']:10.1f} {timings['score']:9.1f} "
                  f"{timings['suggest']:11.1f} {timings['apply']:9.1f} {timings['apply'] / mpx:13.1f}", flush=True)


def _pixels(path: Path) -> int:
    from PIL import Image

    with Image.open(path) as im:
        return im.size[0] * im.size[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--score", type=int, default=500, help="photos to score (0: skip)")
    parser.add_argument("--apply", type=int, default=200, help="photos to apply the look to (0: skip)")
    parser.add_argument("--suggest", type=int, default=0, help="photos to rank every look for (0: skip)")
    parser.add_argument("--look", default="teal_orange")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="also run the NIMA actors unpinned")
    parser.add_argument("--costs", action="store_true", help="single-core cost per photo by size")
    parser.add_argument("--unit-costs-here", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--floor-here", metavar="ADDRESS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_here:
        return print(json.dumps(ray_floor(args.floor_here)))
    os.environ.setdefault("LUTLEARN_NIMA_WEIGHTS", str(SHARED / "nima" / "weights_mobilenet_aesthetic_0.07.hdf5"))
    if args.unit_costs_here:
        return unit_costs()
    import jax
    import ray

    print(f"bench_cluster: {os.cpu_count()} CPUs, ray {ray.__version__}, jax {jax.__version__}, "
          f"python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        scratch = Path(tmp)
        for kind, n, seed in (("score", args.score, 1), ("apply", args.apply, 2), ("suggest", args.suggest, 3)):
            if n:
                photos = make_photos(scratch / f"in-{kind}", n, seed)
                mpx = sum(_pixels(p) for p in photos) / 1e6
                print(f"\n[{kind}] {n} JPEGs, {mpx / n:.2f} Mpx each on average")
                report(kind, n, bench_command(kind, photos, args, scratch))
    if args.costs:
        print("\n[costs] one core, one process, per photo (JPEG in; apply writes JPEG quality 95)")
        subprocess.run(["taskset", "-c", "0", sys.executable, __file__, "--unit-costs-here"], check=True)


if __name__ == "__main__":
    main()
