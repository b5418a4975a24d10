"""The export's linear model (lutlearn.learn.forward): against a real encoder and decoder, and its solver."""

import io

import numpy as np
import pytest
import scipy.sparse as sp
from PIL import Image

from lutlearn.learn.forward import (
    CHROMA_BLOCK_WEIGHT,
    YCBCR,
    ForwardDesign,
    block_operator,
    gauss_newton_lattice,
    upsampling_operator,
)
from lutlearn.learn.lattice import solve_lattice_design
from lutlearn.luts.interp import tetrahedral_weights

N = 9  # the smallest lattice with the multilevel preconditioner (9 -> 5 -> 3)
PRIORS = {"sigma": 0.01, "tau_s": 0.004, "tau_r": 0.03}


def _jpeg_like_pair(h=30, w=40):
    """A 4:2:0 pair's linear export design (pixel rows for luma, block rows for chroma), residuals and weights."""
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    colours = np.clip(np.stack([xx, yy, 0.5 * (xx + yy)], -1) + 0.05 * rng.standard_normal((h, w, 3)), 0, 1)
    idx, a = tetrahedral_weights(colours.reshape(-1, 3).astype(np.float32), N)
    pixels = sp.csr_matrix((a.ravel(), (np.repeat(np.arange(h * w), 4), idx.ravel())), shape=(h * w, N**3))
    op = block_operator((h, w))
    design = ForwardDesign(pixels, (op @ pixels).tocsr(), op)
    residual = (0.02 * rng.standard_normal((h, w, 3))).astype(np.float32)
    weight = np.where(rng.random((h, w)) < 0.1, 0.0, 1.0).astype(np.float32)  # a few untrusted pixels
    table = (0.01 * rng.standard_normal((N, N, N, 3))).astype(np.float32)
    return design, residual, weight, table


def test_the_luma_and_chroma_systems_solved_side_by_side_give_the_one_after_another_result():
    design, residual, weight, table = _jpeg_like_pair()
    one = gauss_newton_lattice([design], [residual], [weight], table, N, workers=1, **PRIORS)
    two = gauss_newton_lattice([design], [residual], [weight], table, N, workers=2, **PRIORS)
    np.testing.assert_array_equal(one, two)
    # and each channel is its own least-squares problem: luma on pixel rows, chroma on whole 4:2:0 blocks
    cur = table.reshape(-1, 3).astype(np.float64) @ YCBCR.T
    r = residual.reshape(-1, 3).astype(np.float64) @ YCBCR.T
    wf = weight.reshape(-1).astype(np.float64)
    whole = (design.block_op @ (wf > 0).astype(np.float64)) > 0.999
    wc = CHROMA_BLOCK_WEIGHT * (design.block_op @ wf) * whole
    expected = [solve_lattice_design(design.pixels, r[:, 0] + design.pixels @ cur[:, 0], wf, N, x0=cur[:, 0], **PRIORS)]
    expected += [solve_lattice_design(design.blocks, design.block_op @ r[:, c] + design.blocks @ cur[:, c], wc, N,
                                      x0=cur[:, c], **PRIORS) for c in (1, 2)]
    got = two.reshape(-1, 3).astype(np.float64) @ YCBCR.T
    np.testing.assert_allclose(got, np.stack(expected, 1), atol=2e-6)


def test_the_decoder_blurred_chroma_solved_side_by_side_gives_the_one_after_another_result():
    design, residual, weight, table = _jpeg_like_pair()
    blur = (design.block_op @ upsampling_operator(residual.shape[:2])).tocsr()
    blurred = ForwardDesign(design.pixels, design.blocks, design.block_op, blur=blur)
    one = gauss_newton_lattice([blurred], [residual], [weight], table, N, workers=1, **PRIORS)
    two = gauss_newton_lattice([blurred], [residual], [weight], table, N, workers=2, **PRIORS)
    np.testing.assert_array_equal(one, two)
    plain = gauss_newton_lattice([design], [residual], [weight], table, N, workers=1, **PRIORS)
    assert np.abs(one - plain).max() > 1e-4  # the blur changes the chroma solution


def test_systems_kept_across_steps_give_the_fresh_result_and_are_built_once():
    design, residual, weight, table = _jpeg_like_pair()
    blur = (design.block_op @ upsampling_operator(residual.shape[:2])).tocsr()
    blurred = ForwardDesign(design.pixels, design.blocks, design.block_op, blur=blur)
    kept = {}
    first = gauss_newton_lattice([blurred], [residual], [weight], table, N, systems=kept, **PRIORS)
    np.testing.assert_array_equal(first, gauss_newton_lattice([blurred], [residual], [weight], table, N, **PRIORS))
    grams = {key: entry[3][0] for key, entry in kept.items()}
    assert len(grams) == 2  # luma; Cb and Cr share one system
    # a later step: new residuals, start and noise level, the same weights -> the same DᵀWD objects
    later = {**PRIORS, "sigma": 0.02}
    step = gauss_newton_lattice([blurred], [0.5 * residual], [weight], first, N, systems=kept, **later)
    np.testing.assert_array_equal(step, gauss_newton_lattice([blurred], [0.5 * residual], [weight], first, N, **later))
    assert set(kept) == set(grams) and all(kept[key][3][0] is gram for key, gram in grams.items())
    # new weights: new systems, and the old ones are let go
    gauss_newton_lattice([blurred], [residual], [0.5 * weight], table, N, systems=kept, **PRIORS)
    assert len(kept) == 2 and not set(kept) & set(grams)


def test_a_plain_pairs_rows_merged_by_colour_are_kept_across_steps_like_its_systems():
    """A pair on its own grid (identity registration, no 4:2:0) is solved on rows merged by colour: while the
    weights hold, a later step reuses those rows and so its DᵀWD, with the fresh result."""
    design, residual, weight, table = _jpeg_like_pair()
    h, w = residual.shape[:2]
    rng = np.random.default_rng(2)
    colours = rng.random((h * w, 3)).astype(np.float32)
    colours[::2] = colours[1::2]  # pixels of the same colour share a merged row
    idx, a = tetrahedral_weights(colours, N)
    pixels = sp.csr_matrix((a.ravel(), (np.repeat(np.arange(h * w), 4), idx.ravel())), shape=(h * w, N**3))
    plain, kept = ForwardDesign(pixels, None, None, colours), {}
    first = gauss_newton_lattice([plain], [residual], [weight], table, N, systems=kept, **PRIORS)
    fresh = ForwardDesign(pixels, None, None, colours)
    np.testing.assert_array_equal(first, gauss_newton_lattice([fresh], [residual], [weight], table, N, **PRIORS))
    rows, grams = plain.merged[1], {key: entry[3][0] for key, entry in kept.items()}
    assert rows[0].shape[0] < h * w  # merged
    later = {**PRIORS, "sigma": 0.02}
    step = gauss_newton_lattice([plain], [0.5 * residual], [weight], first, N, systems=kept, **later)
    np.testing.assert_array_equal(step, gauss_newton_lattice([fresh], [0.5 * residual], [weight], first, N, **later))
    assert plain.merged[1] is rows and all(kept[key][3][0] is gram for key, gram in grams.items())
    gauss_newton_lattice([plain], [residual], [0.5 * weight], table, N, systems=kept, **PRIORS)
    assert plain.merged[1] is not rows and not set(kept) & set(grams)  # new weights: merged and built again


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
