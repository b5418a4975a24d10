"""idealo's NIMA weights: find or download the Keras HDF5 file, check it, fold BatchNorm.

The file is ``weights_mobilenet_aesthetic_0.07.hdf5`` from idealo/image-quality-
assessment (Apache-2.0), a Keras 2.1.6 weights-only file: one HDF5 group per
layer name, each listing its datasets in the ``weight_names`` attribute (see
``shared/nima/PROVENANCE.md``). It is never bundled with lutlearn; it is found,
in this order:

1. an explicit path (``lutlearn score --weights PATH``);
2. the ``LUTLEARN_NIMA_WEIGHTS`` environment variable;
3. the cache: ``$LUTLEARN_CACHE_DIR``, else ``$XDG_CACHE_HOME/lutlearn``, else
   ``~/.cache/lutlearn``; the file lives in its ``nima/`` folder;
4. a download from :data:`WEIGHTS_URL` (``$LUTLEARN_NIMA_URL`` overrides it)
   into the cache, checked against :data:`WEIGHTS_SHA256` before it is kept.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import numpy as np

from lutlearn.errors import LutlearnWarning, ModelFileError
from lutlearn.images import atomic_write
from lutlearn.nima.model import WIDTHS
from lutlearn.paths import cache_dir
from lutlearn.progress import progress_bar

__all__ = [
    "WEIGHTS_SHA256",
    "WEIGHTS_URL",
    "WEIGHTS_FILENAME",
    "BN_EPSILON",
    "sha256_file",
    "read_keras_h5",
    "fold_batchnorm",
    "load_params",
    "random_params",
    "expected_shapes",
    "locate_weights",
    "download_weights",
]

WEIGHTS_FILENAME = "weights_mobilenet_aesthetic_0.07.hdf5"
WEIGHTS_SHA256 = "e563ad91b3d47410e45f7238f07ab8f6abd1bd0c4b18a4b0af9c681a21a91cb2"
WEIGHTS_SIZE = 13_174_216
WEIGHTS_URL = ("https://github.com/idealo/image-quality-assessment/raw/master/models/MobileNet/"
               "weights_mobilenet_aesthetic_0.07.hdf5")
BN_EPSILON = 1e-3  # Keras BatchNormalization default
_CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_sha256(path: Path, expected: str | None, where: str) -> None:
    if expected is None:
        return
    got = sha256_file(path)
    if got != expected:
        raise ModelFileError(
            f"{path}: not the NIMA aesthetic weights (sha256 {got[:16]}..., expected {expected[:16]}...); "
            f"pass idealo's {WEIGHTS_FILENAME} with {where}")


def _text(value) -> str:
    """An HDF5 string attribute (bytes or str) as str."""
    return value.decode() if isinstance(value, bytes) else str(value)


def read_keras_h5(path: str | os.PathLike) -> dict[str, dict[str, np.ndarray]]:
    """Every weight of a Keras weights-only HDF5 file, by layer name.

    Args:
        path: a file written by Keras ``save_weights`` (HDF5 layout).

    Returns:
        ``{layer: {short_name: float32 array}}``, e.g.
        ``layers["conv1_bn"]["moving_mean"]`` of shape (32,).

    Raises:
        ModelFileError: not an HDF5 file, or not in Keras's layout.
    """
    import h5py  # ~0.2 s to import: only when weights are read

    try:
        with h5py.File(path, "r") as f:
            layers = {}
            for name in map(_text, f.attrs["layer_names"]):
                group = f[name]
                layers[name] = {
                    _text(w).split("/")[-1].split(":")[0]: np.asarray(group[_text(w)], dtype=np.float32)
                    for w in group.attrs.get("weight_names", [])
                }
    except (OSError, KeyError) as e:
        raise ModelFileError(f"{path}: not a Keras HDF5 weights file ({str(e).splitlines()[0]})") from None
    return layers


def fold_batchnorm(kernel: np.ndarray, bn: dict[str, np.ndarray], eps: float = BN_EPSILON):
    """Fold an inference-mode BatchNorm into the bias-free conv before it.

    ``bn(conv(x, k)) = conv(x, k * s) + (beta - mean * s)`` with
    ``s = gamma / sqrt(var + eps)`` per output channel.

    Args:
        kernel: float32 (..., C_out) conv kernel whose last axis is the output
            channel (HWIO; a depthwise kernel given as (3, 3, 1, C)).
        bn: ``{"gamma", "beta", "moving_mean", "moving_variance"}``, each (C_out,).
        eps: BatchNorm epsilon (Keras default 1e-3).

    Returns:
        (kernel, bias): float32 arrays of shapes kernel.shape and (C_out,).

    >>> k, b = fold_batchnorm(np.ones((1, 1, 1, 2), np.float32), {"gamma": np.array([2.0, 1.0]),
    ...     "beta": np.zeros(2), "moving_mean": np.ones(2), "moving_variance": np.full(2, 1 - 1e-3)})
    >>> k.ravel().tolist(), b.tolist()
    ([2.0, 1.0], [-2.0, -1.0])
    """
    scale = np.asarray(bn["gamma"], np.float64) / np.sqrt(np.asarray(bn["moving_variance"], np.float64) + eps)
    bias = np.asarray(bn["beta"], np.float64) - np.asarray(bn["moving_mean"], np.float64) * scale
    return (kernel.astype(np.float64) * scale).astype(np.float32), bias.astype(np.float32)


def _params_from_layers(layers: dict, path) -> dict:
    """The folded parameter pytree of :mod:`lutlearn.nima.model` from Keras layers."""
    try:
        stem_w, stem_b = fold_batchnorm(layers["conv1"]["kernel"], layers["conv1_bn"])
        blocks = []
        for i in range(1, 14):
            dw = np.transpose(layers[f"conv_dw_{i}"]["depthwise_kernel"], (0, 1, 3, 2))  # (3,3,C,1) -> (3,3,1,C)
            dw_w, dw_b = fold_batchnorm(dw, layers[f"conv_dw_{i}_bn"])
            pw_w, pw_b = fold_batchnorm(layers[f"conv_pw_{i}"]["kernel"], layers[f"conv_pw_{i}_bn"])
            blocks.append({"dw_w": dw_w, "dw_b": dw_b, "pw_w": pw_w[0, 0], "pw_b": pw_b})
        head = {"w": layers["dense_1"]["kernel"], "b": layers["dense_1"]["bias"]}
    except KeyError as e:
        raise ModelFileError(f"{path}: not NIMA MobileNet weights (no weight {e})") from None
    params = {"stem": {"w": stem_w, "b": stem_b}, "blocks": blocks, "head": head}
    _check_shapes(params, path)
    return params


def expected_shapes() -> dict:
    """The shape of every parameter of the folded pytree (:mod:`lutlearn.nima.model`), as tuples."""
    blocks, c = [], 32
    for width in WIDTHS:
        blocks.append({"dw_w": (3, 3, 1, c), "dw_b": (c,), "pw_w": (c, width), "pw_b": (width,)})
        c = width
    return {"stem": {"w": (3, 3, 3, 32), "b": (32,)}, "blocks": blocks, "head": {"w": (1024, 10), "b": (10,)}}


def _check_shapes(params: dict, path) -> None:
    expected = expected_shapes()
    pairs = [("stem", params["stem"], expected["stem"]), ("head", params["head"], expected["head"])]
    pairs += [(f"block {i + 1}", p, e) for i, (p, e) in enumerate(zip(params["blocks"], expected["blocks"]))]
    for where, got, want in pairs:
        for key, shape in want.items():
            if got[key].shape != shape:
                raise ModelFileError(f"{path}: {where} {key} has shape {got[key].shape}, expected {shape}")


def load_params(path: str | os.PathLike, *, expected_sha256: str | None = WEIGHTS_SHA256,
                where: str = "--weights") -> dict:
    """Read idealo's weights file into the folded parameter pytree (numpy float32).

    Args:
        path: the Keras HDF5 file.
        expected_sha256: checked before reading; None skips the check (for
            other checkpoints of the same architecture).
        where: how the user named the file, for error messages.

    Returns:
        The pytree described in :mod:`lutlearn.nima.model`.

    Raises:
        ModelFileError: missing file, wrong checksum, or not this architecture.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: NIMA weights file not found ({where})")
    _check_sha256(path, expected_sha256, where)
    return _params_from_layers(read_keras_h5(path), path)


