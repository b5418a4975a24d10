"""Stage 5, NIMA aesthetic scoring: idealo's MobileNet weights, re-implemented in JAX, and fine-tuning on ratings.

- :mod:`~lutlearn.nima.model`, :mod:`~lutlearn.nima.weights`, :mod:`~lutlearn.nima.preprocess`,
  :mod:`~lutlearn.nima.score`: the network, idealo's weights, idealo's preprocessing, batched scoring;
- :mod:`~lutlearn.nima.loss`, :mod:`~lutlearn.nima.metrics`: the EMD loss; SRCC, LCC, accuracy, EMD;
- :mod:`~lutlearn.nima.ratings`, :mod:`~lutlearn.nima.xmp`: ratings from a CSV, AVA.txt or XMP stars;
- :mod:`~lutlearn.nima.dataset`, :mod:`~lutlearn.nima.train`: two-phase fine-tuning;
- :mod:`~lutlearn.nima.weightsfile`, :mod:`~lutlearn.nima.trainfiles`: our weights file, and
  ``lutlearn nima train`` from ratings to that file.

Importing this package does not import jax; the functions do, when called.
"""

from lutlearn.nima.loss import emd_loss
from lutlearn.nima.metrics import metrics
from lutlearn.nima.model import PADDINGS, features, forward
from lutlearn.nima.preprocess import nima_pixels, to_network_input
from lutlearn.nima.ratings import RatedImage, RatingSet, load_ratings
from lutlearn.nima.score import NimaScore, Scorer, enable_compilation_cache, mean_std, score_arrays
from lutlearn.nima.train import TrainConfig, TrainResult, train
from lutlearn.nima.weights import (
    WEIGHTS_SHA256,
    WEIGHTS_URL,
    fold_batchnorm,
    load_params,
    locate_weights,
    random_params,
    read_keras_h5,
)
from lutlearn.nima.weightsfile import load_weights, save_weights

__all__ = [
    "PADDINGS",
    "WEIGHTS_SHA256",
    "WEIGHTS_URL",
    "NimaScore",
    "RatedImage",
    "RatingSet",
    "Scorer",
    "TrainConfig",
    "TrainResult",
    "emd_loss",
    "enable_compilation_cache",
    "features",
    "fold_batchnorm",
    "forward",
    "load_params",
    "load_ratings",
    "load_weights",
    "locate_weights",
    "mean_std",
    "metrics",
    "nima_pixels",
    "random_params",
    "read_keras_h5",
    "save_weights",
    "score_arrays",
    "to_network_input",
    "train",
]
