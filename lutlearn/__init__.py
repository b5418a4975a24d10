"""lutlearn: learn a colour grade from before/after images and export it as a 3D LUT.

The public API, re-exported here; each name lives in its own module:

- images and LUT files: :func:`read_image`, :func:`write_image`, :func:`read_lut`, :func:`write_lut`, :class:`LUT3D`;
- learning: :func:`fit_files` (files in, LUT/model files out), :func:`fit` (samples in),
  :class:`MLPSpec`, :class:`FitConfig`, :func:`load_pairs`;
- learned models: :class:`LearnedModel`, :func:`load_model`, :func:`save_model`;
- applying looks: :func:`resolve_look`, :func:`apply_to_file`.

Heavy dependencies (jax, colour-science, matplotlib) are imported only when used.
"""

__version__ = "0.1.0"

from lutlearn.errors import LutlearnError, LutlearnWarning  # noqa: E402
from lutlearn.lut import LUT3D  # noqa: E402
from lutlearn.imageio import read_image, write_image  # noqa: E402
from lutlearn.formats import read_lut, write_lut  # noqa: E402
from lutlearn.model import MLPSpec  # noqa: E402
from lutlearn.modelfile import LearnedModel, load_model, save_model  # noqa: E402
from lutlearn.pairs import load_pairs  # noqa: E402
from lutlearn.train import FitConfig, fit  # noqa: E402
from lutlearn.fitting import fit_files  # noqa: E402
from lutlearn.look_resolver import resolve_look  # noqa: E402
from lutlearn.apply import apply_to_file  # noqa: E402

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
    "load_model",
    "load_pairs",
    "read_image",
    "read_lut",
    "resolve_look",
    "save_model",
    "write_image",
    "write_lut",
]