def random_params(seed: int = 0) -> dict:
    """Parameters of the right shapes with random values (tests, benchmarks).

    Args:
        seed: numpy random seed.

    Returns:
        The pytree described in :mod:`lutlearn.nima.model`, float32.
    """
    rng = np.random.default_rng(seed)

    def draw(tree):
        if isinstance(tree, dict):
            return {k: draw(v) for k, v in tree.items()}
        if isinstance(tree, list):
            return [draw(v) for v in tree]
        fan_in = int(np.prod(tree[:-1])) if len(tree) > 1 else 1
        return (rng.standard_normal(tree) / np.sqrt(max(fan_in, 1))).astype(np.float32)

    return draw(expected_shapes())


def locate_weights(path: str | os.PathLike | None = None, *, download: bool = True,
                   progress: bool | None = None) -> tuple[Path, str]:
    """Find the weights file: explicit path, ``$LUTLEARN_NIMA_WEIGHTS``, cache, download.

    Args:
        path: an explicit file (``--weights``); returned as is when given.
        download: fetch the file into the cache when nowhere else.
        progress: download progress bar on stderr (None: only on a terminal).

    Returns:
        (path, where): the file and how it was named, for error messages.

    Raises:
        ModelFileError: not found and the download is off or failed.
    """
    if path is not None:
        return Path(path), "--weights"
    if os.environ.get("LUTLEARN_NIMA_WEIGHTS"):
        return Path(os.environ["LUTLEARN_NIMA_WEIGHTS"]).expanduser(), "LUTLEARN_NIMA_WEIGHTS"
    cached = cache_dir() / "nima" / WEIGHTS_FILENAME
    if cached.is_file():
        if sha256_file(cached) == WEIGHTS_SHA256:
            return cached, "--weights"
        warnings.warn(f"{cached}: cached NIMA weights are corrupt; downloading them again", LutlearnWarning)
    if not download:
        raise ModelFileError(f"NIMA weights not found; pass {WEIGHTS_FILENAME} with --weights")
    url = os.environ.get("LUTLEARN_NIMA_URL") or WEIGHTS_URL
    return download_weights(url, cached, progress=progress), "--weights"


