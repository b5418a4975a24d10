"""Benchmark ``lutlearn apply``'s LUT stage against ffmpeg, OpenColorIO and Pillow, in one run.

What is measured (decode and encode excluded everywhere; only the LUT stage):

- the test image: 6000x4000 8-bit, a Kodak photo (kodim05) upscaled with
  bicubic and given Gaussian noise (sigma 1.5 codes, seed 0), so that it has
  camera-like numbers of distinct colours (printed);
- the look: RawTherapee's TealOrange Hald (the strongest look in shared/)
  resampled to 33^3 and written as a .cube on tmpfs; every tool reads that file;
- lutlearn: :func:`lutlearn.looks.render.render`, tetrahedral, 2 threads, from uint8
  codes in memory to uint8 codes in memory. "cold" builds the colour cache from
  nothing (the look is evaluated on every distinct colour of the image: the
  cost for a single photo); "warm" reuses it (a batch with one look);
- ffmpeg: ``lut3d`` with ``-threads 1 -filter_threads 1``, rawvideo rgb24 read
  from a file on tmpfs into the null muxer, 3 frames; its LUT stage is the
  time of that run minus the same run with the ``null`` filter, per frame;
- OpenColorIO: ``getDefaultCPUProcessor().applyRGB`` on the float32 image
  (tetrahedral); the float conversion is not timed;
- Pillow: ``Image.filter(ImageFilter.Color3DLUT)`` (trilinear: Pillow has no
  tetrahedral); ``Image.fromarray`` is not timed;
- 16-bit: the same image as uint16 (codes * 257) through ``render``;
- memory: a child process runs ``apply_to_file`` on a 100-Mpx JPEG (read,
  apply, write) and reports its peak resident memory (VmHWM).

Wall-clock throughput and CPU time (user + sys of all threads, ffmpeg's as a
child process) are both printed: on a shared 2-core machine the 2-thread
wall figures drop with other load, while CPU time per frame stays put.

Each timing is the best of ``--repeat`` runs. Figures are printed as Mpx/s and
as ratios to the baselines measured in this same run.

    $ python scripts/bench_apply.py            # ~1-2 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from lutlearn.looks.look import LatticeLook
from lutlearn.looks.render import ColourCache, render
from lutlearn.luts import read_lut
from lutlearn.luts.cube import read_cube, write_cube
from lutlearn.luts.lut import LUT3D

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
W, H = 6000, 4000


def best(fn, repeat: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and its children) of the fastest of ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        c0, t = _cpu(), time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t, _cpu() - c0))
    return min(runs)


def _cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def make_inputs(tmp: Path):
    photo = Image.open(SHARED / "photos" / "kodim05.png").convert("RGB").resize((W, H), Image.BICUBIC)
    noisy = np.asarray(photo, np.float32) + np.random.default_rng(0).normal(0, 1.5, (H, W, 3)).astype(np.float32)
    image = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
    hald = read_lut(SHARED / "luts" / "rt_creative_teal_orange1.png")
    cube = write_cube(LUT3D.bake(hald.apply, 33, title="teal_orange_33"), tmp / "look33.cube")
    return image, cube


def ffmpeg_seconds(cube: Path, raw: Path, repeat: int, frames: int = 3) -> float:
    exe = shutil.which("ffmpeg")

    def run(vf):
        cmd = [exe, "-v", "error", "-threads", "1", "-filter_threads", "1", "-stream_loop", str(frames - 1),
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-i", str(raw),
               "-vf", vf, "-f", "null", "-"]
        return lambda: subprocess.run(cmd, check=True)

    lut = best(run(f"lut3d=file={cube}:interp=tetrahedral"), repeat)
    null = best(run("null"), repeat)
    return (lut[0] - null[0]) / frames, (lut[1] - null[1]) / frames


def ocio_seconds(cube: Path, image: np.ndarray, repeat: int):
    import PyOpenColorIO as ocio

    transform = ocio.FileTransform(src=str(cube), interpolation=ocio.INTERP_TETRAHEDRAL)
    cpu = ocio.Config.CreateRaw().getProcessor(transform).getDefaultCPUProcessor()
    floats = image.reshape(-1, 3).astype(np.float32) / np.float32(255)
    work = floats.copy()

    def run():
        work[...] = floats  # (memcpy, ~1% of the run) so each run starts from the input
        cpu.applyRGB(work)

    return best(run, repeat), work


def pillow_seconds(cube: Path, image: np.ndarray, repeat: int) -> float:
    lut = read_cube(cube)
    flt = ImageFilter.Color3DLUT(lut.size, lut.table, channels=3)
    im = Image.fromarray(image)
    return best(lambda: im.filter(flt), repeat)


def memory_peak_mb(cube: Path, tmp: Path, image: np.ndarray) -> tuple[float, int]:
    """Peak RSS of a child applying the look to a ~100-Mpx JPEG."""
    big = Image.fromarray(image).resize((12248, 8165), Image.BILINEAR)
    src = tmp / "big.jpg"
    big.save(src, quality=90)
    pixels = big.width * big.height
    del big
    # VmHWM is the child's own peak; getrusage's ru_maxrss would also count the parent's pages
    # that the child held between fork and exec
    code = ("import sys; from lutlearn.looks import apply_to_file, resolve_look; "
            "apply_to_file(sys.argv[1], resolve_look(sys.argv[2]), sys.argv[3]); "
            "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])")
    done = subprocess.run([sys.executable, "-c", code, str(src), str(cube), str(tmp / "big_out.jpg")],
                          check=True, capture_output=True, text=True)
    return int(done.stdout.split()[-1]) / 1024, pixels


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-memory", action="store_true", help="skip the 100-Mpx memory run")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench_apply_", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    try:
        run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp: Path):
    image, cube = make_inputs(tmp)
    mpx = W * H / 1e6
    raw = tmp / "image.rgb"
    image.tofile(raw)
    look = LatticeLook(read_cube(cube))
    distinct = np.unique(image.reshape(-1, 3).view(np.dtype((np.void, 3)))).size
    print(f"image {W}x{H} 8-bit ({mpx:.0f} Mpx, {distinct:,} distinct colours); look 33^3 .cube, tetrahedral")
    print("LUT stage only: decode/encode excluded; best of", args.repeat, "runs; CPU = user+sys of all threads\n")

    render(image[:64], look.apply)  # warm-up (imports, first allocations)
    ours: dict[str, tuple[float, float]] = {}
    cache = ColourCache(look.apply)
    ours["lutlearn 8-bit cold, 2 threads"] = best(lambda: render(image, look.apply, threads=2), args.repeat)
    ours["lutlearn 8-bit cold, 1 thread"] = best(lambda: render(image, look.apply, threads=1), args.repeat)
    result = render(image, look.apply, cache=cache)
    ours["lutlearn 8-bit warm, 2 threads"] = best(lambda: render(image, look.apply, cache=cache, threads=2), args.repeat)
    image16 = image.astype(np.uint16) * np.uint16(257)
    ours["lutlearn 16-bit, 2 threads"] = best(lambda: render(image16, look.apply, threads=2), args.repeat)
    del image16

    ffmpeg = ffmpeg_seconds(cube, raw, args.repeat)
    ocio, ocio_out = ocio_seconds(cube, image, args.repeat)
    pillow = pillow_seconds(cube, image, args.repeat)
    base = {"ffmpeg lut3d tetrahedral, 1 thread": ffmpeg, "OpenColorIO CPU tetrahedral (float32)": ocio,
            "Pillow Color3DLUT (trilinear)": pillow}

    print(f"{'':40s} {'Mpx/s':>7s} {'x ffmpeg':>9s} {'x OCIO':>7s} {'x Pillow':>9s} {'CPU ms':>8s} {'CPU x ffmpeg':>13s}")
    for name, (sec, cpu) in {**base, **ours}.items():
        print(f"{name:40s} {mpx / sec:7.1f} {ffmpeg[0] / sec:9.2f} {ocio[0] / sec:7.2f} {pillow[0] / sec:9.2f}"
              f" {cpu * 1e3:8.0f} {ffmpeg[1] / cpu:13.2f}")

    diff = np.abs(result.reshape(-1, 3).astype(np.float32) - ocio_out * 255)
    print(f"\nmax |lutlearn 8-bit - OpenColorIO float| = {diff.max():.3f} codes (mean {diff.mean():.3f}; target <= 1)")
    cold, s16 = ours["lutlearn 8-bit cold, 2 threads"], ours["lutlearn 16-bit, 2 threads"]
    print(f"targets: 8-bit cold >= 3x ffmpeg: {ffmpeg[0] / cold[0]:.2f}x (wall), {ffmpeg[1] / cold[1]:.2f}x (CPU); "
          f"16-bit >= 25 Mpx/s: {mpx / s16[0]:.1f} (wall), {2 * mpx / s16[1]:.1f} (2 cores' CPU)")
    load = open("/proc/loadavg").read().split()[0] if Path("/proc/loadavg").exists() else "?"
    print(f"load average during the run: {load} (this machine has 2 cores; wall-clock figures of the "
          "2-thread runs fall when other processes use the cores, CPU figures much less)")
    if not args.no_memory:
        peak, pixels = memory_peak_mb(cube, tmp, image)
        print(f"apply_to_file on a {pixels / 1e6:.0f}-Mpx JPEG (read + apply + write): peak RSS {peak:.0f} MB "
              f"(target < 1500 MB)")


if __name__ == "__main__":
    main()
