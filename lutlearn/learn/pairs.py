"""Before/after image pairs -> training samples.

Identical before-colours collapse into one sample that carries the mean
after-colour and a count weight, so a 17-Mpx chart (2^24 distinct colours) and a
24-Mpx photo (typically a few hundred thousand distinct colours) both train fast.
"""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from pathlib import Path

import numpy as np

from lutlearn.codes import key_values, pack_rgb8
from lutlearn.errors import LutlearnError, LutlearnWarning
from lutlearn.images import ImageData, read_image, read_jpeg_planes
from lutlearn.learn.jpeg420 import BlockSamples, block_samples

__all__ = ["Samples", "collapse", "pair_arrays", "load_pairs", "MIN_COLOURS"]

MIN_COLOURS = 16


@dataclasses.dataclass(frozen=True)
class Samples:
    """Training samples.

    Attributes:
        x: float32 (M, 3) distinct before-colours.
        y: float32 (M, 3) mean after-colour of each.
        w: float32 (M,) number of pixels behind each sample.
        sources: per pair, a dict with paths, sizes and sha256 of the files.
    """

    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    sources: tuple = ()

    kind = "pixel"

    def __len__(self) -> int:
        return self.x.shape[0]

    @property
    def pixels(self) -> int:
        return int(self.w.sum())

    @property
    def arrays(self) -> tuple:
        """The arrays a trainer batches over, each with the sample axis first."""
        return self.x, self.y, self.w

    @property
    def flat_x(self) -> np.ndarray:
        """All before-colours (M, 3)."""
        return self.x

    def target_rgb(self, idx) -> np.ndarray:
        """Target colours (M, 3) of samples ``idx``."""
        return self.y[idx]


