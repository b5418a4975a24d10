"""lutlearn: learn a colour grade from before/after images and export it as a 3D LUT."""

__version__ = "0.1.0"

from lutlearn.errors import LutlearnError, LutlearnWarning  # noqa: E402
from lutlearn.lut import LUT3D  # noqa: E402
from lutlearn.imageio import read_image, write_image  # noqa: E402
from lutlearn.formats import read_lut, write_lut  # noqa: E402

__all__ = [
    "__version__",
    "LUT3D",
    "LutlearnError",
    "LutlearnWarning",
    "read_image",
    "write_image",
    "read_lut",
    "write_lut",
]
