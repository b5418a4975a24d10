"""--cluster addresses: the environment variable, and one clear line for an address that is no Ray cluster."""

import socket
import threading

import pytest

from lutlearn.cluster.session import cluster_address, probe
from lutlearn.errors import LutlearnError


def test_option_then_environment(monkeypatch):
    monkeypatch.setenv("LUTLEARN_CLUSTER", "10.0.0.5:6379")
    assert cluster_address(None) == "10.0.0.5:6379"
    assert cluster_address("local") == "local"
    monkeypatch.setenv("LUTLEARN_CLUSTER", " ")
    assert cluster_address(None) is None


def test_refused_port_is_one_line_at_once():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(LutlearnError, match=f"cannot reach a Ray cluster at 127.0.0.1:{port} ") as e:
        probe(f"127.0.0.1:{port}", timeout=2)
    assert "\n" not in str(e.value)


def test_something_that_is_not_ray():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer():
        conn, _ = server.accept()
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        conn.close()

    threading.Thread(target=answer, daemon=True).start()
    with pytest.raises(LutlearnError, match="not Ray"):
        probe(f"127.0.0.1:{server.getsockname()[1]}", timeout=2)
    server.close()


@pytest.mark.parametrize("address", ["http://", "ray://:10001", "host:notaport"])
def test_malformed_addresses(address):
    with pytest.raises(LutlearnError):
        probe(address, timeout=1)
