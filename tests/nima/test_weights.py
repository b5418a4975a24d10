"""lutlearn.nima.weights: Keras HDF5 reading, BatchNorm folding, checksums, locating, downloading."""

import functools
import http.server
import os
import socket
import threading

import numpy as np
import pytest
from jax import lax

from lutlearn.errors import LutlearnWarning, ModelFileError
from lutlearn.nima import weights as W
from tests.shared import NIMA as SHARED

WEIGHTS = SHARED / W.WEIGHTS_FILENAME
needs_weights = pytest.mark.needs(WEIGHTS)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No test sees the user's cache, weights or URL settings."""
    monkeypatch.setenv("LUTLEARN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LUTLEARN_NIMA_WEIGHTS", raising=False)
    monkeypatch.delenv("LUTLEARN_NIMA_URL", raising=False)


@pytest.fixture
def serve():
    """serve(folder) -> base URL of an http.server on 127.0.0.1 for that folder, in a thread."""
    servers = []

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    def start(folder):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cache_dir_precedence(monkeypatch, tmp_path):
    assert W.cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("LUTLEARN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert W.cache_dir() == tmp_path / "xdg" / "lutlearn"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert W.cache_dir() == tmp_path / "home" / ".cache" / "lutlearn"


def test_fold_batchnorm_equals_conv_then_batchnorm():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 6, 6, 3)).astype(np.float32)
    k = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    bn = {"gamma": rng.uniform(0.5, 2, 4), "beta": rng.standard_normal(4),
          "moving_mean": rng.standard_normal(4), "moving_variance": rng.uniform(0, 2, 4)}
    conv = functools.partial(lax.conv_general_dilated, window_strides=(1, 1), padding="SAME",
                             dimension_numbers=("NHWC", "HWIO", "NHWC"))
    scale = bn["gamma"] / np.sqrt(bn["moving_variance"] + 1e-3)
    want = (np.asarray(conv(x, k)) - bn["moving_mean"]) * scale + bn["beta"]
    k2, b2 = W.fold_batchnorm(k, bn)
    np.testing.assert_allclose(np.asarray(conv(x, k2)) + b2, want, atol=1e-4)


@needs_weights
def test_read_keras_h5_layers_and_parameter_count():
    layers = W.read_keras_h5(WEIGHTS)
    assert layers["conv_dw_13"]["depthwise_kernel"].shape == (3, 3, 1024, 1)
    assert set(layers["conv_pw_5_bn"]) == {"gamma", "beta", "moving_mean", "moving_variance"}
    assert layers["dense_1"]["kernel"].shape == (1024, 10)
    assert sum(a.size for layer in layers.values() for a in layer.values()) == 3_239_114
    assert len([name for name, layer in layers.items() if layer]) == 55


@needs_weights
def test_load_params_shapes():
    params = W.load_params(WEIGHTS)
    assert params["stem"]["w"].shape == (3, 3, 3, 32)
    assert [b["pw_w"].shape[1] for b in params["blocks"]][-1] == 1024
    assert params["blocks"][0]["dw_w"].shape == (3, 3, 1, 32)
    assert all(a.dtype == np.float32 for a in [params["head"]["w"], params["blocks"][5]["dw_b"]])


def test_load_params_errors(tmp_path):
    with pytest.raises(ModelFileError, match=r"nope.hdf5: NIMA weights file not found \(--weights\)"):
        W.load_params(tmp_path / "nope.hdf5")
    (tmp_path / "junk.hdf5").write_bytes(b"not weights" * 100)
    with pytest.raises(ModelFileError, match=r"junk.hdf5: not the NIMA aesthetic weights \(sha256 .*--weights"):
        W.load_params(tmp_path / "junk.hdf5")
    with pytest.raises(ModelFileError, match=r"junk.hdf5: not a Keras HDF5 weights file"):
        W.load_params(tmp_path / "junk.hdf5", expected_sha256=None)


