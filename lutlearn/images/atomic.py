"""Writing files safely: atomic replacement, the rules for where an output may go, and all-or-nothing runs.

Every file lutlearn writes goes through :func:`atomic_write`: a temporary file
beside the target, renamed onto it only when complete; an ``OSError`` while
writing (a full disk, a read-only file system) becomes one
:class:`~lutlearn.errors.LutlearnError` naming the output. :func:`check_output`
is the one overwrite rule of every command, checked before any work: an output
never replaces one of the inputs, replaces an existing file only when the user
said ``--overwrite``, and its folder takes a test write (:func:`preflight_writable`),
so a read-only or full folder is found before training, scoring or applying
begins. :class:`AllOrNothing` removes what a command wrote when a later step fails.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import Iterable

from lutlearn.errors import LutlearnError

__all__ = ["atomic_write", "check_output", "check_output_path", "preflight_writable", "write_error", "os_reason",
           "AllOrNothing"]

_REASONS = {
    errno.ENOSPC: "no space left on the device (disk full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "is a folder",
    errno.EFBIG: "file too large for this file system",
    errno.ENAMETOOLONG: "file name too long",
    errno.EIO: "input/output error on the device",
}


def os_reason(exc: OSError) -> str:
    """What an ``OSError`` means, in a few plain words ("no space left on the device (disk full)").

    >>> os_reason(OSError(errno.EROFS, "Read-only file system", "out/x.png"))
    'read-only file system'
    """
    return _REASONS.get(exc.errno) or (exc.strerror or str(exc) or type(exc).__name__).splitlines()[0]


def write_error(path: str | os.PathLike, exc: OSError, doing: str = "cannot write") -> LutlearnError:
    """An ``OSError`` met while writing ``path``, as a one-line error naming ``path``.

    >>> str(write_error("out/look.cube", OSError(errno.ENOSPC, "No space left on device")))
    'out/look.cube: cannot write: no space left on the device (disk full)'
    """
    return LutlearnError(f"{path}: {doing}: {os_reason(exc)}")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    Nothing is left behind when the body raises (Ctrl-C and SIGTERM included,
    see :mod:`lutlearn.cli.signals`).

    Raises:
        LutlearnError: the directory does not exist or cannot be written (read-only,
            full): one line naming ``path``. An ``OSError`` about another file
            (an input read in the body) passes unchanged.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise LutlearnError(f"{path}: directory {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise write_error(path, e) from None
    try:
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file ordinary permissions
        yield tmp
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if e.filename is not None and os.fspath(e.filename) not in (tmp, str(path)):
            raise  # not this output's fault: the group names e.filename
        raise write_error(path, e) from None
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
                 overwrite: bool = False, probe: bool = True) -> Path:
    """The overwrite rule of every command, checked before any work is done.

    Args:
        output: the file to be written.
        inputs: files that must never be overwritten.
        overwrite: whether an existing ``output`` (not an input) may be replaced.
        probe: also test-write its folder (:func:`preflight_writable`).

    Returns:
        ``output`` as a Path.

    Raises:
        LutlearnError: ``output`` is an input, exists without ``overwrite``, is a
            folder, or its folder does not exist or cannot be written.
    """
    out = Path(output)
    check_output_path(out, inputs)
    if out.is_dir():
        raise LutlearnError(f"{out}: is a folder; give a file name")
    if out.exists() and not overwrite:
        raise LutlearnError(f"{out}: exists (pass --overwrite to replace it)")
    parent = out.parent if str(out.parent) else Path(".")
    _no_file_in_the_way(parent, out)
    if not parent.is_dir():
        raise LutlearnError(f"{out}: directory {parent} does not exist")
    if probe:
        preflight_writable(parent, name=out)
    return out


def _no_file_in_the_way(folder: Path, label) -> None:
    """Refuse a folder path that runs through a file (``in/afile.txt/graded``)."""
    probe = Path(folder.anchor) if folder.is_absolute() else Path(".")
    for part in folder.parts[1:] if folder.is_absolute() else folder.parts:
        probe = probe / part
        if not probe.exists():
            return
        if not probe.is_dir():
            raise LutlearnError(f"{label}: cannot write there: {probe} is a file, not a folder")


def preflight_writable(folder: str | os.PathLike, *, create: bool = False, created: list | None = None,
                       name=None) -> Path:
    """Make sure files can be written in ``folder`` (a one-byte test file, synced and removed); returns it.

    Args:
        folder: the output folder ("" is the current one).
        create: make it, and missing parents, when it does not exist.
        created: receives each folder this call made, outermost first (to remove them again).
        name: the output the check is for; messages then start with it instead of the folder.

    Raises:
        LutlearnError: one line: a file in the way, read-only file system, permission denied, disk full...
    """
    folder = Path(folder) if str(folder) else Path(".")
    label = folder if name is None else name
    _no_file_in_the_way(folder, label)
    if not folder.is_dir():
        if not create:
            raise LutlearnError(f"{label}: the folder {folder} does not exist")
        missing, up = [], folder
        while not up.exists() and up != up.parent:
            missing.append(up)
            up = up.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise write_error(label, e, f"cannot create the folder {folder}") from None
        if created is not None:
            created.extend(reversed(missing))
    test = None
    try:
        fd, test = tempfile.mkstemp(prefix=".lutlearn-probe.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(b"\0")
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        raise write_error(label, e, f"cannot write in {folder}") from None
    finally:  # an interrupt included
        if test is not None:
            with contextlib.suppress(OSError):
                os.unlink(test)
    return folder


class AllOrNothing:
    """A command's outputs: when the block raises (Ctrl-C included), remove those it wrote.

    A file that existed before :meth:`expect` (replaced with ``--overwrite``) is
    kept: its old content is gone, and the new one is complete. Folders
    recorded with :meth:`made` are removed when empty.

    >>> d = Path(tempfile.mkdtemp())
    >>> try:
    ...     with AllOrNothing([d / "a.cube", d / "b.png"]):
    ...         _ = (d / "a.cube").write_text("written")
    ...         raise OSError("the second write failed")
    ... except OSError:
    ...     pass
    >>> (d / "a.cube").exists()
    False
    """

    def __init__(self, paths: Iterable = (), folders: Iterable = ()):
        self._new: list[Path] = []
        self._folders: list[Path] = [Path(f) for f in folders]
        self.expect(*paths)

    def expect(self, *paths) -> None:
        """Outputs about to be written; those that do not exist yet are removed on failure."""
        self._new.extend(Path(p) for p in paths if p is not None and not Path(p).exists())

    def made(self, folders: Iterable) -> None:
        """Folders this command created, outermost first; removed on failure when empty."""
        self._folders.extend(Path(f) for f in folders)

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if kind is not None:
            for p in self._new:
                with contextlib.suppress(OSError):
                    p.unlink()
            for d in reversed(self._folders):
                with contextlib.suppress(OSError):
                    d.rmdir()
        return False
