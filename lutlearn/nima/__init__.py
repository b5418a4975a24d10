"""NIMA aesthetic scoring: idealo's MobileNet weights, re-implemented in JAX.

Importing this package does not import jax; the functions do, when called.
"""

from lutlearn.nima.loss import emd_loss
from lutlearn.nima.model import PADDINGS, forward
from lutlearn.nima.preprocess import nima_pixels, to_network_input
from lutlearn.nima.score import NimaScore, Scorer, enable_compilation_cache, mean_std, score_arrays
from lutlearn.nima.weights import (
    WEIGHTS_SHA256,
    WEIGHTS_URL,
    fold_batchnorm,
    load_params,
    locate_weights,
    random_params,
    read_keras_h5,
)

__all__ = [
    "PADDINGS",
    "WEIGHTS_SHA256",
    "WEIGHTS_URL",
    "NimaScore",
    "Scorer",
    "emd_loss",
    "enable_compilation_cache",
    "fold_batchnorm",
    "forward",
    "load_params",
    "locate_weights",
    "mean_std",
    "nima_pixels",
    "random_params",
    "read_keras_h5",
    "score_arrays",
    "to_network_input",
]
