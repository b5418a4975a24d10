"""Helpers of the cluster tests: photos cut from the Kodak set, and a real Ray cluster on 127.0.0.1.

The cluster is started with ``ray start --head --block`` on 127.0.0.1 with 2
CPUs and authentication off (loopback only), and stopped by terminating that
one process, which takes its raylet, GCS and workers with it; whatever it
started and is still alive after 10 s is killed by pid (see :func:`stop`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from tests.shared import PHOTOS

RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


def make_photos(folder: Path, count: int, *, side: int = 160, seed: int = 0, kinds=("jpg", "png")) -> list[Path]:
    """``count`` small photos cut from the Kodak set: a crop, maybe a flip, a resize; JPEG and 8-bit PNG."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(PHOTOS.glob("kodim*.png"))
    rng = np.random.default_rng(seed)
    out = []
    for n in range(count):
        with Image.open(sources[n % len(sources)]) as im:
            w, h = im.size
            cw, ch = int(w * rng.uniform(0.5, 1)), int(h * rng.uniform(0.5, 1))
            x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            crop = im.convert("RGB").crop((x, y, x + cw, y + ch))
            if rng.random() < 0.5:
                crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
            crop.thumbnail((side, side))
            kind = kinds[n % len(kinds)]
            path = folder / f"photo{n:04d}.{kind}"
            crop.save(path, quality=90) if kind == "jpg" else crop.save(path)
            out.append(path)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster(NamedTuple):
    """The test cluster: its GCS address and the pid of the ``ray start --block`` process that owns it."""

    address: str
    pid: int


def start_cluster(cpus: int = 2) -> tuple[Cluster, subprocess.Popen]:
    """A Ray head node on 127.0.0.1 with ``cpus`` CPUs, ready for drivers (RAY_ENV must be in os.environ)."""
    port = _free_port()
    ray = str(Path(sys.executable).with_name("ray"))
    cmd = [ray, "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}", f"--num-cpus={cpus}",
           "--include-dashboard=false", "--disable-usage-stats"]
    proc = subprocess.Popen(cmd, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # its own process group
    address = f"127.0.0.1:{port}"
    try:
        _wait_ready(address, proc, cpus)
    except BaseException:
        stop(proc)
        raise
    return Cluster(address, proc.pid), proc


def stop(proc) -> None:
    """Stop the cluster: terminate ``ray start`` (it stops its raylet and GCS), then make sure that every
    process it started is gone (Ray's detached actors run in their own process groups and linger for seconds;
    its RuntimeEnvAgent can ignore SIGTERM for half a minute).
    """
    family = _descendants(proc.pid)
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 10
    while family and time.monotonic() < deadline:
        family = [pid for pid in family if _alive(pid)]
        time.sleep(0.2)
    for pid in family:  # by pid: only processes this fixture's cluster started
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _descendants(root: int) -> list[int]:
    """Every live process below ``root``."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parents[int(entry.name)] = _parent(int(entry.name))
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _wait_ready(address: str, proc, cpus: int, timeout: float = 120) -> None:
    """Until a driver can connect and see ``cpus`` CPUs."""
    import ray

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"ray start exited with {proc.returncode}")
        try:
            ray.init(address=address, logging_level="ERROR", log_to_driver=False)
            try:
                if ray.cluster_resources().get("CPU") == cpus:
                    return
            finally:
                ray.shutdown()
        except ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"no Ray cluster at {address} after {timeout} s")
        time.sleep(0.5)


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[1])


def worker_pids(cluster: Cluster, title: str) -> list[int]:
    """Pids of this cluster's processes (descendants of its ``ray start``) whose title starts with ``title``.

    Ray names a worker after what it runs: ``ray::ScoreWorker`` for an actor, ``ray::apply_chunk``
    while a task runs.
    """
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if not name.startswith(title):
            continue
        pid, hops = int(entry.name), 0
        while pid > 1 and hops < 20:
            pid, hops = _parent(pid), hops + 1
            if pid == cluster.pid:
                pids.append(int(entry.name))
                break
    return pids
