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

import dataclasses
import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from lutlearn.errors import ModelFileError
from lutlearn.imageio import atomic_write
from lutlearn.lut import LUT3D
from lutlearn.model import MLPSpec, forward, to_numpy

__all__ = ["LearnedModel", "save_model", "load_model", "MODEL_EXTENSION"]

FORMAT = "lutlearn-model/1"
MODEL_EXTENSION = ".npz"
_CHUNK = 1 << 20


@dataclasses.dataclass(frozen=True, eq=False)
class LearnedModel:
    """A trained colour model.

    Attributes:
        spec: the architecture.
        params: numpy parameter pytree (see :mod:`lutlearn.model`).
        metadata: JSON-able dict (metrics, inputs' hashes, versions, settings).
    """

    spec: MLPSpec
    params: dict
    metadata: dict = dataclasses.field(default_factory=dict)

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """Evaluate the model on float colours (..., 3) -> float32 (..., 3), unclipped."""
        rgb = np.asarray(rgb, np.float32)
        flat = rgb.reshape(-1, 3)
        out = np.empty_like(flat)
        for s in range(0, flat.shape[0], _CHUNK):
            out[s : s + _CHUNK] = forward(self.params, flat[s : s + _CHUNK], self.spec, np)
        return out.reshape(rgb.shape)

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """The look applied to colours in [0, 1]: ``predict`` clipped to [0, 1]."""
        return np.clip(self.predict(rgb), 0.0, 1.0)

    def bake(self, size: int = 33, title: str = "") -> LUT3D:
        """Sample the model on a ``size``³ lattice (outputs clipped to [0, 1])."""
        return LUT3D.bake(self.apply, size, title=title or self.metadata.get("name", ""))


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
