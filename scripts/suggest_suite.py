"""Machinery of the suggest sanity suite (``scripts/eval_suggest.py``): photos, candidates, NIMA scores kept on disk.

A *candidate* is (name, look): the library's bundled looks, and the destructive
edits of ``scripts/suggest_edits.py`` wrapped as a :class:`FunctionLook` (or baked
into a 33-point ``.cube`` and read back, as a user would pass one with
``suggest --looks``). Derived photos (crops, mirrors, rotations) and the cache of
NIMA distributions live under ``$LUTLEARN_CACHE_DIR/eval_suggest`` (see
:func:`lutlearn.paths.cache_dir`); they are never written into the repository.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from lutlearn.paths import cache_dir

SHARED = Path(__file__).resolve().parents[2] / "shared"
PHOTOS = sorted((SHARED / "data" / "photos").glob("kodim*.png"))
NIMA_EXAMPLES = sorted(p for p in (SHARED / "nima" / "examples").rglob("*") if p.suffix.lower() in (".jpg", ".bmp"))
WEIGHTS = SHARED / "nima" / "weights_mobilenet_aesthetic_0.07.hdf5"


def work_dir() -> Path:
    """``cache_dir() / "eval_suggest"``, created."""
    folder = cache_dir() / "eval_suggest"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def bundled_candidates() -> list[tuple[str, object]]:
    """[(name, look)] for every bundled look."""
    from lutlearn.looks.library import list_looks
    from lutlearn.rank.candidates import load_candidates

    return load_candidates([info.name for info in list_looks() if info.origin == "bundled"])


def edit_candidates(edits: dict, as_cube: bool = False, size: int = 33) -> list[tuple[str, object]]:
    """[(name, look)] for destructive edits; ``as_cube`` bakes each into a ``size``-point .cube and reads it back."""
    from lutlearn.looks.look import FunctionLook
    from lutlearn.looks.resolve import resolve_look
    from lutlearn.luts import LUT3D
    from lutlearn.luts.files import write_lut

    out = []
    for name, fn in edits.items():
        if as_cube:
            path = work_dir() / "cubes" / f"{name}_{size}.cube"
            path.parent.mkdir(exist_ok=True)
            if not path.exists():
                write_lut(LUT3D.bake(fn, size, title=name), path)
            out.append((name, resolve_look(str(path))))
        else:
            out.append((name, FunctionLook(fn, name)))
    return out


def _derived(source: Path, tag: str, make) -> Path:
    """A photo derived from ``source`` by ``make(PIL image) -> PIL image``, kept as PNG in the work folder."""
    from PIL import Image

    out = work_dir() / "photos" / f"{source.stem}_{tag}.png"
    if not out.exists():
        out.parent.mkdir(exist_ok=True)
        with Image.open(source) as im:
            make(im.convert("RGB")).save(out)
    return out


def _crop(box):
    def make(im):
        w, h = im.size
        return im.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    return make


def _mirror(im):
    from PIL import Image

    return im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def heldout_photos() -> list[Path]:
    """idealo's NIMA examples, and one mirrored crop of each Kodak photo (four crop boxes in turn)."""
    boxes = [(0.0, 0.0, 0.7, 0.75), (0.3, 0.25, 1.0, 1.0), (0.1, 0.1, 0.9, 0.6), (0.2, 0.3, 0.8, 1.0)]
    crops = [_derived(p, f"crop{i % 4}_flip", lambda im, b=boxes[i % 4]: _mirror(_crop(b)(im)))
             for i, p in enumerate(PHOTOS)]
    return list(NIMA_EXAMPLES) + crops


def heldout2_photos() -> list[Path]:
    """idealo's examples mirrored, and tight Kodak crops (35-45 % of each side) turned 90 degrees."""
    from PIL import Image

    out = [_derived(p, "mirror", _mirror) for p in NIMA_EXAMPLES]
    rng = np.random.default_rng(2024)
    for p in PHOTOS:
        fw, fh = rng.uniform(0.35, 0.45, 2)
        x0, y0 = rng.uniform(0, 1 - fw), rng.uniform(0, 1 - fh)
        box = (x0, y0, x0 + fw, y0 + fh)
        out.append(_derived(p, "zoom_rot", lambda im, b=box: _crop(b)(im).transpose(Image.Transpose.ROTATE_90)))
    return out


def heldout3_photos() -> list[Path]:
    """The left or right half of each Kodak photo (right halves mirrored), and idealo's examples."""
    halves = [_derived(p, f"half{i % 2}", _crop((0, 0, 0.5, 1)) if i % 2 == 0
                       else lambda im: _mirror(_crop((0.5, 0, 1, 1))(im))) for i, p in enumerate(PHOTOS)]
    return halves + list(NIMA_EXAMPLES)


SUITE_PHOTOS = {"dev": lambda: list(PHOTOS), "heldout": heldout_photos, "heldout2": heldout2_photos,
                "heldout3": heldout3_photos}


class CachingScorer:
    """A :class:`lutlearn.nima.Scorer` stand-in whose ``distributions`` remembers every image it scored.

    Keyed by the sha1 of the uint8 pixels (a changed look is rescored), kept as JSON in the work folder.
    """

    def __init__(self, scorer, path: Path | None = None):
        self.scorer = scorer
        self.path = path or work_dir() / "nima_distributions.json"
        self.data = json.loads(self.path.read_text()) if self.path.exists() else {}
        self.dirty = False

    def distributions(self, batch: np.ndarray) -> np.ndarray:
        keys = [hashlib.sha1(np.ascontiguousarray(b).tobytes()).hexdigest()[:20] for b in batch]
        todo = [i for i, k in enumerate(keys) if k not in self.data]
        if todo:
            dist = self.scorer.distributions(np.asarray(batch)[todo])
            for j, i in enumerate(todo):
                self.data[keys[i]] = [float(v) for v in dist[j]]
            self.dirty = True
        return np.array([self.data[k] for k in keys], np.float32)

    def save(self) -> None:
        from lutlearn.images import atomic_write

        if self.dirty:
            with atomic_write(self.path) as tmp:
                Path(tmp).write_text(json.dumps(self.data))
            self.dirty = False


def load_scorer(batch: int = 16):
    """idealo's NIMA (``$LUTLEARN_NIMA_WEIGHTS``, else ../shared/nima), compiled code cached."""
    from lutlearn.nima import Scorer, enable_compilation_cache

    enable_compilation_cache()
    return Scorer.load(os.environ.get("LUTLEARN_NIMA_WEIGHTS") or WEIGHTS, batch_size=batch)
