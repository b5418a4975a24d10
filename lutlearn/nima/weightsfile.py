"""lutlearn's own NIMA weights file: fine-tuned parameters with their provenance (written by ``lutlearn nima train``).

A ``.npz`` without pickles, holding:

- one float32 array per parameter of :mod:`lutlearn.nima.model`'s folded pytree,
  named by its path: ``stem/w``, ``stem/b``, ``blocks/0/dw_w`` ... ``blocks/12/pw_b``,
  ``head/w``, ``head/b``;
- ``__meta__``: a JSON string with ``format`` (:data:`FORMAT`), ``architecture``
  (:data:`ARCHITECTURE`), ``padding`` (the variant it was trained with),
  ``shapes`` (sha256 of every array's name and shape: the architecture check)
  and ``provenance`` (what ``nima train`` records: base weights and their
  sha256, the rating set and its sha256, the settings and seed, the metrics
  before and after, versions, date).

:func:`load_any` reads this format or idealo's Keras HDF5, so ``score --weights``
and ``suggest --weights`` accept either (through :meth:`lutlearn.nima.Scorer.load`).

>>> import tempfile, os
>>> from lutlearn.nima.weights import random_params
>>> path = os.path.join(tempfile.mkdtemp(), "mine.npz")
>>> _ = save_weights(path, random_params(0), {"note": "doctest"})
>>> params, meta = load_weights(path)
>>> meta["format"], meta["provenance"]["note"], params["blocks"][12]["pw_w"].shape
('lutlearn-nima-weights/1', 'doctest', (1024, 1024))
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from lutlearn.errors import ModelFileError
from lutlearn.images import atomic_write
from lutlearn.nima.weights import expected_shapes, load_params

__all__ = ["FORMAT", "ARCHITECTURE", "flatten_params", "unflatten_params", "shapes_digest", "save_weights",
           "load_weights", "load_any"]

FORMAT = "lutlearn-nima-weights/1"
ARCHITECTURE = "NIMA MobileNet v1 (alpha 1.0, 224x224, 13 blocks, Dense(10) softmax), BatchNorm folded"


def _flatten(tree: dict) -> dict:
    """{"stem/w": leaf, ..., "blocks/3/pw_b": leaf, ..., "head/b": leaf} of the folded pytree's layout."""
    flat = {f"stem/{k}": v for k, v in tree["stem"].items()}
    for i, block in enumerate(tree["blocks"]):
        flat.update({f"blocks/{i}/{k}": v for k, v in block.items()})
    flat.update({f"head/{k}": v for k, v in tree["head"].items()})
    return flat


def flatten_params(params: dict) -> dict[str, np.ndarray]:
    """The folded pytree (numpy or jax arrays) as float32 arrays named by path ("stem/w", "blocks/3/pw_b"...)."""
    return {k: np.asarray(v, np.float32) for k, v in _flatten(params).items()}


def unflatten_params(flat: dict[str, np.ndarray]) -> dict:
    """Inverse of :func:`flatten_params`."""
    n_blocks = 1 + max((int(k.split("/")[1]) for k in flat if k.startswith("blocks/")), default=-1)
    out = {"stem": {}, "blocks": [{} for _ in range(n_blocks)], "head": {}}
    for key, value in flat.items():
        parts = key.split("/")
        if parts[0] == "blocks" and len(parts) == 3:
            out["blocks"][int(parts[1])][parts[2]] = value
        elif parts[0] in ("stem", "head") and len(parts) == 2:
            out[parts[0]][parts[1]] = value
    return out


def shapes_digest(shapes: dict[str, tuple]) -> str:
    """sha256 of every array's name and shape: equal digests mean the same architecture."""
    text = ";".join(f"{k}:{tuple(v)}" for k, v in sorted(shapes.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def _expected_digest() -> str:
    return shapes_digest(_flatten(expected_shapes()))


def save_weights(path: str | os.PathLike, params: dict, provenance: dict, padding: str = "keras216") -> Path:
    """Write ``params`` and ``provenance`` atomically (nothing is left behind on failure or Ctrl-C).

    Raises:
        ModelFileError: ``params`` is not the NIMA architecture.
    """
    flat = flatten_params(params)
    digest = shapes_digest({k: v.shape for k, v in flat.items()})
    if digest != _expected_digest():
        raise ModelFileError(f"{path}: refusing to write weights that are not NIMA's MobileNet architecture")
    meta = {"format": FORMAT, "architecture": ARCHITECTURE, "padding": padding, "shapes": digest,
            "provenance": provenance}
    path = Path(path)
    with atomic_write(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, __meta__=np.array(json.dumps(meta, sort_keys=True)), **flat)
    return path


def load_weights(path: str | os.PathLike) -> tuple[dict, dict]:
    """Read a lutlearn NIMA weights file: (params pytree of float32 arrays, metadata).

    Raises:
        ModelFileError: missing, not a .npz, not this format (e.g. a look model), or another architecture.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: NIMA weights file not found")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError) as e:
        raise ModelFileError(f"{path}: not a readable .npz weights file ({str(e).splitlines()[0]})") from None
    if "__meta__" not in arrays:
        kind = " (it is a lutlearn look model)" if str(arrays.get("format", "")).startswith("lutlearn-model/") else ""
        raise ModelFileError(f"{path}: not a lutlearn NIMA weights file{kind}")
    try:
        meta = json.loads(str(arrays.pop("__meta__")))
    except ValueError:
        raise ModelFileError(f"{path}: damaged NIMA weights file (unreadable metadata)") from None
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: unknown NIMA weights format {meta.get('format')!r} (expected {FORMAT!r})")
    flat = {k: v.astype(np.float32) for k, v in arrays.items()}
    shapes = shapes_digest({k: v.shape for k, v in flat.items()})
    if meta.get("architecture") != ARCHITECTURE or shapes != _expected_digest():
        raise ModelFileError(f"{path}: weights for another architecture ({meta.get('architecture')!r}); "
                             f"lutlearn scores with {ARCHITECTURE}")
    return unflatten_params(flat), meta


def load_any(path: str | os.PathLike, where: str = "--weights") -> tuple[dict, dict]:
    """Our ``.npz`` (:func:`load_weights`) or idealo's Keras ``.hdf5`` (sha256-checked): (params, meta).

    ``meta`` has at least ``format`` and ``padding`` (the variant the weights were trained with).

    Raises:
        ModelFileError: missing, unreadable, not NIMA's MobileNet, or (HDF5) not idealo's file.
    """
    path = Path(path)
    if path.suffix.lower() == ".npz":
        return load_weights(path)
    return load_params(path, where=where), {"format": "keras-hdf5", "padding": "keras216"}