def test_load_params_wrong_architecture(tmp_path):
    import h5py

    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.attrs["layer_names"] = [b"conv1"]
        f.create_group("conv1").attrs["weight_names"] = [b"conv1/kernel:0"]
        f["conv1"].create_dataset("conv1/kernel:0", data=np.zeros((3, 3, 3, 32), np.float32))
    with pytest.raises(ModelFileError, match=r"other.h5: not NIMA MobileNet weights \(no weight 'conv1_bn'\)"):
        W.load_params(tmp_path / "other.h5", expected_sha256=None)


def test_locate_order(monkeypatch, tmp_path):
    monkeypatch.setenv("LUTLEARN_NIMA_WEIGHTS", str(tmp_path / "env.hdf5"))
    assert W.locate_weights(tmp_path / "flag.hdf5") == (tmp_path / "flag.hdf5", "--weights")
    assert W.locate_weights() == (tmp_path / "env.hdf5", "LUTLEARN_NIMA_WEIGHTS")
    with pytest.raises(ModelFileError, match=r"env.hdf5: NIMA weights file not found \(LUTLEARN_NIMA_WEIGHTS\)"):
        W.load_params(*W.locate_weights()[:1], where=W.locate_weights()[1])
    monkeypatch.delenv("LUTLEARN_NIMA_WEIGHTS")
    with pytest.raises(ModelFileError, match=r"NIMA weights not found; pass .* with --weights"):
        W.locate_weights(download=False)


@needs_weights
def test_download_into_the_cache_then_reuse_it(serve, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("LUTLEARN_NIMA_URL", f"{serve(SHARED)}/{W.WEIGHTS_FILENAME}")
    path, where = W.locate_weights(progress=True)
    assert path == tmp_path / "cache" / "nima" / W.WEIGHTS_FILENAME and where == "--weights"
    assert W.sha256_file(path) == W.WEIGHTS_SHA256
    assert "downloading NIMA weights" in capsys.readouterr().err
    assert os.listdir(path.parent) == [W.WEIGHTS_FILENAME]  # no temporary files left
    monkeypatch.setenv("LUTLEARN_NIMA_URL", f"http://127.0.0.1:{_closed_port()}/gone.hdf5")
    assert W.locate_weights()[0] == path  # from the cache, no network


@needs_weights
def test_corrupt_download_is_not_cached(serve, monkeypatch, tmp_path):
    data = bytearray(WEIGHTS.read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / W.WEIGHTS_FILENAME).write_bytes(bytes(data))
    monkeypatch.setenv("LUTLEARN_NIMA_URL", f"{serve(tmp_path / 'srv')}/{W.WEIGHTS_FILENAME}")
    with pytest.raises(ModelFileError, match=r"fail the sha256 check .*nothing was cached"):
        W.locate_weights(progress=False)
    assert os.listdir(tmp_path / "cache" / "nima") == []


@needs_weights
def test_corrupt_cached_file_is_downloaded_again(serve, monkeypatch, tmp_path):
    cached = tmp_path / "cache" / "nima" / W.WEIGHTS_FILENAME
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"half a file")
    monkeypatch.setenv("LUTLEARN_NIMA_URL", f"{serve(SHARED)}/{W.WEIGHTS_FILENAME}")
    with pytest.warns(LutlearnWarning, match="cached NIMA weights are corrupt"):
        assert W.locate_weights(progress=False)[0] == cached
    assert W.sha256_file(cached) == W.WEIGHTS_SHA256


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/w.hdf5", "{base}/missing.hdf5"])
def test_unreachable_url_names_the_weights_flag(serve, monkeypatch, tmp_path, url):
    url = url.format(port=_closed_port(), base=serve(tmp_path) if "base" in url else "")
    monkeypatch.setenv("LUTLEARN_NIMA_URL", url)
    with pytest.raises(ModelFileError, match=r"cannot download the NIMA weights from .*pass it with --weights"):
        W.locate_weights(progress=False)
    assert not (tmp_path / "cache" / "nima" / W.WEIGHTS_FILENAME).exists()


def test_random_params_have_the_network_shapes():
    params = W.random_params(1)
    assert params["blocks"][11]["dw_w"].shape == (3, 3, 1, 512)
    assert params["blocks"][11]["pw_w"].shape == (512, 1024)
