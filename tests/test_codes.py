"""lutlearn.codes.distinct: np.unique's sorted distinct values, by a sort (numpy 2.4's hash path is slow)."""

import numpy as np
import pytest

from lutlearn.codes import distinct


@pytest.mark.parametrize("dtype", [np.uint32, np.intp, np.int64])
@pytest.mark.parametrize("size", [0, 1, 2, 1000, 130_000])
def test_equals_np_unique(dtype, size):
    rng = np.random.default_rng(size)
    keys = rng.integers(0, max(2, size // 3), size).astype(dtype)  # many repeats
    got = distinct(keys)
    assert got.dtype == keys.dtype
    assert np.array_equal(got, np.unique(keys))
