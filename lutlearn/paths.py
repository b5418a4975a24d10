"""lutlearn's per-user folders: one lookup rule for the data folder (looks) and the cache (weights, compiled code).

Each folder is, in order: its ``LUTLEARN_*`` environment variable, else the XDG
base directory (``$XDG_DATA_HOME`` / ``$XDG_CACHE_HOME``) plus ``lutlearn``,
else the XDG default under the home folder. Nothing is created here.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir", "cache_dir"]


def _user_folder(own_var: str, xdg_var: str, xdg_default: tuple[str, ...]) -> Path:
    if os.environ.get(own_var):
        return Path(os.environ[own_var]).expanduser()
    base = os.environ.get(xdg_var) or Path.home().joinpath(*xdg_default)
    return Path(base).expanduser() / "lutlearn"


def data_dir() -> Path:
    """``$LUTLEARN_DATA_DIR``, else ``$XDG_DATA_HOME/lutlearn``, else ``~/.local/share/lutlearn``."""
    return _user_folder("LUTLEARN_DATA_DIR", "XDG_DATA_HOME", (".local", "share"))


def cache_dir() -> Path:
    """``$LUTLEARN_CACHE_DIR``, else ``$XDG_CACHE_HOME/lutlearn``, else ``~/.cache/lutlearn``."""
    return _user_folder("LUTLEARN_CACHE_DIR", "XDG_CACHE_HOME", (".cache",))