def download_weights(url: str, dest: str | os.PathLike, *, expected_sha256: str = WEIGHTS_SHA256,
                     progress: bool | None = None, timeout: float = 30.0) -> Path:
    """Download ``url`` to ``dest`` atomically, keeping it only if the sha256 matches.

    Args:
        url: http(s) address of the weights file.
        dest: where to keep it; parent folders are created.
        expected_sha256: hex digest the bytes must have.
        progress: progress bar on stderr (None: only on a terminal).
        timeout: seconds to wait for the server.

    Returns:
        ``dest`` as a Path.

    Raises:
        ModelFileError: unreachable URL, HTTP error or checksum mismatch; ``dest``
            is then left untouched.
    """
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ModelFileError(f"cannot create the cache folder {dest.parent} ({e.strerror})") from None
    digest = hashlib.sha256()
    with atomic_write(dest) as tmp:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
                total = int(response.headers.get("Content-Length") or WEIGHTS_SIZE)
                with progress_bar(total, "downloading NIMA weights", enabled=progress, unit="B") as bar:
                    for chunk in iter(lambda: response.read(_CHUNK), b""):
                        out.write(chunk)
                        digest.update(chunk)
                        bar.update(len(chunk))
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", None) or e
            raise ModelFileError(f"cannot download the NIMA weights from {url} ({reason}); "
                                 f"download {WEIGHTS_FILENAME} yourself and pass it with --weights") from None
        if digest.hexdigest() != expected_sha256:
            got = digest.hexdigest()
            raise ModelFileError(f"downloaded NIMA weights from {url} fail the sha256 check "
                                 f"({got[:16]}..., expected {expected_sha256[:16]}...); nothing was cached")
    return dest
