"""Stage 4, looks: what a look is, the library of looks, and applying looks to pixels and photo files.

- :mod:`~lutlearn.looks.look`: the :class:`Look` protocol and look files (LUTs, learned models);
- :mod:`~lutlearn.looks.library`: bundled and user looks by name;
- :mod:`~lutlearn.looks.resolve`: a ``--look`` argument (file or name) -> a look;
- :mod:`~lutlearn.looks.render`: a look applied to arrays of codes, exactly and fast;
- :mod:`~lutlearn.looks.apply`: a look applied to photo files, one or a batch.
"""

from lutlearn.looks.apply import apply_batch, apply_to_file
from lutlearn.looks.library import list_looks, load_look
from lutlearn.looks.look import FunctionLook, LatticeLook, Look, open_look_file
from lutlearn.looks.render import ColourCache, render
from lutlearn.looks.resolve import is_look_name, resolve_look

__all__ = ["ColourCache", "FunctionLook", "LatticeLook", "Look", "apply_batch", "apply_to_file", "is_look_name",
           "list_looks", "load_look", "open_look_file", "render", "resolve_look"]
