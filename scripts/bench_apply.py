"""Benchmark ``lutlearn apply`` against ffmpeg: the LUT stage and the whole process, in one run.

Inputs, made in a temp folder (tmpfs when there is one), never in the repository:

- the look: RawTherapee's TealOrange Hald (shared/data/luts) resampled to 33^3
  and written as a .cube; every tool reads that file;
- photos: shared Kodak photos upscaled to 6000x4000 with bicubic and given
  Gaussian noise (sigma 1.5 codes), so that they have camera-like numbers of
  distinct colours (~1.4 M at 8 bits; nearly all distinct at 16): a 4:2:0
  quality-92 JPEG, an 8-bit PNG, a 16-bit uncompressed TIFF (each with ICC,
  EXIF and 300 dpi) and a batch of eight different JPEGs.

What is timed (wall clock, best of ``--repeat``; the CPU time is printed too):

- **LUT stage**, in memory, decode and encode excluded: ``render`` on 8-bit
  codes with a cold colour cache (one photo's cost; 2 threads, 1 thread, and
  the cache filled by the compiled kernel) and on 16-bit codes (the compiled
  kernel; the numpy kernel by code tables, what a fresh process uses, and the
  general per-pixel numpy path, each on 2 threads); ffmpeg's ``lut3d``
  (``-threads 1``) on rawvideo from tmpfs, as (run with lut3d - same run with
  ``null``) per frame, 3 frames.
- **Whole process**: ``lutlearn apply IN --look look.cube -o OUT`` as a fresh
  process (start-up, imports, decode, apply, encode) against ``ffmpeg -threads
  1 -filter_threads 1 -noautorotate -i IN -vf lut3d=... OUT`` (JPEG ``-q:v 2``;
  TIFF ``-pix_fmt rgb48le -compression_algo raw``, uncompressed like its input);
  the batch of eight with ``--out-dir`` against ffmpeg run two at a time.
  In-process figures (``apply_to_file`` / ``apply_batch`` with the imports done
  and the kernel compiled: what a long-lived caller sees) are printed beside them.
- **Memory**: peak RSS (``/usr/bin/time %M``) of ``lutlearn apply`` on a
  100-Mpx JPEG and a 100-Mpx 16-bit TIFF.

    $ flock -x /tmp/lutlearn-cpu.lock .venv/bin/python scripts/bench_apply.py     # ~4 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from lutlearn.looks.apply import apply_batch, apply_to_file
from lutlearn.looks.look import LatticeLook
from lutlearn.looks.render import render
from lutlearn.luts import read_lut
from lutlearn.luts.cube import write_cube
from lutlearn.luts.lut import LUT3D

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
W, H = 6000, 4000
BIG = (12247, 8165)  # 100 Mpx (99.997 M: the default limit is 100 M)


def cpu_model() -> str:
    """CPU model, CPUs and cache sizes (lscpu), and the hypervisor if any."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown CPU"
    info = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}
    return (f"{info.get('Model name', '?')} (family {info.get('CPU family', '?')}), {os.cpu_count()} CPUs, "
            f"L2 {info.get('L2 cache', '?')}, L3 {info.get('L3 cache', '?')}, "
            f"{info.get('Hypervisor vendor', 'no')} hypervisor")


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def best(fn, repeat: int) -> tuple[float, float]:
    """(wall s, CPU s of this process and its children) of the fastest of ``repeat`` runs of ``fn``."""
    runs = []
    for _ in range(repeat):
        c, t = _cpu(), time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t, _cpu() - c))
    return min(runs)


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def photo(index: int, width: int = W, height: int = H, *, bits: int = 8, seed: int = 0) -> np.ndarray:
    """Kodak photo ``index`` upscaled to (height, width) with bicubic, plus Gaussian noise (1.5 codes of 8 bits)."""
    import cv2
    from PIL import Image

    src = np.asarray(Image.open(SHARED / "photos" / f"kodim{index:02d}.png").convert("RGB"), np.float32)
    top = 255.0 if bits == 8 else 65535.0
    big = cv2.resize(src * np.float32(top / 255.0), (width, height), interpolation=cv2.INTER_CUBIC)
    rng = np.random.default_rng(seed * 100 + index)
    for row in range(0, height, 512):  # in bands: no full-size float noise array
        band = big[row : row + 512]
        band += rng.standard_normal(band.shape, dtype=np.float32) * np.float32(1.5 * top / 255.0)
    np.clip(np.rint(big, out=big), 0, top, out=big)
    return big.astype(np.uint8 if bits == 8 else np.uint16)


