"""Reference grades defined in code: ground-truth looks for the demo, the bundled looks, tests and benchmarks.

Each grade is a function float32 (..., 3) sRGB in [0, 1] -> same shape,
float32 in [0, 1]: smooth and deterministic, built from the operations in
:mod:`lutlearn.grades.ops` (no third-party LUTs). ``darkroom`` is the demo's;
the others are the sources of the bundled looks (``scripts/build_looks.py``).

>>> sorted(GRADES)[:3]
['bleach_bypass', 'cool_matte', 'cross_process']
>>> GRADES["sepia"]([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]).astype(float).round(2).tolist()
[[0.1, 0.06, 0.03], [1.0, 0.92, 0.76]]
"""

from __future__ import annotations

from lutlearn.grades._colour import (bleach_bypass, cool_matte, cross_process, darkroom, faded_print,
                                     high_key_pastel, split_toning, teal_orange, vivid_slide, warm_film_fade)
from lutlearn.grades._mono import mono_high_contrast, mono_low_contrast, sepia

__all__ = [
    "GRADES",
    "bleach_bypass",
    "cool_matte",
    "cross_process",
    "darkroom",
    "faded_print",
    "high_key_pastel",
    "mono_high_contrast",
    "mono_low_contrast",
    "sepia",
    "split_toning",
    "teal_orange",
    "vivid_slide",
    "warm_film_fade",
]

GRADES = {
    "darkroom": darkroom,
    "warm_film_fade": warm_film_fade,
    "cool_matte": cool_matte,
    "teal_orange": teal_orange,
    "bleach_bypass": bleach_bypass,
    "cross_process": cross_process,
    "high_key_pastel": high_key_pastel,
    "vivid_slide": vivid_slide,
    "faded_print": faded_print,
    "split_toning": split_toning,
    "sepia": sepia,
    "mono_high_contrast": mono_high_contrast,
    "mono_low_contrast": mono_low_contrast,
}
