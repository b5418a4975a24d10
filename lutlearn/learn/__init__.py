"""Stage 3, learning a look: image pairs -> samples -> model -> LUT and model files.

- :mod:`~lutlearn.learn.pairs`: before/after images -> collapsed samples;
  :mod:`~lutlearn.learn.jpeg420`: fitting what a 4:2:0 JPEG after image stores;
- :mod:`~lutlearn.learn.model`: the MLP (:class:`MLPSpec`) and :class:`LearnedModel`;
  :mod:`~lutlearn.learn.lattice`: the least-squares residual lattice;
- :mod:`~lutlearn.learn.train`: the JAX/optax and scikit-learn trainers;
- :mod:`~lutlearn.learn.modelfile`: the ``.npz`` model file; :mod:`~lutlearn.learn.metadata`: what it records;
- :mod:`~lutlearn.learn.fitting`: files in, LUT and model files out (``lutlearn fit``, ``bake``);
- photo pairs (``lutlearn fit`` on ordinary photos, issue 9): :mod:`~lutlearn.learn.photofit` (files in,
  LUT out), :mod:`~lutlearn.learn.register` (grade-invariant registration),
  :mod:`~lutlearn.learn.exportsim` and :mod:`~lutlearn.learn.forward` (the export's resampling and JPEG,
  simulated, and its linear part), :mod:`~lutlearn.learn.robust_fit` (the rounds: Huber IRLS, vignette),
  :mod:`~lutlearn.learn.robust` (binning, weights, vignette and local-edit estimators),
  :mod:`~lutlearn.learn.pairs_check` (leave-one-out pairs, cross-fitted local edits),
  :mod:`~lutlearn.learn.coverage`, :mod:`~lutlearn.learn.pair_folders` (``--pairs``),
  :mod:`~lutlearn.learn.train.lm_fit` (the network by Levenberg-Marquardt in numpy;
  :mod:`~lutlearn.learn.train.lbfgs_fit`, full-batch L-BFGS, for larger ones),
  :mod:`~lutlearn.learn.blas` (one BLAS thread);
- :mod:`~lutlearn.learn.metrics`, :mod:`~lutlearn.learn.report`: ΔE2000 and the report figure;
- :mod:`~lutlearn.learn.demo`: the built-in end-to-end job.
"""

from lutlearn.learn.fitting import FitSummary, fit_files
from lutlearn.learn.model import LearnedModel, MLPSpec
from lutlearn.learn.modelfile import load_model, save_model
from lutlearn.learn.pairs import Samples, load_pairs
from lutlearn.learn.photofit import fit_photo_files, fit_photo_pairs
from lutlearn.learn.train import FitConfig, FitResult, fit

__all__ = ["FitConfig", "FitResult", "FitSummary", "LearnedModel", "MLPSpec", "Samples", "fit", "fit_files",
           "fit_photo_files", "fit_photo_pairs", "load_model", "load_pairs", "save_model"]
