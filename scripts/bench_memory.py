"""Peak memory of the CLI on hostile and at-the-limit inputs (the issue-12 targets), as a table.

    python scripts/bench_memory.py [--quick] [--keep DIR]

Each case runs ``python -m lutlearn.cli ...`` of this checkout in a fresh
process; its peak RSS is the kernel's high-water mark (``VmHWM``), read from
``/proc`` until it exits. Inputs are generated (small on disk, whatever they
declare) by the hostile corpus's generators. Targets: rejecting a 2-MB file that
declares 2 GiB <= 200 MB; applying a look to the largest image the default
limit allows <= 1.5 GB (1536 MiB).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile import corpus  # noqa: E402

LOOK = corpus.cube_text(2, [f"{b} {g} {r}" for b in (0, 1) for g in (0, 1) for r in (0, 1)])


def _rgba_row(width: int, bits: int) -> bytes:
    import numpy as np

    dtype = ">u2" if bits == 16 else "u1"
    rgb = np.frombuffer(corpus.gradient_row(width, 3, bits), dtype).reshape(width, 3)
    alpha = np.full((width, 1), 60000 if bits == 16 else 200, rgb.dtype)
    return np.concatenate([rgb, alpha], axis=1).astype(dtype).tobytes()


def _inputs(quick: bool) -> dict:
    """{file name: bytes maker}; the at-limit images are 100 Mpx (75 Mpx for 16-bit RGBA, 8 bytes a pixel)."""
    files = {"photo.png": corpus.small_png, "look.cube": lambda: LOOK.encode(),
             "decl2g.npz": lambda: corpus.npz_declaring("w0", 2 << 30),
             "huge441.png": lambda: corpus.png_declared(21000, 21000),
             "big128.cube": lambda: corpus.cube_constant(128),
             "hald17.png": lambda: corpus.png_declared(4913, 4913)}
    if not quick:
        w = 10000
        files.update({
            "lim8.png": lambda: corpus.png_declared(w, w, row=corpus.gradient_row(w)),
            "lim16.png": lambda: corpus.png_declared(w, w, bit_depth=16, row=corpus.gradient_row(w, 3, 16)),
            "lim8a.png": lambda: corpus.png_declared(w, w, colour="rgba", row=_rgba_row(w, 8)),
            "lim16a.png": lambda: corpus.png_declared(w, 7500, bit_depth=16, colour="rgba", row=_rgba_row(w, 16)),
            "lim16.tif": lambda: corpus.tiff_uncompressed(w, w, bits=16, row=corpus.gradient_row(w, 3, 16))})
    return files


CASES = [  # (label, arguments)
    ("bake a 2-MB .npz declaring 2 GiB", ["bake", "decl2g.npz", "-o", "out/x.cube"]),
    ("apply --look a 2-MB .npz declaring 2 GiB", ["apply", "photo.png", "--look", "decl2g.npz", "-o", "out/x.png"]),
    ("apply a 1.3-MB PNG of 441 Mpx", ["apply", "huge441.png", "--look", "look.cube", "-o", "out/h.png"]),
    ("apply --look a 57-MB 128^3 .cube", ["apply", "photo.png", "--look", "big128.cube", "-o", "out/c.png"]),
    ("apply --look a 4913x4913 PNG (Hald level 17)", ["apply", "photo.png", "--look", "hald17.png", "-o", "out/k.png"]),
    ("apply a 100-Mpx 8-bit RGB PNG", ["apply", "lim8.png", "--look", "look.cube", "-o", "out/l8.png"]),
    ("apply a 100-Mpx 16-bit RGB PNG", ["apply", "lim16.png", "--look", "look.cube", "-o", "out/l16.png"]),
    ("apply a 100-Mpx 8-bit RGBA PNG", ["apply", "lim8a.png", "--look", "look.cube", "-o", "out/a8.png"]),
    ("apply a 75-Mpx 16-bit RGBA PNG", ["apply", "lim16a.png", "--look", "look.cube", "-o", "out/a16.png"]),
    ("apply a 100-Mpx 16-bit uncompressed TIFF", ["apply", "lim16.tif", "--look", "look.cube", "-o", "out/t16.tif"]),
]


def peak_rss(args, cwd) -> tuple[float, float, int, str]:
    """(peak RSS MiB, seconds, exit status, last stderr line) of ``python -m lutlearn.cli ARGS``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JAX_PLATFORMS": "cpu", "LUTLEARN_DATA_DIR": str(cwd / "data")}
    t0, peak = time.perf_counter(), 0.0
    with open(cwd / "err.txt", "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "lutlearn.cli", *args], cwd=cwd, env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        while proc.poll() is None:
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
                peak = max(peak, int(status.split("VmHWM:")[1].split()[0]) / 1024)
            except (OSError, IndexError, ValueError):
                pass
            time.sleep(0.005)
    lines = (cwd / "err.txt").read_text(errors="replace").strip().splitlines()
    return peak, time.perf_counter() - t0, proc.returncode, lines[-1][:100] if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the rejections (no 100-Mpx files)")
    parser.add_argument("--keep", type=Path, help="make the inputs in this folder and keep them")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = opts.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        files = _inputs(opts.quick)
        for name, make in files.items():
            if not (work / name).exists():
                (work / name).write_bytes(make())
        for label, args in CASES:
            if args[1] not in files:
                continue
            (work / "out").mkdir(exist_ok=True)
            for p in (work / "out").iterdir():
                p.unlink()
            mb, seconds, rc, said = peak_rss(args, work)
            print(f"{label:46s} exit {rc:<3d} peak {mb:6.0f} MiB {seconds:6.1f} s  {said}", flush=True)


if __name__ == "__main__":
    main()
