"""lutlearn.nima.score: parity with the Keras reference, batching, mean and std."""

import json
from pathlib import Path

import numpy as np
import pytest

from lutlearn.nima.preprocess import nima_pixels, to_network_input
from lutlearn.nima.score import NimaScore, Scorer, mean_std, score_arrays
from lutlearn.nima.weights import WEIGHTS_FILENAME, load_params
from tests.shared import NIMA as SHARED

pytestmark = pytest.mark.needs(SHARED / WEIGHTS_FILENAME)
# idealo issue #23 (maintainer, 2019): the 4:4:4 JPEGs, which no decoder choice affects
PUBLISHED_2019 = {"42039.jpg": 5.228229299085797, "42041.jpg": 5.28654936273233,
                  "42042.jpg": 5.127163522876799, "42044.jpg": 5.79500457971551}


@pytest.fixture(scope="module")
def params():
    return load_params(SHARED / WEIGHTS_FILENAME)


@pytest.fixture(scope="module")
def reference():
    return json.loads((SHARED / "reference_scores.json").read_text())["images"]


@pytest.mark.parametrize("padding", ["keras216", "tfkeras"])
def test_parity_with_keras_reference(params, reference, padding):
    names = sorted(reference)
    results = Scorer(params, padding=padding, batch_size=16).score_files(
        [SHARED / "examples" / n for n in names], progress=False)
    for name, result in zip(names, results):
        want = reference[name][padding]
        assert result.error is None
        assert abs(result.mean - want["mean"]) < 1e-3, name
        assert abs(result.std - want["std"]) < 1e-3, name
        np.testing.assert_allclose(result.distribution, want["dist"], atol=1e-4, err_msg=name)
        if padding == "keras216" and Path(name).name in PUBLISHED_2019:
            assert abs(result.mean - PUBLISHED_2019[Path(name).name]) < 1e-4, name


def test_batches_are_padded_and_independent(params):
    photos = sorted((SHARED / "examples" / "idealo_test_images").glob("*.jpg"))[:3]
    pixels = np.stack([nima_pixels(p) for p in photos])
    in_twos = Scorer(params, batch_size=2).distributions(pixels)  # 2 + (1 padded to 2)
    one_by_one = Scorer(params, batch_size=1).distributions(pixels)
    assert in_twos.shape == (3, 10)
    np.testing.assert_allclose(in_twos, one_by_one, atol=2e-6)
    np.testing.assert_allclose(score_arrays(params, to_network_input(pixels)), one_by_one, atol=2e-6)


def test_bad_files_do_not_stop_the_others(params, tmp_path):
    (tmp_path / "bad.jpg").write_text("no")
    good = SHARED / "examples" / "idealo_test_images" / "42039.jpg"
    results = Scorer(params, batch_size=2).score_files([good, tmp_path / "bad.jpg", tmp_path / "gone.jpg", good],
                                                       progress=False)
    assert [r.error is None for r in results] == [True, False, False, True]
    assert "bad.jpg: not an image file" in results[1].error and "gone.jpg: no such file" in results[2].error
    assert results[0].mean == pytest.approx(results[3].mean, abs=1e-6)
    assert results[1].to_dict() == {"path": str(tmp_path / "bad.jpg"), "error": results[1].error}
    assert set(results[0].to_dict()) == {"path", "mean", "std", "distribution"}


def test_distributions_checks_shape(params):
    with pytest.raises(ValueError, match=r"expected \(N, 224, 224, 3\) images, got \(224, 224, 3\)"):
        Scorer(params, batch_size=1).distributions(np.zeros((224, 224, 3), np.uint8))


def test_mean_std_hand_cases():
    mean, std = mean_std(np.eye(10)[[0, 9]])
    assert mean.tolist() == [1.0, 10.0] and std.tolist() == [0.0, 0.0]
    mean, std = mean_std(np.full(10, 0.2))  # renormalised: uniform over 1..10
    assert float(mean) == pytest.approx(5.5) and float(std) == pytest.approx(np.sqrt(99 / 12))


def test_nima_score_fields():
    score = NimaScore("a.jpg", 5.0, 1.0, (0.1,) * 10)
    assert score.error is None and score.to_dict()["distribution"] == [0.1] * 10
