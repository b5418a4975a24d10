"""Learn film looks from the photo pairs people actually have: lutlearn vs lut-estimator vs LutSmith (issue 9).

For each film look (a Hald CLUT or .cube in ../shared/data/luts) and each row of
damage, the after image(s) are made from Kodak photos graded with the real look
(tetrahedral, float), then damaged as an editor's export would:

    clean      the graded kodim05 as an 8-bit PNG
    jpeg       the same as a JPEG (quality 80, 4:2:0)
    half       exported at half size (Lanczos), JPEG quality 80 4:2:0
    crop       1.5% cropped off every side, re-exported at full size (Lanczos), PNG
    vignette   -0.6 EV in the corners (linear light, ρ² profile) + grain σ 2% (mono), PNG
    four       kodim01, 05, 14 and 23, each a JPEG (quality 80, 4:2:0)

Every parameter is an option (``--crop 0.025 --scale 0.4 --vignette -1.0 ...``),
so held-out damage of the same kinds is one command away. Each tool learns a
33^3 .cube from the same files, in its own process, timed (wall seconds, peak
RSS via /usr/bin/time). The .cube is scored against the real look on the other
Kodak photos (every ``--stride``-th pixel): ΔE2000 mean and p99.

Tools:
    lutlearn       ``lutlearn fit BEFORE AFTER ... -o look.cube`` (the photo method), from --lutlearn (default: the
                   ``lutlearn`` beside this Python)
    lut-estimator  PyPI ``lut-estimator`` (its CLI; four pairs as one 2x2 mosaic, the only way it takes them)
    lutsmith       the wheel in ../shared/anchors (``lutsmith extract``, ``extract-batch`` for four pairs)

Outputs and timings are cached under --cache, keyed by the input files' sha256
and the tool's version (for lutlearn: the sha256 of the package's modules), so a
rerun only scores. Peers run from a scratch venv (``--peers-venv`` or $LUTLEARN_PEERS_VENV) holding
lut-estimator (PyPI) and LutSmith (the wheel in ../shared/anchors/). ``--cpu-lock exclusive`` takes /tmp/lutlearn-cpu.lock
exclusively around each run of the ``--exclusive-tools`` (timings to report) and
shared otherwise; do not run the script itself under flock then.

    python scripts/eval_pairs.py --peers-venv /tmp/peers --cache /tmp/eval-pairs   # the issue's table, three looks
    python scripts/eval_pairs.py --looks rt_agfa_vista_200,rt_fuji_provia_100f --rows crop,half --crop 0.025 --scale 0.4
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = Path(os.environ.get("LUTLEARN_SHARED", ROOT.parent / "shared"))
PHOTOS = SHARED / "data" / "photos"
LUTS = SHARED / "data" / "luts"
LOCK = Path("/tmp/lutlearn-cpu.lock")
ROWS = ("clean", "jpeg", "half", "crop", "vignette", "four")
TOOLS = ("lutlearn", "lut-estimator", "lutsmith")
DEFAULT_LOOKS = ("rt_fuji_velvia_50", "rt_kodak_portra_400_2", "rt_kodak_kodachrome_64")
ROW_TITLES = {"clean": "a clean PNG", "jpeg": "a JPEG (q{q}, 4:2:0)", "half": "exported at {s:g} size (JPEG q{q})",
              "crop": "re-framed: {c:.1%} crop on every side, full size", "vignette":
              "vignetted ({v:+g} EV at the corners) with grain (σ {g:.0%})", "four": "four JPEG pairs"}

sys.path.insert(0, str(HERE))


@dataclasses.dataclass(frozen=True)
class Damage:
    """Parameters of the damage (defaults: the issue's)."""

    quality: int = 80
    subsampling: int = 2
    scale: float = 0.5
    crop: float = 0.015
    rotate: float = 0.0
    vignette: float = -0.6
    vignette_power: float = 2.0
    grain: float = 0.02
    grain_colour: bool = False
    grain_blur: float = 0.0
    resample: str = "lanczos"
    train: str = "kodim05"
    four: tuple = ("kodim01", "kodim05", "kodim14", "kodim23")

    def tag(self, row: str) -> str:
        """A file-name tag that changes whenever a parameter that matters for ``row`` changes."""
        q = f"q{self.quality}s{self.subsampling}"
        rs = "" if self.resample == "lanczos" else f"-{self.resample}"
        return {"clean": f"clean-{self.train}",
                "jpeg": f"jpeg-{self.train}-{q}",
                "half": f"half-{self.train}-x{self.scale:g}-{q}{rs}",
                "crop": f"crop-{self.train}-c{self.crop:g}-r{self.rotate:g}{rs}",
                "vignette": f"vig-{self.train}-v{self.vignette:g}p{self.vignette_power:g}-g{self.grain:g}"
                            f"{'c' if self.grain_colour else 'm'}b{self.grain_blur:g}",
                "four": f"four-{'-'.join(self.four)}-{q}"}[row]

    def title(self, row: str) -> str:
        return ROW_TITLES[row].format(q=self.quality, s=self.scale, c=self.crop, v=self.vignette, g=self.grain)


# ----------------------------------------------------------------------------------------------- data


def read_rgb(path: Path) -> np.ndarray:
    from lutlearn.images import read_image

    return read_image(path).rgb


def read_look(name: str):
    from lutlearn.luts.files import read_lut

    matches = sorted(p for p in LUTS.iterdir() if p.stem == name and p.suffix.lower() in (".png", ".cube", ".tif"))
    if not matches:
        raise SystemExit(f"no look {name!r} in {LUTS} (have: {', '.join(sorted(p.stem for p in LUTS.glob('*.png')))})")
    return read_lut(matches[0])


def make_row(look_name: str, look, row: str, d: Damage, cache: Path) -> tuple[list[tuple[Path, Path]], set]:
    """Write (once) the before/after files of a row; return the pairs and the photos to leave out of scoring."""
    import pair_damage as damage
    from PIL import Image

    method = {"lanczos": Image.LANCZOS, "bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR}[d.resample]
    folder = cache / look_name / d.tag(row)
    folder.mkdir(parents=True, exist_ok=True)
    names = list(d.four) if row == "four" else [d.train]
    pairs = []
    for name in names:
        before = PHOTOS / f"{name}.png"
        jpeg = row in ("jpeg", "half", "four")
        after = folder / f"{name}.{'jpg' if jpeg else 'png'}"
        if not after.exists():
            graded = look.apply(read_rgb(before))
            if row == "half":
                graded = damage.resize(graded, d.scale, method=method)
            elif row == "crop":
                graded = damage.reframe(graded, d.crop, rotate_deg=d.rotate, method=method)
            elif row == "vignette":
                graded = damage.grain(damage.vignette(graded, d.vignette, d.vignette_power), d.grain,
                                      mono=not d.grain_colour, blur_px=d.grain_blur)
            tmp = after.with_suffix(".tmp" + after.suffix)
            damage.save(graded, tmp, quality=d.quality if jpeg else None, subsampling=d.subsampling)
            tmp.replace(after)
        pairs.append((before, after))
    return pairs, set(names)


def mosaic(pairs, folder: Path) -> tuple[Path, Path]:
    """Four pairs as one 2x2 before mosaic and one after mosaic (lossless PNG of the decoded afters)."""
    import pair_damage as damage

    out = folder / "mosaic_before.png", folder / "mosaic_after.png"
    if not all(p.exists() for p in out):
        for k, path in enumerate(out):
            tiles = [read_rgb(pair[k]) for pair in pairs]
            rows = [np.concatenate(tiles[i:i + 2], axis=1) for i in range(0, len(tiles), 2)]
            damage.save(np.concatenate(rows, axis=0), path)
    return out


# ---------------------------------------------------------------------------------------------- tools


@contextlib.contextmanager
def cpu_lock(mode: str | None):
    """flock /tmp/lutlearn-cpu.lock shared ("s") or exclusive ("x"); no lock for None."""
    if mode is None:
        yield
        return
    with open(LOCK, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX if mode == "x" else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tool_version(tool: str, args) -> str:
    if tool == "lutlearn":
        h = hashlib.sha256()
        for p in sorted((ROOT / "lutlearn").rglob("*.py")):
            h.update(p.read_bytes())
        return "lutlearn-" + h.hexdigest()[:16]
    exe = {"lut-estimator": "lut_estimator", "lutsmith": "lutsmith"}[tool]
    out = subprocess.run([str(Path(args.peers_venv) / "bin" / "python"), "-c",
                          f"import importlib.metadata as m; print(m.version('{exe.replace('_', '-')}'))"],
                         capture_output=True, text=True)
    return f"{tool}-{out.stdout.strip()}"


def command(tool: str, pairs, out_cube: Path, work: Path, args) -> list[str]:
    if tool == "lutlearn":
        images = [str(p) for pair in pairs for p in pair]
        return [args.lutlearn, "fit", *images, "-o", str(out_cube), "--method", "photo"]
    peers = Path(args.peers_venv) / "bin"
    if tool == "lut-estimator":
        before, after = mosaic(pairs, work.parent.parent) if len(pairs) > 1 else pairs[0]
        return [str(peers / "lut-estimator"), "--before", str(before), "--after", str(after), "--target", str(before),
                "--output", str(work / "estimated.png"), "--seed", "0"]
    if len(pairs) > 1:
        manifest = work / "pairs.csv"
        manifest.write_text("source,target\n" + "".join(f"{b},{a}\n" for b, a in pairs))
        return [str(peers / "lutsmith"), "extract-batch", str(manifest), "-o", str(out_cube)]
    return [str(peers / "lutsmith"), "extract", str(pairs[0][0]), str(pairs[0][1]), "-o", str(out_cube)]


def run_tool(tool: str, pairs, folder: Path, args) -> dict:
    """Run a tool once (cached): {"cube", "seconds", "rss_mb", "returncode", "log"}."""
    out_dir = folder / tool
    out_dir.mkdir(parents=True, exist_ok=True)
    key = {"tool": tool_version(tool, args), "inputs": [[sha256(b), sha256(a)] for b, a in pairs]}
    meta_path = out_dir / "run.json"
    if meta_path.exists() and tool not in args.rerun:
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == key:
            return meta
    out_cube = out_dir / "look.cube"
    out_cube.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        work = Path(tmp)
        cmd = command(tool, pairs, out_cube, work, args)
        timing = work / "time.txt"
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        mode = {"none": None, "shared": "s", "exclusive": "x" if tool in args.exclusive_tools else "s"}[args.cpu_lock]
        with cpu_lock(mode):
            t0 = time.perf_counter()
            proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", str(timing), *cmd], capture_output=True,
                                  text=True, env=env, cwd=work)
            wall = time.perf_counter() - t0
        seconds, rss_kb = (float(v) for v in timing.read_text().split()[-2:]) if timing.exists() else (wall, 0)
        if tool == "lut-estimator" and (work / "estimated.cube").exists():
            shutil.move(work / "estimated.cube", out_cube)
    meta = {"key": key, "cube": str(out_cube) if out_cube.exists() else None, "seconds": seconds,
            "rss_mb": rss_kb / 1024, "returncode": proc.returncode, "command": cmd,
            "log": (proc.stdout + proc.stderr)[-3000:]}
    meta_path.write_text(json.dumps(meta, indent=1))
    return meta


# -------------------------------------------------------------------------------------------- scoring


def read_cube(path: Path):
    """A tool's .cube as a LUT3D; lut-estimator's rows are blue-fastest (its writer's axis order): reorder them."""
    from lutlearn.luts.files import read_lut
    from lutlearn.luts.lut import LUT3D

    lut = read_lut(path)
    if "Created by LUT Estimator" in Path(path).read_text()[:200]:
        lut = LUT3D(np.ascontiguousarray(lut.table.transpose(2, 1, 0, 3)), title=lut.title)
    return lut


def score(lut, real, skip, stride: int, cache: dict) -> tuple[float, float]:
    """ΔE2000 (mean, p99) of ``lut`` vs ``real`` on the Kodak photos not in ``skip``, every stride-th pixel."""
    from lutlearn.learn.metrics import delta_e2000

    des = []
    for p in sorted(PHOTOS.glob("kodim*.png")):
        if p.stem in skip:
            continue
        if (p.stem, stride) not in cache:
            rgb = read_rgb(p)[::stride, ::stride].reshape(-1, 3)
            cache[(p.stem, stride)] = (rgb, real.apply(rgb))
        rgb, truth = cache[(p.stem, stride)]
        des.append(delta_e2000(lut.apply(rgb), truth))
    de = np.concatenate(des)
    return float(de.mean()), float(np.percentile(de, 99))


# A reference for each look: its own copy smoothed in colour (a Gaussian of half a 33³ node, on a 65³ bake),
# scored like a tool's .cube. It measures the look's detail at the lattice's scale, which only dense,
# clean data can teach: Velvia / Portra / Kodachrome 0.20 / 0.33 / 0.24, Polaroid 669 0.28, the teal-orange
# look 0.39. The looks with the most such detail lose the most in a small JPEG export (the half-size row).
SMOOTH_NODES = 0.5


def smoothed_score(real, skip, stride: int, cache: dict) -> float:
    """ΔE2000 mean of ``real`` smoothed over :data:`SMOOTH_NODES` of a 33³ lattice, against ``real`` itself."""
    from scipy.ndimage import gaussian_filter

    from lutlearn.luts.lut import LUT3D

    fine, coarse = 65, 33
    table = LUT3D.bake(real.apply, fine).table
    sigma = SMOOTH_NODES * (fine - 1) / (coarse - 1)  # in the fine bake's node spacing
    smooth = np.stack([gaussian_filter(table[..., c], sigma, mode="nearest") for c in range(3)], -1)
    return score(LUT3D(smooth.astype(np.float32)), real, skip, stride, cache)[0]


# --------------------------------------------------------------------------------------------- tables


def fmt(cell) -> str:
    if not cell or cell.get("mean") is None:
        return "failed" if cell else ""
    return f"{cell['mean']:.2f} / {cell['p99']:.1f}"


def look_table(look: str, results: dict, rows, tools, d: Damage, smoothed: float | None = None) -> str:
    head = "| the after image is… | " + " | ".join(f"{t} mean / p99 (s, MB)" for t in tools) + " |"
    detail = ("" if smoothed is None else f" (the look smoothed over half a 33³ node: {smoothed:.2f} ΔE, "
              "its detail at the lattice's scale)")
    lines = [f"**{look}**{detail}", "", head, "|---|" + "---|" * len(tools)]
    for row in rows:
        cells = []
        for t in tools:
            c = results[look][row].get(t)
            extra = f" ({c['seconds']:.1f} s, {c['rss_mb']:.0f} MB)" if c and c.get("seconds") is not None else ""
            cells.append(fmt(c) + extra)
        lines.append(f"| {d.title(row)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _range(values, digits) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    lo, hi = min(values), max(values)
    return f"{lo:.{digits}f}" if f"{lo:.{digits}f}" == f"{hi:.{digits}f}" else f"{lo:.{digits}f}–{hi:.{digits}f}"


def summary_table(results: dict, looks, rows, tools, d: Damage) -> str:
    head = "| the after image is… | " + " | ".join(f"{t} mean / p99" for t in tools) + " | fit time (s) | peak RSS (MB) |"
    lines = [head, "|---|" + "---|" * (len(tools) + 2)]
    for row in rows:
        cells = []
        for t in tools:
            cs = [results[k][row].get(t) or {} for k in looks]
            cells.append(f"{_range([c.get('mean') for c in cs], 2)} / {_range([c.get('p99') for c in cs], 1)}")
        secs = " · ".join(f"{t} {_range([(results[k][row].get(t) or {}).get('seconds') for k in looks], 1)}"
                          for t in tools)
        rss = " · ".join(f"{t} {_range([(results[k][row].get(t) or {}).get('rss_mb') for k in looks], 0)}"
                         for t in tools)
        lines.append(f"| {d.title(row)} | " + " | ".join(cells) + f" | {secs} | {rss} |")
    return "\n".join(lines)


def check_targets(results: dict, looks, rows, tools) -> list[str]:
    """The issue's targets, one line each: PASS/FAIL with the numbers."""
    out = []
    for k in looks:
        r = results[k]
        ours = {row: r[row].get("lutlearn") or {} for row in rows}
        for row in rows:
            o = ours[row]
            if o.get("mean") is None:
                out.append(f"FAIL {k} {row}: lutlearn produced no LUT")
                continue
            for t in tools:
                if t == "lutlearn" or not r[row].get(t) or r[row][t].get("mean") is None:
                    continue
                p = r[row][t]
                ok = o["mean"] < p["mean"] and o["p99"] < p["p99"]
                out.append(f"{'PASS' if ok else 'FAIL'} {k} {row}: best vs {t} "
                           f"({o['mean']:.2f}/{o['p99']:.1f} vs {p['mean']:.2f}/{p['p99']:.1f})")
        clean = ours.get("clean", {}).get("mean")
        if clean is not None:
            out.append(f"{'PASS' if clean <= 0.6 else 'FAIL'} {k} clean mean {clean:.2f} <= 0.6")
            for row, limit in (("crop", 0.3), ("half", 0.3), ("vignette", 0.5)):
                m = ours.get(row, {}).get("mean")
                if m is not None:
                    out.append(f"{'PASS' if m - clean <= limit else 'FAIL'} {k} {row} {m:.2f} within {limit} of "
                               f"clean {clean:.2f} (+{m - clean:.2f})")
    return out


# ----------------------------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--looks", default=",".join(DEFAULT_LOOKS), help="comma-separated look names (file stems)")
    ap.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated subset of {', '.join(ROWS)}")
    ap.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated subset of {', '.join(TOOLS)}")
    ap.add_argument("--rerun", default="", help="tools to rerun even when cached")
    ap.add_argument("--stride", type=int, default=3, help="score every Nth pixel in x and y")
    ap.add_argument("--cache", default=os.environ.get("LUTLEARN_EVAL_CACHE", "eval-pairs-cache"),
                    help="folder for damaged files and tool outputs ($LUTLEARN_EVAL_CACHE)")
    ap.add_argument("--peers-venv", default=os.environ.get("LUTLEARN_PEERS_VENV"),
                    help="scratch venv holding lut-estimator and lutsmith ($LUTLEARN_PEERS_VENV); "
                         "required unless --tools leaves both out")
    ap.add_argument("--lutlearn", default=str(Path(sys.executable).with_name("lutlearn")),
                    help="the lutlearn command to evaluate")
    ap.add_argument("--cpu-lock", choices=("none", "shared", "exclusive"), default="none",
                    help="take /tmp/lutlearn-cpu.lock around each tool run (exclusive: for timings to report); "
                         "the data making and scoring always take it shared unless 'none'")
    ap.add_argument("--exclusive-tools", default="lutlearn",
                    help="with --cpu-lock exclusive, the tools timed under the exclusive lock (others: shared)")
    ap.add_argument("--json", help="write all results here")
    for f in dataclasses.fields(Damage):
        if f.name in ("four", "grain_colour"):
            continue
        ap.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=f.default)
    ap.add_argument("--grain-colour", action="store_true", help="independent grain per channel (default: mono)")
    ap.add_argument("--four-photos", default=",".join(Damage.four))
    args = ap.parse_args(argv)
    args.rerun = set(filter(None, args.rerun.split(",")))
    d = Damage(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Damage) if f.name != "four"},
               four=tuple(args.four_photos.split(",")))
    looks = [s for s in args.looks.split(",") if s]
    rows = [s for s in args.rows.split(",") if s]
    tools = [s for s in args.tools.split(",") if s]
    bad = (set(rows) - set(ROWS)) | (set(tools) - set(TOOLS))
    if bad:
        ap.error(f"unknown rows/tools: {', '.join(sorted(bad))}")
    if set(tools) & {"lut-estimator", "lutsmith"} and not args.peers_venv:
        ap.error("--peers-venv (or $LUTLEARN_PEERS_VENV) is needed for the peers; or pass --tools lutlearn")
    cache = Path(args.cache)
    log = lambda m: print(m, file=sys.stderr, flush=True)
    shared = None if args.cpu_lock == "none" else "s"  # data making and scoring: the lock taken shared
    results, score_cache, smoothed = {}, {}, {}
    for look_name in looks:
        real = read_look(look_name)
        results[look_name] = {}
        score_cache.clear()
        with cpu_lock(shared):
            smoothed[look_name] = smoothed_score(real, {d.train}, args.stride, score_cache)
        for row in rows:
            with cpu_lock(shared):
                pairs, skip = make_row(look_name, real, row, d, cache)
            results[look_name][row] = {}
            for tool in tools:
                meta = run_tool(tool, pairs, cache / look_name / d.tag(row), args)
                cell = {"seconds": meta["seconds"], "rss_mb": meta["rss_mb"], "mean": None, "p99": None}
                if meta["cube"]:
                    with cpu_lock(shared):
                        cell["mean"], cell["p99"] = score(read_cube(Path(meta["cube"])), real, skip, args.stride,
                                                          score_cache)
                else:
                    cell["error"] = meta["log"].strip().splitlines()[-1:] if meta["log"].strip() else ["no output"]
                results[look_name][row][tool] = cell
                log(f"{look_name:26s} {row:9s} {tool:13s} {fmt(cell):14s} {meta['seconds']:7.1f} s "
                    f"{meta['rss_mb']:6.0f} MB")
        if args.json:
            Path(args.json).write_text(json.dumps({"damage": dataclasses.asdict(d), "results": results,
                                                   "smoothed": smoothed}, indent=1))
    print(f"ΔE2000 of each tool's 33³ .cube vs the real look on the other Kodak photos (every {args.stride}rd pixel); "
          f"damage {dataclasses.asdict(d)}\n")
    for look_name in looks:
        print(look_table(look_name, results, rows, tools, d, smoothed[look_name]) + "\n")
    print(f"**Summary over {len(looks)} looks** (ranges)\n")
    print(summary_table(results, looks, rows, tools, d) + "\n")
    print("\n".join(check_targets(results, looks, rows, tools)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
