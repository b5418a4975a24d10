import numpy as np
import scipy.sparse as sp

from lutlearn.learn.forward import YCBCR, ForwardDesign, block_operator, gauss_newton_lattice
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
    wc = 2.0 * (design.block_op @ wf) * whole
    expected = [solve_lattice_design(design.pixels, r[:, 0] + design.pixels @ cur[:, 0], wf, N, x0=cur[:, 0], **PRIORS)]
    expected += [solve_lattice_design(design.blocks, design.block_op @ r[:, c] + design.blocks @ cur[:, c], wc, N,
                                      x0=cur[:, c], **PRIORS) for c in (1, 2)]
    got = two.reshape(-1, 3).astype(np.float64) @ YCBCR.T
    np.testing.assert_allclose(got, np.stack(expected, 1), atol=2e-6)
