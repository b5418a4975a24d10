"""The learned-model file (``.npz``): architecture, parameters and metadata.

A model file is a NumPy ``.npz`` archive (read with ``allow_pickle=False``)::

    format      "lutlearn-model/1"
    spec        JSON of MLPSpec
    metadata    JSON: inputs' sha256, metrics, training settings, versions
    w0, b0, w1, b1, ...   float32 layer weights and biases
    lattice     float32 (L, L, L, 3) residual lattice, when the spec has one

Any LUT size can be baked from it later (``lutlearn bake``); ``predict``
evaluates the network directly, with no interpolation error.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from lutlearn import filekinds
from lutlearn.errors import ModelFileError
from lutlearn.images import atomic_write
from lutlearn.learn.model import LearnedModel, MLPSpec, to_numpy

__all__ = ["save_model", "load_model", "FORMAT"]

FORMAT = "lutlearn-model/1"


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
    """Read a model file written by :func:`save_model`.

    Raises:
        ModelFileError: not a lutlearn model, damaged, or an unknown format version.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            if f.read(4) != b"PK\x03\x04":
                raise ModelFileError(f"{path}: not a readable lutlearn model file (not an .npz archive)")
        with np.load(path, allow_pickle=False) as z:
            fmt = str(z["format"]) if "format" in z else None
            if fmt != FORMAT:
                raise ModelFileError(f"{path}: not a lutlearn model file (format {fmt!r}, expected {FORMAT!r})")
            raw = json.loads(str(z["spec"]))
            spec = MLPSpec(hidden=tuple(raw["hidden"]), hidden_activation=raw["hidden_activation"],
                           output_activation=raw["output_activation"], lattice=int(raw.get("lattice", 0)))
            n = len(spec.hidden) + 1
            params = {"w": [z[f"w{i}"].astype(np.float32) for i in range(n)],
                      "b": [z[f"b{i}"].astype(np.float32) for i in range(n)]}
            if spec.lattice:
                params["lattice"] = z["lattice"].astype(np.float32)
            metadata = json.loads(str(z["metadata"]))
    except ModelFileError:
        raise
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such file") from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as e:
        raise ModelFileError(f"{path}: not a readable lutlearn model file ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None
    _check_shapes(path, spec, params)
    return LearnedModel(spec=spec.validate(), params=params, metadata=metadata)


def _check_shapes(path, spec, params):
    sizes = (3, *spec.hidden, 3)
    for i, (w, b) in enumerate(zip(params["w"], params["b"])):
        if w.shape != (sizes[i], sizes[i + 1]) or b.shape != (sizes[i + 1],) or not (np.isfinite(w).all() and np.isfinite(b).all()):
            raise ModelFileError(f"{path}: layer {i} has shape {w.shape}/{b.shape} or non-finite values; expected {(sizes[i], sizes[i + 1])}")
    if spec.lattice and params["lattice"].shape != (spec.lattice,) * 3 + (3,):
        raise ModelFileError(f"{path}: lattice has shape {params['lattice'].shape}")


filekinds.register("model", reader=load_model, writer=save_model)