def collapse(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> Samples:
    """Merge pixels with the same before-colour.

    Colours are keyed at 16-bit precision (exact for 8-bit and 16-bit inputs),
    or as packed 24-bit keys when every value is a whole 8-bit code. The work
    scales with the input: a sort of the keys, except for inputs so large (a
    full chart) that one pass over a 2^24-bin table is cheaper.

    Args:
        x: float32 (P, 3) before-colours in [0, 1].
        y: float32 (P, 3) after-colours.
        w: optional (P,) pixel weights (default 1).

    Returns:
        Samples with distinct ``x`` (in key order: red fastest), mean ``y`` and summed ``w``.

    >>> s = collapse(np.array([[0, 0, 0], [0, 0, 0], [1, 1, 1]], np.float32),
    ...              np.array([[0, 0, 0], [0.5, 0.5, 0.5], [1, 1, 1]], np.float32))
    >>> s.y.tolist(), s.w.tolist()
    ([[0.25, 0.25, 0.25], [1.0, 1.0, 1.0]], [2.0, 1.0])
    """
    x = np.asarray(x, np.float32)
    w64 = None if w is None else np.asarray(w, np.float64)
    codes8 = np.rint(x * np.float32(255))
    if np.abs(codes8 - x * np.float32(255)).max(initial=0.0) < 1e-3:
        keys = pack_rgb8(codes8.astype(np.uint8))
        del codes8
        if len(keys) >= _TABLE_MIN:
            return _collapse_table(x, y, keys, w64)
        keep, inverse = np.unique(keys, return_inverse=True)
        xs = key_values(keep)
    else:
        c = np.rint(np.clip(x, 0, 1) * 65535.0).astype(np.int64)
        keep, inverse = np.unique(c[:, 0] + (c[:, 1] << 16) + (c[:, 2] << 32), return_inverse=True)
        xs = (np.stack([keep & 65535, (keep >> 16) & 65535, keep >> 32], axis=1) / 65535.0).astype(np.float32)
    inverse = inverse.reshape(-1)
    counts = np.bincount(inverse, weights=w64, minlength=len(keep))
    sums = np.stack([np.bincount(inverse, weights=y[:, ch] if w64 is None else w64 * y[:, ch], minlength=len(keep))
                     for ch in range(3)], axis=1)
    return Samples(x=xs, y=(sums / counts[:, None]).astype(np.float32), w=counts.astype(np.float32))


_TABLE_MIN = 1 << 22  # from this many pixels on, a 2^24-bin table beats sorting the keys


def _collapse_table(x: np.ndarray, y: np.ndarray, keys: np.ndarray, w: np.ndarray | None) -> Samples:
    """:func:`collapse` of 8-bit colours through a 2^24-bin table, one channel at a time."""
    counts = np.bincount(keys, weights=w, minlength=1 << 24)
    if w is None and len(keys) == (1 << 24) and counts.max() == 1:  # every colour once: a chart
        return Samples(x=x, y=np.asarray(y, np.float32), w=np.ones(len(x), np.float32))
    keep = np.flatnonzero(counts)
    counts = counts[keep]
    sums = np.empty((len(keep), 3), np.float64)
    for ch in range(3):
        sums[:, ch] = np.bincount(keys, weights=y[:, ch] if w is None else w * y[:, ch], minlength=1 << 24)[keep]
    xs = key_values(keep.astype(np.uint32))
    return Samples(x=xs, y=(sums / counts[:, None]).astype(np.float32), w=counts.astype(np.float32))


def pair_arrays(before: ImageData, after: ImageData, names=("before", "after"), match_size: bool = False):
    """Matching pixels of two decoded images -> (x, y, weight) arrays (P, 3), (P, 3), (P,).

    Pixels that are fully transparent in either image are left out.

    Raises:
        LutlearnError: the sizes differ (and ``match_size`` is off).
    """
    hb, wb = before.rgb.shape[:2]
    ha, wa = after.rgb.shape[:2]
    y_img = after.rgb
    if (hb, wb) != (ha, wa):
        if not match_size:
            raise LutlearnError(
                f"{names[1]}: size {wa}x{ha} differs from {names[0]} ({wb}x{hb}); "
                "re-export it at the same size (a chart must keep every pixel), or fit photos with --method photo, "
                "which registers pairs of any size"
            )
        y_img = _resample(y_img, (wb, hb))
        warnings.warn(f"{names[1]}: resampled from {wa}x{ha} to {wb}x{hb} (match_size)", LutlearnWarning, stacklevel=2)
    x, y = before.rgb.reshape(-1, 3), y_img.reshape(-1, 3)
    keep = None
    for img, name in ((before, names[0]), (after, names[1])):
        if img.alpha is not None and img.alpha.shape == (hb, wb) and (img.alpha < 1).any():
            opaque = img.alpha.reshape(-1) > 0
            keep = opaque if keep is None else keep & opaque
            warnings.warn(f"{name}: alpha channel ignored; {int((~opaque).sum())} fully transparent pixels left out",
                          LutlearnWarning, stacklevel=2)
    if keep is not None:
        x, y = x[keep], y[keep]
    return x, y


def _resample(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    shrink = size[0] < rgb.shape[1]
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def _describe(path: Path, image: ImageData) -> dict:
    h = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"path": str(path), "sha256": h, "size": [image.rgb.shape[1], image.rgb.shape[0]], "bit_depth": image.bit_depth}


def load_pairs(pairs, match_size: bool = False, jpeg_chroma: bool = True):
    """Read before/after image pairs and turn them into training samples.

    Args:
        pairs: sequence of (before_path, after_path).
        match_size: resample an after image whose size differs from its before image.
        jpeg_chroma: when every after image is a 4:2:0 chroma-subsampled JPEG, fit
            its stored luma and block chroma (:mod:`lutlearn.learn.jpeg420`) instead of
            the decoder's smeared full-size colours.

    Returns:
        :class:`Samples` (identical before-colours collapsed), or
        :class:`~lutlearn.learn.jpeg420.BlockSamples` for 4:2:0 JPEG after images.

    Raises:
        LutlearnError: unreadable files, mismatched sizes, too few distinct colours.
    """
    xs, ys, blocks, sources = [], [], [], []
    for before_path, after_path in pairs:
        before_path, after_path = Path(before_path), Path(after_path)
        before, after = read_image(before_path), read_image(after_path)
        for img, p in ((before, before_path), (after, after_path)):
            for note in img.notes:
                warnings.warn(f"{p}: {note}", LutlearnWarning, stacklevel=2)
        x, y = pair_arrays(before, after, names=(str(before_path), str(after_path)), match_size=match_size)
        xs.append(x)
        ys.append(y)
        planes = read_jpeg_planes(after_path) if jpeg_chroma and before.rgb.shape == after.rgb.shape else None
        blocks.append(None if planes is None else block_samples(before.rgb, *planes, keep=_opaque(before, after)))
        sources.append({"before": _describe(before_path, before), "after": _describe(after_path, after)})
    distinct = collapse(np.concatenate(xs), np.concatenate(ys))
    if len(distinct) < MIN_COLOURS:
        names = ", ".join(str(p[0]) for p in pairs)
        raise LutlearnError(f"{names}: only {len(distinct)} distinct colours; need at least {MIN_COLOURS} to learn a look")
    if blocks and all(b is not None for b in blocks):
        merged = BlockSamples(*(np.concatenate([getattr(b, f) for b in blocks]) for f in ("x", "luma", "chroma", "w")))
        return dataclasses.replace(merged, sources=tuple(sources))
    if any(b is not None for b in blocks):
        warnings.warn("some after images are 4:2:0 JPEGs and some are not: fitting decoded pixels for all",
                      LutlearnWarning, stacklevel=2)
    return dataclasses.replace(distinct, sources=tuple(sources))


def _opaque(before: ImageData, after: ImageData):
    masks = [img.alpha > 0 for img in (before, after) if img.alpha is not None]
    return np.logical_and.reduce(masks) if masks else None
