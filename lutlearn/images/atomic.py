"""Writing files safely: atomic replacement, and the rules for where an output may go.

Every file lutlearn writes goes through :func:`atomic_write`: a temporary file
beside the target, renamed onto it only when complete. :func:`check_output`
is the one overwrite rule of every command: an output never replaces one of
the inputs, and replaces an existing file only when the user said
``--overwrite``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterable

from lutlearn.errors import LutlearnError

__all__ = ["atomic_write", "check_output", "check_output_path"]


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    Nothing is left behind when the body raises (Ctrl-C included).

    Raises:
        LutlearnError: the directory does not exist or is not writable.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise LutlearnError(f"{path}: directory {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise LutlearnError(f"{path}: cannot write to {directory} ({e.strerror})") from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file ordinary permissions
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_output_path(output: str | os.PathLike, inputs: Iterable[str | os.PathLike]) -> None:
    """Refuse to write ``output`` over any of ``inputs``.

    Raises:
        LutlearnError: naming the input that would be overwritten.
    """
    out = Path(output)
    for p in inputs:
        p = Path(p)
        if out.resolve() == p.resolve() or (out.exists() and p.exists() and out.samefile(p)):
            raise LutlearnError(f"{out}: output would overwrite the input {p}")


def check_output(output: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (), *,
                 overwrite: bool = False) -> Path:
    """The overwrite rule of every command, checked before any work is done.

    Args:
        output: the file to be written.
        inputs: files that must never be overwritten.
        overwrite: whether an existing ``output`` (not an input) may be replaced.

    Returns:
        ``output`` as a Path.

    Raises:
        LutlearnError: ``output`` is an input, exists without ``overwrite``, is a
            folder, or its folder does not exist.
    """
    out = Path(output)
    check_output_path(out, inputs)
    if out.is_dir():
        raise LutlearnError(f"{out}: is a folder; give a file name")
    if out.exists() and not overwrite:
        raise LutlearnError(f"{out}: exists (pass --overwrite to replace it)")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise LutlearnError(f"{out}: directory {parent} does not exist")
    return out