def metadata() -> dict:
    """An sRGB ICC profile, EXIF (orientation 6, make, model, date) and 300 dpi."""
    from PIL import Image, ImageCms

    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F], exif[0x0110], exif[0x0132] = "lutlearn-bench", "Kodak upscaled", "2026:11:30 12:00:00"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return {"icc_profile": icc, "exif": exif.tobytes(), "dpi": (300.0, 300.0)}


def write_inputs(tmp: Path, batch: int = 8) -> dict:
    import tifffile
    from PIL import Image

    meta = metadata()
    jpeg = dict(quality=92, subsampling=2, **meta)
    files = {"batch": []}
    for k in range(batch):
        files["batch"].append(tmp / f"batch_{k:02d}.jpg")
        Image.fromarray(photo(k + 1, seed=1)).save(files["batch"][-1], **jpeg)
    img8 = photo(5)
    Image.fromarray(img8).save(tmp / "photo.jpg", **jpeg)
    Image.fromarray(img8).save(tmp / "photo.png", compress_level=6, **meta)
    tifffile.imwrite(tmp / "photo16.tif", photo(5, bits=16), photometric="rgb", compression=None, metadata=None,
                     iccprofile=meta["icc_profile"], resolution=(300.0, 300.0), resolutionunit="INCH",
                     extratags=[(274, "H", 1, 6, True)])
    hald = read_lut(SHARED / "luts" / "rt_creative_teal_orange1.png")
    lut = LUT3D.bake(hald.apply, 33, title="teal_orange_33")
    return {**files, "jpeg": tmp / "photo.jpg", "png": tmp / "photo.png", "tiff16": tmp / "photo16.tif",
            "cube": write_cube(lut, tmp / "look33.cube"), "lut": lut, "img8": img8}


# --------------------------------------------------------------------------- LUT stage


def ffmpeg_lut_stage(cube: Path, raw: Path, fmt: str, repeat: int, frames: int = 3) -> tuple[float, float]:
    def cmd(vf):
        return ["ffmpeg", "-v", "error", "-threads", "1", "-filter_threads", "1", "-stream_loop", str(frames - 1),
                "-f", "rawvideo", "-pix_fmt", fmt, "-s", f"{W}x{H}", "-i", str(raw), "-vf", vf, "-f", "null", "-"]

    lut = best(lambda: run(cmd(f"lut3d=file={cube}:interp=tetrahedral")), repeat)
    null = best(lambda: run(cmd("null")), repeat)
    return (lut[0] - null[0]) / frames, (lut[1] - null[1]) / frames


