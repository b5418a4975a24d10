"""Stage 2, LUTs: the objects, their interpolation, the Hald layout and chart, and LUT files.

- :mod:`~lutlearn.luts.lut`: :class:`LUT3D` (table indexed [b, g, r]), the identity lattice;
- :mod:`~lutlearn.luts.lut1d`, :mod:`~lutlearn.luts.shaper`: 1D curves, Resolve's shaper + 3D pair;
- :mod:`~lutlearn.luts.interp`: tetrahedral and trilinear kernels;
- :mod:`~lutlearn.luts.hald`, :mod:`~lutlearn.luts.chart`: the Hald layout and codec, the identity chart;
- :mod:`~lutlearn.luts.cube`: the ``.cube`` format; :mod:`~lutlearn.luts.files`: read/write by file kind.
"""

from lutlearn.luts.chart import identity_chart, write_chart
from lutlearn.luts.files import read_lut, write_lut
from lutlearn.luts.lut import LUT3D, identity_grid
from lutlearn.luts.lut1d import LUT1D
from lutlearn.luts.shaper import ShaperLUT

__all__ = ["LUT1D", "LUT3D", "ShaperLUT", "identity_chart", "identity_grid", "read_lut", "write_lut",
           "write_chart"]
