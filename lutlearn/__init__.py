"""lutlearn: learn a colour grade from before/after images and export it as a 3D LUT.

The package is one folder per stage of the pipeline (see README, "How it fits
together"): ``images`` -> ``luts`` -> ``learn`` -> ``looks`` -> ``nima`` / ``rank``
-> ``cli``, over a few shared modules (``errors``, ``codes``, ``filekinds``,
``paths``, ``progress``). Importing this package imports every stage, which
registers each file kind's reader and writer (:mod:`lutlearn.filekinds`).

The public API, re-exported here:

- images and LUT files: :func:`read_image`, :func:`write_image`, :func:`read_lut`, :func:`write_lut`, :class:`LUT3D`;
- learning: :func:`fit_files` (chart files in, LUT/model files out), :func:`fit_photo_files` (photo pairs
  in: registered, robust), :func:`fit` (samples in),
  :class:`MLPSpec`, :class:`FitConfig`, :func:`load_pairs`;
- learned models: :class:`LearnedModel`, :func:`load_model`, :func:`save_model`;
- applying looks: :func:`resolve_look`, :func:`apply_to_file`.

Heavy dependencies (jax, colour-science, matplotlib) are imported only when used.
"""

from lutlearn._version import __version__
from lutlearn.errors import LutlearnError, LutlearnWarning
from lutlearn.images import read_image, write_image
from lutlearn.learn import (
    FitConfig,
    LearnedModel,
    MLPSpec,
    fit,
    fit_files,
    fit_photo_files,
    load_model,
    load_pairs,
    save_model,
)
from lutlearn.looks import apply_to_file, resolve_look
from lutlearn.luts import LUT3D, read_lut, write_lut

__all__ = [
    "__version__",
    "FitConfig",
    "LUT3D",
    "LearnedModel",
    "LutlearnError",
    "LutlearnWarning",
    "MLPSpec",
    "apply_to_file",
    "fit",
    "fit_files",
    "fit_photo_files",
    "load_model",
    "load_pairs",
    "read_image",
    "read_lut",
    "resolve_look",
    "save_model",
    "write_image",
    "write_lut",
]