def lut_stage(files: dict, tmp: Path, repeat: int) -> dict:
    look = LatticeLook(files["lut"], engine="compiled")
    kernel = look.kernel()
    img8, img16 = files["img8"], photo(5, bits=16)
    out8, out16 = np.empty_like(img8), np.empty_like(img16)
    render(img16, look.apply, kernel=kernel, out=out16)  # compile the strip shapes once
    render(img8, look.apply, kernel=kernel, out=out8)
    res = {
        "8-bit cold, 2 threads": best(lambda: render(img8, look.apply, threads=2, out=out8), repeat),
        "8-bit cold, 1 thread": best(lambda: render(img8, look.apply, threads=1, out=out8), repeat),
        "8-bit cold, 2 threads, compiled fill": best(
            lambda: render(img8, look.apply, threads=2, kernel=kernel, out=out8), repeat),
        "16-bit, compiled kernel": best(lambda: render(img16, look.apply, kernel=kernel, out=out16), repeat),
        "16-bit, numpy code tables, 2 threads": best(
            lambda: render(img16, look.apply, threads=2, kernel=look.tabulated(), out=out16), repeat),
        "16-bit, numpy per pixel, 2 threads": best(lambda: render(img16, look.apply, threads=2, out=out16), 1),
    }
    img8.tofile(tmp / "i8.rgb")
    img16.astype("<u2").tofile(tmp / "i16.rgb")
    res["ffmpeg lut3d 8-bit, 1 thread"] = ffmpeg_lut_stage(files["cube"], tmp / "i8.rgb", "rgb24", repeat)
    res["ffmpeg lut3d 16-bit, 1 thread"] = ffmpeg_lut_stage(files["cube"], tmp / "i16.rgb", "rgb48le", repeat)
    (tmp / "i8.rgb").unlink()
    (tmp / "i16.rgb").unlink()
    return res


# --------------------------------------------------------------------------- whole process


def ffmpeg_cmd(cube: Path, src: Path, dst: Path) -> list[str]:
    extra = {".tif": ["-pix_fmt", "rgb48le", "-compression_algo", "raw"], ".jpg": ["-q:v", "2"], ".png": []}
    return ["ffmpeg", "-v", "error", "-y", "-threads", "1", "-filter_threads", "1", "-noautorotate", "-i", str(src),
            "-vf", f"lut3d=file={cube}:interp=tetrahedral", *extra[src.suffix], "-frames:v", "1", "-update", "1",
            str(dst)]


def lutlearn_cmd(cube: Path, srcs: list[Path], dst: Path) -> list[str]:
    exe = Path(sys.executable).with_name("lutlearn")
    head = [str(exe)] if exe.is_file() else [sys.executable, "-c", "import sys; from lutlearn.cli import main; main()"]
    tail = ["-o", str(dst)] if len(srcs) == 1 else ["--out-dir", str(dst)]
    return [*head, "apply", *map(str, srcs), "--look", str(cube), *tail, "--overwrite"]


def whole_process(files: dict, tmp: Path, repeat: int) -> list:
    cube, out = files["cube"], tmp / "out"
    out.mkdir(exist_ok=True)
    look = LatticeLook(files["lut"])
    rows = []
    for name, key in [("8-bit JPEG 24 Mpx", "jpeg"), ("8-bit PNG 24 Mpx", "png"),
                      ("16-bit TIFF 24 Mpx, uncompressed", "tiff16")]:
        src = files[key]
        ours_dst, ff_dst = out / f"ours{src.suffix}", out / f"ffmpeg{src.suffix}"
        fresh = best(lambda s=src, d=ours_dst: run(lutlearn_cmd(cube, [s], d)), repeat)
        apply_to_file(src, look, ours_dst, overwrite=True)  # warm: imports, compiled kernel
        warm = best(lambda s=src, d=ours_dst: apply_to_file(s, look, d, overwrite=True), repeat)
        ffmpeg = best(lambda s=src, d=ff_dst: run(ffmpeg_cmd(cube, s, d)), repeat)
        note = f"out {ours_dst.stat().st_size / 1e6:.1f} MB (ffmpeg {ff_dst.stat().st_size / 1e6:.1f} MB)"
        rows.append((name, fresh, warm, ffmpeg, note))
    batch = files["batch"]
    fresh = best(lambda: run(lutlearn_cmd(cube, batch, out / "batch")), repeat)
    pairs = [(p, out / "batch" / p.name) for p in batch]
    warm = best(lambda: apply_batch(pairs, look, overwrite=True), repeat)

    def ffmpeg_two_at_a_time():
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda p: run(ffmpeg_cmd(cube, p, out / f"ff_{p.name}")), batch))

    ffmpeg = best(ffmpeg_two_at_a_time, repeat)
    rows.append((f"batch of {len(batch)} JPEGs 24 Mpx", fresh, warm, ffmpeg, "2 files at a time, both"))
    return rows


