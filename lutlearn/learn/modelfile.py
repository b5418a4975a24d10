"""The learned-model file (``.npz``): architecture, parameters and metadata.

A model file is a NumPy ``.npz`` archive::

    format      "lutlearn-model/1"
    spec        JSON of MLPSpec
    metadata    JSON: inputs' sha256, metrics, training settings, versions
    w0, b0, w1, b1, ...   float32 layer weights and biases
    lattice     float32 (L, L, L, 3) residual lattice, when the spec has one

Any LUT size can be baked from it later (``lutlearn bake``); ``predict``
evaluates the network directly, with no interpolation error.

A model file may come from anywhere, so reading one trusts nothing in it: the
archive is read with :class:`~lutlearn.learn.npz.SafeNpz` (no pickles; every
array's declared size checked against its spec-derived shape, and the arrays,
each and together, against ``LUTLEARN_MAX_MODEL_BYTES`` before a byte is
inflated; real numbers only), and
``spec`` and ``metadata`` must be JSON objects (:func:`lutlearn.safejson.load_object`)
whose every field has the right type.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np

from lutlearn import filekinds
from lutlearn.errors import ModelFileError
from lutlearn.images import atomic_write
from lutlearn.learn.model import ACTIVATIONS, LearnedModel, MLPSpec, to_numpy
from lutlearn.learn.npz import MODEL_BYTES_ENV, SafeNpz
from lutlearn.safejson import load_object

__all__ = ["save_model", "load_model", "parse_spec", "FORMAT"]

FORMAT = "lutlearn-model/1"
_MAX_WIDTH, _MAX_LAYERS, _MAX_LATTICE = 4096, 16, 129


def save_model(model: LearnedModel, path: str | os.PathLike) -> Path:
    """Write ``model`` to ``path`` (.npz), atomically."""
    params = to_numpy(model.params)
    arrays = {
        "format": np.array(FORMAT),
        "spec": np.array(json.dumps(model.spec._asdict())),
        "metadata": np.array(json.dumps(model.metadata, default=_jsonable)),
    }
    for i, (w, b) in enumerate(zip(params["w"], params["b"])):
        arrays[f"w{i}"], arrays[f"b{i}"] = w, b
    if "lattice" in params:
        arrays["lattice"] = params["lattice"]
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    path = Path(path)
    with atomic_write(path) as tmp:
        Path(tmp).write_bytes(buf.getvalue())
    return path


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def load_model(path: str | os.PathLike) -> LearnedModel:
    """Read a model file written by :func:`save_model`, checking everything before it is trusted (module docstring).

    Raises:
        ModelFileError: missing, not a lutlearn model, damaged, hostile, or an
            unknown format version: one line naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":
            raise ModelFileError(f"{path}: not a readable lutlearn model file (not an .npz archive)")
    with SafeNpz(path) as z:
        found = z.text("format") if "format" in z else None
        if found != FORMAT:
            shown = repr(found[:40]) if isinstance(found, str) else "none"
            raise ModelFileError(f"{path}: not a lutlearn model file (format {shown}, expected {FORMAT!r})")
        spec = parse_spec(z.text("spec"), str(path))
        sizes = (3, *spec.hidden, 3)
        _check_total(z, [f"{k}{i}" for i in range(len(sizes) - 1) for k in "wb"] + ["lattice"] * bool(spec.lattice))
        params = {"w": [], "b": []}
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            params["w"].append(z.array(f"w{i}", shape=(a, b)).astype(np.float32, copy=False))
            params["b"].append(z.array(f"b{i}", shape=(b,)).astype(np.float32, copy=False))
        if spec.lattice:
            n = spec.lattice
            params["lattice"] = z.array("lattice", shape=(n, n, n, 3)).astype(np.float32, copy=False)
        text = z.text("metadata") if "metadata" in z else "{}"
        metadata = load_object(text, f"{path}: metadata", error=ModelFileError)
    for key, arrays in (("w", params["w"]), ("b", params["b"]), ("lattice", [params.get("lattice")])):
        for i, a in enumerate(arrays):
            if a is not None and not np.isfinite(a).all():
                raise ModelFileError(f"{path}: {key}{i if key != 'lattice' else ''} holds NaN or infinite values")
    return LearnedModel(spec=spec, params=params, metadata=metadata)


def _check_total(z: SafeNpz, keys: list[str]) -> None:
    """Each array, then all of them together, as their headers declare them, within the limit."""
    total = sum(z.checked_header(k).nbytes for k in keys if k in z)
    if total > z.max_member_bytes:
        raise ModelFileError(f"{z.name}: its arrays declare {total / (1 << 20):,.1f} MiB in all; the limit is "
                             f"{z.max_member_bytes / (1 << 20):,.1f} MiB ({MODEL_BYTES_ENV})")


def parse_spec(text: str, name: str) -> MLPSpec:
    """A model file's ``spec`` member as an :class:`MLPSpec`, every field type-checked.

    The widths bound every weight's shape, so each array's declared shape can be
    checked against them before its data is read.

    Raises:
        ModelFileError: "NAME: spec: ..." (one line).

    >>> parse_spec('{"hidden": [32], "hidden_activation": "sigmoid", "output_activation": "relu"}', "m").hidden
    (32,)
    >>> parse_spec('5', "m.npz")
    Traceback (most recent call last):
    ...
    lutlearn.errors.ModelFileError: m.npz: spec: expected a JSON object, got a number
    """
    what = f"{name}: spec"
    raw = load_object(text, what, error=ModelFileError)
    hidden = raw.get("hidden")
    if not isinstance(hidden, list) or not 1 <= len(hidden) <= _MAX_LAYERS:
        raise ModelFileError(f"{what}: 'hidden' must be a list of 1..{_MAX_LAYERS} layer widths, "
                             f"got {json.dumps(hidden)[:40]}")
    widths = tuple(_integer(h, f"{what}: hidden width", 1, _MAX_WIDTH) for h in hidden)
    acts = []
    for key, allowed in (("hidden_activation", ACTIVATIONS), ("output_activation", ("relu", "identity"))):
        value = raw.get(key)
        if value not in allowed:
            raise ModelFileError(f"{what}: '{key}' must be one of {', '.join(allowed)}, got {json.dumps(value)[:40]}")
        acts.append(value)
    lattice = raw.get("lattice", 0)
    lattice = 0 if lattice == 0 and not isinstance(lattice, bool) else _integer(lattice, f"{what}: lattice", 2,
                                                                                 _MAX_LATTICE)
    return MLPSpec(hidden=widths, hidden_activation=acts[0], output_activation=acts[1], lattice=lattice)


def _integer(value, what: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ModelFileError(f"{what}: expected an integer in {lo}..{hi}, got {json.dumps(value)[:40]}")
    return value


filekinds.register("model", reader=load_model, writer=save_model)
