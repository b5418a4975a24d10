"""Benchmark ``lutlearn fit`` on photo pairs against issue 9's speed and memory targets, in one run.

Targets: a 768x512 pair fits end to end in at most 5 s, a 24-Mpx pair in at most 15 s, with a peak RSS of
at most 1.5 GB.

Pairs, made once in ``--cache`` (never in the repository), graded with a real film look from
``../shared/data/luts`` (``--look``, default Kodak Portra 400):

- **768x512**: kodim05 and the damage of ``scripts/eval_pairs.py`` (the same files): a clean PNG, a q80
  4:2:0 JPEG, a half-size JPEG export, a 1.5% crop re-exported at full size, a vignette with grain;
- **24 Mpx**: kodim05 upscaled to 6000x4000 with camera-like noise (``scripts/bench_apply.py``'s photos) as
  the before PNG; the after image a q90 JPEG at full size, a 1.5% crop re-exported at full size, and a
  half-size export.

Each fit is a fresh ``lutlearn fit BEFORE AFTER -o look.cube --method photo`` process: its wall time and
peak RSS (``/usr/bin/time``), the median of ``--repeat`` runs. The named baseline, run in the same run on
the same files when ``--peers-venv`` holds it: lut-estimator (PyPI), the issue's simplest peer (a random
pixel sample interpolated into a 33^3 LUT, no registration); the ratio column is lutlearn's time over its.
A machine's speed varies (the same code and pair timed 3.6 s on one 2-core machine of this project and
10 s on another), so the CPU and the load are printed, and the ratio is the figure to compare across machines.

    $ flock -x /tmp/lutlearn-cpu.lock .venv/bin/python scripts/bench_pairs.py --peers-venv /tmp/peers
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_apply  # noqa: E402  (the 24-Mpx photos, the CPU's description)
import eval_pairs  # noqa: E402  (the 768x512 damage and files)

TARGET_S = {"768x512": 5.0, "24 Mpx": 15.0}
TARGET_RSS_MB = 1536.0
SMALL_ROWS = ("clean", "jpeg", "half", "crop", "vignette")
BIG_ROWS = ("jpeg", "crop", "half")


def big_pairs(look_name: str, look, cache: Path) -> dict:
    """{row: (before, after)} for the 24-Mpx pairs (written once)."""
    import pair_damage as damage
    from PIL import Image

    folder = cache / look_name / "24mpx"
    folder.mkdir(parents=True, exist_ok=True)
    before = folder / "before.png"
    if not before.exists():
        tmp = before.with_suffix(".tmp.png")
        Image.fromarray(bench_apply.photo(5)).save(tmp, compress_level=1)
        tmp.replace(before)
    out, graded = {}, None
    for row in BIG_ROWS:
        after = folder / f"{row}.jpg"
        if not after.exists():
            if graded is None:
                graded = look.apply(eval_pairs.read_rgb(before))
            img = {"jpeg": lambda g: g, "crop": lambda g: damage.reframe(g, 0.015),
                   "half": lambda g: damage.resize(g, 0.5)}[row](graded)
            tmp = after.with_suffix(".tmp.jpg")
            damage.save(img, tmp, quality=90)
            tmp.replace(after)
        out[row] = (before, after)
    return out


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall s, peak RSS MB, return code) of one fresh process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name, *cmd], cwd=cwd, capture_output=True,
                              text=True)
        wall = time.perf_counter() - start
        rss = float(t.read().split()[-1]) / 1024 if proc.returncode == 0 else float("nan")
    if proc.returncode != 0:
        sys.stderr.write(f"bench_pairs: {' '.join(cmd[:3])} failed: {(proc.stdout + proc.stderr)[-500:]}\n")
    return wall, rss, proc.returncode


def measure(tool: str, before: Path, after: Path, args, repeat: int) -> dict:
    """Median wall time and peak RSS of ``repeat`` fits of one pair by ``tool``."""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if tool == "lutlearn":
            cmd = [args.lutlearn, "fit", str(before), str(after), "-o", str(work / "look.cube"), "--method", "photo",
                   "--overwrite"]
        else:
            cmd = [str(Path(args.peers_venv) / "bin" / "lut-estimator"), "--before", str(before), "--after",
                   str(after), "--target", str(before), "--output", str(work / "estimated.png"), "--seed", "0"]
        for _ in range(repeat):
            runs.append(timed(cmd, work))
    ok = [r for r in runs if r[2] == 0]
    if not ok:
        return {"seconds": None, "rss_mb": None, "runs": []}
    return {"seconds": statistics.median(r[0] for r in ok), "rss_mb": max(r[1] for r in ok),
            "runs": [round(r[0], 3) for r in ok]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--look", default="rt_kodak_portra_400_2", help="a look in ../shared/data/luts (file stem)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "lutlearn-bench-pairs",
                    help="folder for the pairs (made once)")
    ap.add_argument("--lutlearn", default=str(Path(sys.executable).with_name("lutlearn")))
    ap.add_argument("--peers-venv", default=os.environ.get("LUTLEARN_PEERS_VENV"),
                    help="scratch venv holding lut-estimator, the baseline ($LUTLEARN_PEERS_VENV)")
    ap.add_argument("--repeat", type=int, default=3, help="fits per pair (median time, largest RSS)")
    ap.add_argument("--only", choices=["768x512", "24 Mpx"], help="one size only")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)

    look = eval_pairs.read_look(args.look)
    cases = []
    if args.only in (None, "768x512"):
        for row in SMALL_ROWS:
            pairs, _ = eval_pairs.make_row(args.look, look, row, eval_pairs.Damage(), args.cache)
            cases.append(("768x512", row, *pairs[0]))
    if args.only in (None, "24 Mpx"):
        for row, (before, after) in big_pairs(args.look, look, args.cache).items():
            cases.append(("24 Mpx", row, before, after))
    tools = ["lutlearn"] + (["lut-estimator"] if args.peers_venv else [])

    print(f"bench_pairs: lutlearn fit on photo pairs ({args.look}), {args.repeat} fresh processes per pair")
    print(f"CPU: {bench_apply.cpu_model()}; load before: {bench_apply.load()}")
    results = []
    for size, row, before, after in cases:
        res = {tool: measure(tool, before, after, args, args.repeat) for tool in tools}
        results.append({"size": size, "row": row, "before": str(before), "after": str(after), **res})
        sys.stderr.write(f"  {size} {row}: {res['lutlearn']['runs']} s\n")

    head = "| pair | after image | lutlearn s (runs) | target | peak RSS MB |"
    rule = "|---|---|---|---|---|"
    if args.peers_venv:
        head += " lut-estimator s | ratio |"
        rule += "---|---|"
    print(head)
    print(rule)
    for r in results:
        mine, target = r["lutlearn"], TARGET_S[r["size"]]
        if mine["seconds"] is None:
            secs, verdict, rss = "failed", "-", "-"
        else:
            secs = f"{mine['seconds']:.2f} ({', '.join(f'{v:.2f}' for v in mine['runs'])})"
            verdict = "met" if mine["seconds"] <= target else "MISSED"
            rss = f"{mine['rss_mb']:.0f}" + ("" if mine["rss_mb"] <= TARGET_RSS_MB else " MISSED")
        line = f"| {r['size']} | {r['row']} | {secs} | ≤ {target:g} s: {verdict} | {rss} |"
        if args.peers_venv:
            base = r["lut-estimator"]["seconds"]
            ratio = f"{mine['seconds'] / base:.2f}x" if base and mine["seconds"] else "-"
            line += f" {base:.2f} | {ratio} |" if base else " failed | - |"
        print(line)
    print(f"load after: {bench_apply.load()}")
    if args.json:
        args.json.write_text(json.dumps({"cpu": bench_apply.cpu_model(), "look": args.look, "results": results},
                                        indent=1))
    return 0 if all(r["lutlearn"]["seconds"] is not None for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
