"""``.npz`` archives read with every size checked *before* anything is decompressed.

``np.load(path)["w0"]`` trusts the ``.npy`` header inside the zip member: a 2-MB
file whose member says ``shape (3, 178956970)`` makes numpy allocate and inflate
2 GiB (4 GB of memory before lutlearn could say "wrong shape"). :class:`SafeNpz` instead

1. opens the zip and reads only its central directory (declared sizes, method, encryption);
2. for a member it is asked for, decompresses only the ``.npy`` header (a few
   hundred bytes) and parses it with numpy's header reader (never a pickle);
3. checks, still before reading data, that the dtype is plain (objects are
   pickles) and of an allowed kind (no complex, boolean or text weights), that
   the shape is the one expected, that ``prod(shape) * itemsize`` agrees with the
   zip's declared size and that both are under the limit;
4. only then reads exactly that many bytes (zipfile checks the CRC).

Memory therefore follows the arrays asked for, never what a file declares. The
limit per array is ``LUTLEARN_MAX_MODEL_BYTES`` (default 256 MiB: a 129³ lattice
is 26 MB, a 4096x4096 layer 64 MB; :mod:`lutlearn.learn.modelfile` applies it to
a model's arrays together too); text members are limited to 1 MiB.
"""

from __future__ import annotations

import math
import os
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from lutlearn.errors import ModelFileError

__all__ = ["SafeNpz", "NpyHeader", "max_model_bytes", "DEFAULT_MAX_MODEL_BYTES", "MODEL_BYTES_ENV"]

MODEL_BYTES_ENV = "LUTLEARN_MAX_MODEL_BYTES"
DEFAULT_MAX_MODEL_BYTES = 256 << 20
MAX_TEXT_BYTES = 1 << 20
_MAX_HEADER = 10_000  # numpy's own default for untrusted files


