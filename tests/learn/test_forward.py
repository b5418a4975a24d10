"""The export's linear model (lutlearn.learn.forward) against what a real encoder and decoder do."""

import io

import numpy as np
import pytest
from PIL import Image

from lutlearn.learn.forward import YCBCR, block_operator, upsampling_operator


def _chroma(rgb: np.ndarray) -> np.ndarray:
    """(H*W, 2) Cb, Cr of float RGB in [0, 1] (JFIF, centred on 0)."""
    return (rgb.reshape(-1, 3).astype(np.float64) @ YCBCR.T)[:, 1:]


@pytest.mark.parametrize("shape", [(48, 64), (37, 50)])
def test_decoded_chroma_is_the_stored_samples_through_the_decoders_upsampling(shape):
    rng = np.random.default_rng(1)
    h, w = shape
    coarse = rng.integers(0, 256, (h // 3 + 1, w // 3 + 1, 3), dtype=np.uint8)
    codes = np.asarray(Image.fromarray(coarse).resize((w, h), Image.NEAREST))  # colour edges everywhere
    buf = io.BytesIO()
    Image.fromarray(codes).save(buf, "JPEG", quality=100, subsampling=2)
    decoded = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), np.float64) / 255
    stored = block_operator((h, w)) @ _chroma(codes / 255.0)  # the encoder's 2x2 means
    modelled = upsampling_operator((h, w)) @ stored
    err = np.abs(modelled - _chroma(decoded))
    block_of_pixel = (np.arange(h)[:, None] // 2 * ((w + 1) // 2) + np.arange(w)[None, :] // 2).ravel()
    nearest = np.abs(stored[block_of_pixel] - _chroma(decoded))  # each pixel its own block's sample
    assert np.percentile(err, 99) < 4 / 255  # only the codec's rounding is left
    assert np.percentile(nearest, 99) > 15 / 255  # the naive model is far off: the test can tell them apart
