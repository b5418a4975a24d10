"""Learning from an after image saved as a chroma-subsampled (4:2:0) JPEG.

A 4:2:0 JPEG stores luma per pixel but one chroma pair (Cb, Cr) per 2x2 block,
the block's mean. The decoder then interpolates the chroma back to full size,
blending each block with its neighbours. On a Hald chart, vertical neighbours
are 16 green codes apart, so decoded colours are badly smeared: the look fitted
to them is off by several ΔE.

Instead of fitting the decoded pixels, lutlearn fits what the file really holds:
the predicted colours of the four pixels of each block must reproduce the
file's luma at each pixel and, averaged over the block, its chroma (JFIF
full-range YCbCr, the transform the JPEG encoder applied). The luma plane and
the block chroma plane are read without any upsampling (Pillow's draft mode
decodes a 4:2:0 file at half scale with chroma at native resolution).
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["BlockSamples", "YCBCR", "to_ycbcr", "block_samples", "block_loss", "as_jpeg_sees_it"]

# JFIF (JPEG File Interchange Format) RGB -> YCbCr, full range, on [0, 1] values; Cb/Cr centred on 0.5.
YCBCR = np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]], np.float32)
_OFFSET = np.array([0.0, 0.5, 0.5], np.float32)
_CHROMA_WEIGHT = 2.0  # one chroma pair stands for four pixels: weigh it as two of them


@dataclasses.dataclass(frozen=True)
class BlockSamples:
    """Training samples from a 4:2:0 JPEG after image, one per 2x2 block.

    Attributes:
        x: float32 (N, 4, 3) before-colours of the block's pixels.
        luma: float32 (N, 4) the file's Y of each pixel, in [0, 1].
        chroma: float32 (N, 2) the file's (Cb, Cr) of the block, in [0, 1].
        w: float32 (N,) block weights (1).
        sources: as in :class:`lutlearn.learn.pairs.Samples`.
    """

    x: np.ndarray
    luma: np.ndarray
    chroma: np.ndarray
    w: np.ndarray
    sources: tuple = ()

    kind = "jpeg420"

    def __len__(self) -> int:
        return self.x.shape[0]

    @property
    def pixels(self) -> int:
        return 4 * len(self)

    @property
    def arrays(self) -> tuple:
        return self.x, self.luma, self.chroma, self.w

    @property
    def flat_x(self) -> np.ndarray:
        return self.x.reshape(-1, 3)

    def target_rgb(self, idx) -> np.ndarray:
        """The file's own colours of blocks ``idx`` (pixel luma + block chroma) as RGB (M*4, 3)."""
        ycc = np.concatenate([self.luma[idx][..., None], np.repeat(self.chroma[idx][:, None], 4, axis=1)], axis=-1)
        return from_ycbcr(ycc).reshape(-1, 3)


def to_ycbcr(rgb, xp=np):
    """RGB (..., 3) in [0, 1] -> JFIF YCbCr (..., 3) in [0, 1]."""
    return rgb @ xp.asarray(YCBCR.T) + xp.asarray(_OFFSET)


def from_ycbcr(ycc: np.ndarray) -> np.ndarray:
    """JFIF YCbCr (..., 3) in [0, 1] -> RGB (..., 3)."""
    return ((ycc - _OFFSET) @ np.linalg.inv(YCBCR).T.astype(np.float32)).astype(np.float32)


def block_samples(before: np.ndarray, luma: np.ndarray, chroma: np.ndarray, keep=None) -> BlockSamples:
    """Arrange a before image and the JPEG planes into 2x2 blocks.

    Args:
        before: float32 (H, W, 3); odd last rows/columns are dropped.
        luma: float32 (H, W) Y plane of the after file.
        chroma: float32 (ceil(H/2), ceil(W/2), 2) block chroma of the after file.
        keep: optional bool (H, W) mask; blocks with any pixel outside it are left out.
    """
    h, w = (before.shape[0] // 2) * 2, (before.shape[1] // 2) * 2

    def blocks(a):
        a = a[:h, :w]
        return a.reshape(h // 2, 2, w // 2, 2, *a.shape[2:]).swapaxes(1, 2).reshape(h // 2 * (w // 2), 4, *a.shape[2:])

    x, y = blocks(before), blocks(luma)
    c = chroma[: h // 2, : w // 2].reshape(-1, 2)
    if keep is not None:
        ok = blocks(keep).all(axis=1)
        x, y, c = x[ok], y[ok], c[ok]
    return BlockSamples(np.ascontiguousarray(x, np.float32), np.ascontiguousarray(y, np.float32),
                        np.ascontiguousarray(c, np.float32), np.ones(len(x), np.float32))


def block_loss(pred, batch, xp=np):
    """Weighted squared error of predicted block colours against the file's luma and block chroma.

    Args:
        pred: (B*4, 3) predicted RGB of the batch's pixels, block by block.
        batch: (x, luma, chroma, w) as in :attr:`BlockSamples.arrays`.
    """
    _, luma, chroma, w = batch
    ycc = to_ycbcr(pred.reshape(-1, 4, 3), xp)
    err_y = xp.sum((ycc[..., 0] - luma) ** 2, axis=1)
    err_c = xp.sum((ycc[..., 1:].mean(axis=1) - chroma) ** 2, axis=1)
    return xp.sum(w * (err_y + _CHROMA_WEIGHT * err_c)) / (xp.sum(w) * (4 + 2 * _CHROMA_WEIGHT))


def as_jpeg_sees_it(pred: np.ndarray) -> np.ndarray:
    """Predicted block colours (M*4, 3) with their chroma averaged per block, as the file would store them."""
    ycc = to_ycbcr(pred.reshape(-1, 4, 3))
    ycc[..., 1:] = ycc[..., 1:].mean(axis=1, keepdims=True)
    return from_ycbcr(ycc).reshape(-1, 3)
