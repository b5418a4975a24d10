"""Connect to a Ray cluster for the length of one job, or start one on this machine.

The cluster is named by ``--cluster ADDRESS`` or ``$LUTLEARN_CLUSTER``:

- ``local``: start Ray inside this process, on 127.0.0.1 only, with this
  machine's CPUs (``local:N`` for N of them); it stops when the job ends;
- ``HOST:PORT``: the GCS address of a running cluster (``ray start --head``
  prints it; port 6379 by default);
- ``ray://HOST:PORT``: a Ray Client server (port 10001);
- ``auto``: the cluster this machine is a node of (``ray start`` ran here).

Ray waits minutes for an address that does not answer, so
:func:`connect` first knocks: a TCP connection and the HTTP/2 greeting that
every gRPC server (a GCS, a Ray Client server) answers, within
:data:`PROBE_TIMEOUT` seconds. An unreachable address is then one line,
at once, before anything is written.

A cluster with token authentication (Ray >= 2.52 starts so by default) needs
``RAY_AUTH_MODE=token`` and its token (``RAY_AUTH_TOKEN`` or
``~/.ray/auth_token``) in the driver's environment; Ray's own variables pass
through unchanged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import ipaddress
import logging
import os
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

from lutlearn.errors import LutlearnError

__all__ = ["ENV_VAR", "PROBE_TIMEOUT", "ClusterInfo", "cluster_address", "connect", "probe"]

ENV_VAR = "LUTLEARN_CLUSTER"
PROBE_TIMEOUT = 5.0
_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # + empty SETTINGS
_LOOPBACK_SWITCH = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"  # "0": Ray keeps 127.0.0.1 instead of the host's address


@dataclasses.dataclass(frozen=True)
class ClusterInfo:
    """What the job found when it connected.

    Attributes:
        address: as given ("local", "HOST:PORT", ...).
        cpus, gpus: the cluster's total CPUs and GPUs.
        nodes: live nodes.
    """

    address: str
    cpus: float
    gpus: float
    nodes: int


def cluster_address(option: str | None = None) -> str | None:
    """The cluster to use: ``option`` (``--cluster``), else ``$LUTLEARN_CLUSTER``, else None (one machine).

    >>> cluster_address("local")
    'local'
    """
    value = option if option is not None else os.environ.get(ENV_VAR, "")
    return value.strip() or None


def _host_port(address: str) -> tuple[str, int]:
    """'HOST:PORT', 'HOST', '[v6]:PORT' or 'ray://HOST:PORT' -> (host, port)."""
    default = 10001 if address.startswith("ray://") else 6379
    parts = urlsplit(address if "://" in address else f"//{address}")
    try:
        host, port = parts.hostname, parts.port or default
    except ValueError:
        host = None
    if not host:
        raise LutlearnError(f"--cluster {address!r}: expected local, auto, HOST:PORT or ray://HOST:PORT")
    return host, port


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def probe(address: str, timeout: float = PROBE_TIMEOUT) -> None:
    """Make sure a gRPC server (a Ray GCS or Ray Client server) answers at ``address``.

    Raises:
        LutlearnError: refused, unreachable, no answer within ``timeout``, or
            not a gRPC server; one line naming the address.
    """
    host, port = _host_port(address)
    prefix = f"cannot reach a Ray cluster at {address}"
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            conn.sendall(_HTTP2_PREFACE)
            head = conn.recv(9)
    except TimeoutError:
        raise LutlearnError(f"{prefix}: no answer within {timeout:g} s") from None
    except OSError as e:
        raise LutlearnError(f"{prefix} ({e.strerror or e})") from None
    if len(head) < 9 or head[3] != 0x04:  # an HTTP/2 server's first frame is SETTINGS (type 4)
        raise LutlearnError(f"{prefix}: something answers there, but not Ray")


def _init_kwargs(address: str) -> dict:
    """ray.init arguments for an address; sets Ray's loopback switch when the cluster is on this machine."""
    quiet = dict(logging_level=logging.ERROR, log_to_driver=False)
    if address == "local" or address.startswith("local:"):
        cpus = address.partition(":")[2]
        if cpus and not cpus.isdigit():
            raise LutlearnError(f"--cluster {address!r}: expected local or local:N (N CPUs)")
        _keep_loopback()
        return dict(address="local", num_cpus=int(cpus) if cpus else None, include_dashboard=False,
                    _node_ip_address="127.0.0.1", **quiet)
    if address != "auto":
        probe(address)
        if _is_loopback(_host_port(address)[0]):
            _keep_loopback()
    return dict(address=address, **quiet)


def _keep_loopback() -> None:
    """Ray replaces 127.0.0.1 by the host's network address unless told not to (read when Ray is imported)."""
    os.environ[_LOOPBACK_SWITCH] = "0"
    import sys

    constants = sys.modules.get("ray._private.ray_constants")
    if constants is not None and hasattr(constants, "ENABLE_RAY_CLUSTER"):  # Ray already imported
        constants.ENABLE_RAY_CLUSTER = False


@contextlib.contextmanager
def connect(address: str) -> Iterator[ClusterInfo]:
    """Connect to (or start) the cluster for the body of a ``with``; disconnect (or stop it) after.

    If this process is already connected (a caller ran ``ray.init``), that
    connection is used and left open.

    Raises:
        LutlearnError: the address is malformed or unreachable, or Ray refuses
            the connection (e.g. a missing token); one line.
    """
    if importlib.util.find_spec("ray") is None:
        raise LutlearnError("--cluster needs Ray on this machine and on the cluster's nodes: "
                            "pip install 'lutlearn[cluster]'")
    kwargs = _init_kwargs(address)  # before Ray is imported: it reads the loopback switch then
    import ray

    owned = not ray.is_initialized()
    if owned:
        try:
            ray.init(**kwargs)
        except (ConnectionError, RuntimeError, ValueError, TimeoutError) as e:
            reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise LutlearnError(f"cannot connect to the Ray cluster at {address} ({reason})") from None
    try:
        resources = ray.cluster_resources()
        nodes = sum(1 for n in ray.nodes() if n.get("Alive"))
        yield ClusterInfo(address, float(resources.get("CPU", 0)), float(resources.get("GPU", 0)), nodes)
    finally:
        if owned:
            ray.shutdown()