def max_model_bytes() -> int:
    """The per-array limit: ``$LUTLEARN_MAX_MODEL_BYTES`` (bytes, e.g. ``512e6``) or 256 MiB."""
    text = os.environ.get(MODEL_BYTES_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_MODEL_BYTES
    try:
        value = int(float(text))
    except ValueError:
        raise ModelFileError(f"LUTLEARN_MAX_MODEL_BYTES must be a number of bytes, got {text!r}") from None
    if value < 1:
        raise ModelFileError(f"LUTLEARN_MAX_MODEL_BYTES must be positive, got {text!r}")
    return value


class NpyHeader(NamedTuple):
    """What a ``.npy`` member declares: dtype, shape, order, header length and data size in bytes."""

    dtype: np.dtype
    shape: tuple
    fortran: bool
    header_len: int
    nbytes: int


def _mib(n: int) -> str:
    return f"{n / (1 << 20):,.1f} MiB" if n < 1 << 30 else f"{n / (1 << 30):,.1f} GiB"


class SafeNpz:
    """An ``.npz`` opened for checked reading. Use as a context manager.

    Args:
        path: the file.
        max_member_bytes: largest array (declared bytes) that will be read.
        max_text_bytes: largest text member (``format``, ``spec``, ``metadata``).

    Raises:
        ModelFileError: not a zip, encrypted, or an unknown compression method.

    >>> import io, numpy as np
    >>> buf = io.BytesIO(); np.savez(buf, w=np.ones((3, 2), np.float32)); _ = buf.seek(0)
    >>> with SafeNpz(buf) as z:
    ...     z.array("w", shape=(3, 2)).tolist()
    [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
    """

    def __init__(self, path, *, max_member_bytes: int | None = None, max_text_bytes: int = MAX_TEXT_BYTES):
        self.name = str(path) if isinstance(path, (str, os.PathLike)) else "<npz>"
        self.max_member_bytes = max_model_bytes() if max_member_bytes is None else max_member_bytes
        self.max_text_bytes = max_text_bytes
        try:
            if isinstance(path, (str, os.PathLike)) and not Path(path).is_file():
                raise ModelFileError(f"{self.name}: no such file")
            self._zip = zipfile.ZipFile(path)
        except ModelFileError:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
            detail = "empty file" if _is_empty(path) else (str(e).splitlines()[0][:80] if str(e) else type(e).__name__)
            raise ModelFileError(f"{self.name}: not a readable lutlearn model file (not an .npz archive: {detail})"
                                 ) from None
        self._infos = {}
        for info in self._zip.infolist():
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            self._infos[key] = info

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self._zip.close()

    def __contains__(self, key: str) -> bool:
        return key in self._infos

    @property
    def files(self) -> list[str]:
        return list(self._infos)

    def _info(self, key: str) -> zipfile.ZipInfo:
        info = self._infos.get(key)
        if info is None:
            raise ModelFileError(f"{self.name}: not a lutlearn model file (no member {key!r})")
        if info.flag_bits & 0x1:
            raise ModelFileError(f"{self.name}: member {key!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ModelFileError(f"{self.name}: member {key!r} uses an unsupported compression method")
        return info

    def header(self, key: str) -> NpyHeader:
        """Parse the ``.npy`` header of ``key`` (decompressing only the header bytes)."""
        info = self._info(key)
        try:
            with self._zip.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(f, max_header_size=_MAX_HEADER)
                elif version in ((2, 0), (3, 0)):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(f, max_header_size=_MAX_HEADER)
                else:
                    raise ValueError(f"unknown .npy version {version}")
                header_len = f.tell()
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, SyntaxError) as e:
            detail = str(e).splitlines()[0][:80] if str(e) else type(e).__name__
            raise ModelFileError(f"{self.name}: member {key!r} is not a readable array ({detail})") from None
        if dtype.hasobject:
            raise ModelFileError(f"{self.name}: member {key!r} holds Python objects (pickled data); "
                                 "lutlearn model files never do")
        if any(not isinstance(d, int) or d < 0 for d in shape):
            raise ModelFileError(f"{self.name}: member {key!r} has an invalid shape {shape}")
        nbytes = math.prod(shape) * dtype.itemsize
        return NpyHeader(dtype, tuple(shape), bool(fortran), header_len, nbytes)

    def checked_header(self, key: str, limit: int | None = None) -> NpyHeader:
        """:meth:`header`, its size checked against ``limit`` (default: the member limit) and the zip's own record."""
        limit = self.max_member_bytes if limit is None else limit
        info, head = self._info(key), self.header(key)
        if head.nbytes > limit:
            raise ModelFileError(f"{self.name}: member {key!r} declares {_mib(head.nbytes)} "
                                 f"(shape {head.shape}); the limit is {_mib(limit)} ({MODEL_BYTES_ENV})")
        if info.file_size != head.header_len + head.nbytes:
            raise ModelFileError(f"{self.name}: member {key!r} declares shape {head.shape} ({_mib(head.nbytes)}) "
                                 f"but holds {_mib(max(info.file_size - head.header_len, 0))}")
        return head

    def _read(self, key: str, head: NpyHeader) -> np.ndarray:
        try:
            with self._zip.open(self._info(key)) as f:
                f.seek(head.header_len) if f.seekable() else f.read(head.header_len)
                data = f.read(head.nbytes)
                if len(data) != head.nbytes or f.read(1):
                    raise ValueError("member size does not match its header")
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
            detail = str(e).splitlines()[0][:80] if str(e) else type(e).__name__
            raise ModelFileError(f"{self.name}: member {key!r} is damaged ({detail})") from None
        array = np.frombuffer(data, dtype=head.dtype)
        return array.reshape(head.shape, order="F" if head.fortran else "C")

    def text(self, key: str) -> str:
        """A text member (a numpy unicode scalar, as ``np.savez`` writes a str), at most ``max_text_bytes``."""
        head = self.checked_header(key, self.max_text_bytes)
        if head.dtype.kind not in "US" or head.shape != ():
            raise ModelFileError(f"{self.name}: member {key!r} should be text, got {head.dtype} {head.shape}")
        value = self._read(key, head)[()]
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

    def array(self, key: str, *, shape: tuple | None = None, kinds: str = "fiu") -> np.ndarray:
        """A numeric array; its declared shape must equal ``shape`` (when given) and its dtype kind be in ``kinds``
        (f: float, i/u: integer; complex, bool, text and objects are refused).

        Returns:
            A writable C-contiguous copy.
        """
        head = self.checked_header(key, self.max_member_bytes)
        if head.dtype.kind not in kinds:
            what = {"c": "complex", "b": "boolean", "U": "text", "S": "bytes", "V": "structured"}.get(
                head.dtype.kind, str(head.dtype))
            raise ModelFileError(f"{self.name}: member {key!r} holds {what} values ({head.dtype}); "
                                 "expected real numbers")
        if shape is not None and head.shape != tuple(shape):
            raise ModelFileError(f"{self.name}: member {key!r} has shape {head.shape}; expected {tuple(shape)}")
        return np.array(self._read(key, head), order="C")


def _is_empty(path) -> bool:
    try:
        return isinstance(path, (str, os.PathLike)) and os.path.getsize(path) == 0
    except OSError:
        return False