def memory_peaks(tmp: Path, cube: Path) -> list[tuple[str, float]]:
    """Peak RSS (MB) of ``lutlearn apply`` on a 100-Mpx JPEG and a 100-Mpx 16-bit TIFF (uncompressed)."""
    import tifffile
    from PIL import Image

    Image.fromarray(photo(5, *BIG)).save(tmp / "big.jpg", quality=90)
    tifffile.imwrite(tmp / "big16.tif", photo(5, *BIG, bits=16), photometric="rgb")
    peaks = []
    for name in ("big.jpg", "big16.tif"):
        cmd = ["/usr/bin/time", "-f", "%M", *lutlearn_cmd(cube, [tmp / name], tmp / f"out_{name}")]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        peaks.append((name, int(done.stderr.split()[-1]) / 1024))
        (tmp / name).unlink()
        (tmp / f"out_{name}").unlink()
    return peaks


# --------------------------------------------------------------------------- report


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-memory", action="store_true", help="skip the 100-Mpx memory runs")
    parser.add_argument("--only", choices=["lut", "whole"], help="run one section")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench_apply_", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    try:
        report(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(args, tmp: Path) -> None:
    print(f"CPU: {cpu_model()}")
    print(f"load average at start: {load()}; best of {args.repeat}")
    t = time.perf_counter()
    files = write_inputs(tmp)
    print(f"inputs made in {time.perf_counter() - t:.0f} s; look: 33^3 .cube, tetrahedral\n")
    mpx = W * H / 1e6
    if args.only in (None, "lut"):
        res = lut_stage(files, tmp, args.repeat)
        print(f"LUT stage, {W}x{H} in memory          wall ms   Mpx/s  x ffmpeg (1 thread)   CPU ms")
        for name, (sec, cpu) in res.items():
            ref = res["ffmpeg lut3d 16-bit, 1 thread" if "16" in name else "ffmpeg lut3d 8-bit, 1 thread"][0]
            print(f"  {name:38s} {sec * 1e3:7.0f} {mpx / sec:7.1f} {ref / sec:10.2f}x {cpu * 1e3:15.0f}")
        cold, s16 = res["8-bit cold, 2 threads"][0], res["16-bit, compiled kernel"][0]
        print(f"  targets: 8-bit cold >= 3x ffmpeg: {res['ffmpeg lut3d 8-bit, 1 thread'][0] / cold:.2f}x; "
              f"16-bit >= 60 Mpx/s: {mpx / s16:.0f} Mpx/s\n")
    del files["img8"]
    if args.only in (None, "whole"):
        rows = whole_process(files, tmp, args.repeat)
        print("Whole process (decode + apply + encode)  lutlearn: fresh / in-process    ffmpeg    x ffmpeg "
              "(fresh / in-process)")
        for name, fresh, warm, ffmpeg, note in rows:
            print(f"  {name:36s} {fresh[0]:7.2f} s / {warm[0]:5.2f} s  {ffmpeg[0]:7.2f} s  {ffmpeg[0] / fresh[0]:6.2f}x /"
                  f" {ffmpeg[0] / warm[0]:5.2f}x   CPU {fresh[1]:.2f} / {ffmpeg[1]:.2f} s; {note}")
        print("  targets (fresh): 16-bit TIFF >= 1.5x, one JPEG >= 1.2x, batch of 8 >= 1.5x\n")
    if not args.no_memory and args.only is None:
        for name, peak in memory_peaks(tmp, files["cube"]):
            print(f"peak RSS, lutlearn apply on a 100-Mpx {name}: {peak:.0f} MB (target <= 1500 MB)")
    print(f"load average at end: {load()}")


if __name__ == "__main__":
    main()
