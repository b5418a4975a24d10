"""Hostile files, generated at test time: small on disk, whatever they declare.

Everything here returns ``bytes`` (or writes a file) and needs only numpy and
Pillow. Files that *declare* a lot but weigh little (a 441-Mpx PNG of 1.3 MB,
an ``.npz`` whose member inflates to 2 GiB from 2 MB) are built without ever
holding the inflated data: a deflate block made of one repeated unit, flushed
with ``Z_FULL_FLUSH`` (which resets the compressor), is the same bytes every
time, so the stream is that block repeated; the adler32/crc32 of the repeated
data is combined arithmetically (zlib's ``*_combine``, written out here).
"""

from __future__ import annotations

import io
import json
import struct
import zlib

import numpy as np
from PIL import Image

# --------------------------------------------------------------------------- checksums

_BASE = 65521


def adler32_combine(a1: int, a2: int, len2: int) -> int:
    """adler32 of A+B from adler32(A), adler32(B) and len(B) (zlib's adler32_combine)."""
    rem = len2 % _BASE
    sum1 = a1 & 0xFFFF
    sum2 = (rem * sum1) % _BASE
    sum1 += (a2 & 0xFFFF) + _BASE - 1
    sum2 += ((a1 >> 16) & 0xFFFF) + ((a2 >> 16) & 0xFFFF) + _BASE - rem
    sum1 %= _BASE
    sum2 %= _BASE
    return sum1 | (sum2 << 16)


def _gf2_times(mat, vec):
    s, i = 0, 0
    while vec:
        if vec & 1:
            s ^= mat[i]
        vec >>= 1
        i += 1
    return s


def _gf2_square(mat):
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(c1: int, c2: int, len2: int) -> int:
    """crc32 of A+B from crc32(A), crc32(B) and len(B) (zlib's crc32_combine)."""
    if len2 <= 0:
        return c1
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # operator for one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            c1 = _gf2_times(even, c1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            c1 = _gf2_times(odd, c1)
        len2 >>= 1
        if not len2:
            break
    return c1 ^ c2


def _repeated(check, combine, unit: bytes, times: int, empty: int) -> int:
    """check(unit * times) by doubling, never materialising the data."""
    result, acc, acc_len = empty, check(unit), len(unit)
    while times:
        if times & 1:
            result = combine(result, acc, acc_len)
        acc, acc_len = combine(acc, acc, acc_len), acc_len * 2
        times >>= 1
    return result


# --------------------------------------------------------------------------- deflate

def deflate_repeated(unit: bytes, times: int, tail: bytes = b"") -> bytes:
    """A raw deflate stream of ``unit * times + tail`` (about ``times * len(unit) / 1000`` bytes)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "deflate blocks after a full flush should repeat"
    end = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = end.compress(tail) + end.flush()
    body = first + block * (times - 1) if times else b""
    return body + last


def zlib_repeated(unit: bytes, times: int, tail: bytes = b"") -> bytes:
    """A zlib stream (header, deflate, adler32) of ``unit * times + tail``."""
    adler = _repeated(zlib.adler32, adler32_combine, unit, times, 1)
    adler = adler32_combine(adler, zlib.adler32(tail), len(tail))
    return b"\x78\xda" + deflate_repeated(unit, times, tail) + struct.pack(">I", adler)


def crc32_repeated(unit: bytes, times: int, tail: bytes = b"") -> int:
    crc = _repeated(zlib.crc32, crc32_combine, unit, times, 0)
    return crc32_combine(crc, zlib.crc32(tail), len(tail))


# --------------------------------------------------------------------------- PNG

_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_COLOUR_TYPES = {"grey": (0, 1), "rgb": (2, 3), "rgba": (6, 4)}


def png_chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc & 0xFFFFFFFF)


def png_declared(width: int, height: int, *, bit_depth: int = 8, colour: str = "rgb", complete: bool = True,
                 row: bytes | None = None, extra_chunks: tuple = ()) -> bytes:
    """A PNG declaring ``width`` x ``height``.

    Args:
        complete: True: all rows are there (every row ``row``, default black),
            compressed as a repeated deflate block; False: the IHDR says so but
            the image data stops after a few rows (a "decompression bomb" whose
            decoder would be stopped by Pillow's size check, or a truncated file).
        row: the bytes of one row, without the filter byte.
        extra_chunks: (kind, data) chunks placed before IDAT.
    """
    ctype, channels = _COLOUR_TYPES[colour]
    rowbytes = width * channels * bit_depth // 8
    raw_row = b"\x00" + (row if row is not None else bytes(rowbytes))
    assert len(raw_row) == rowbytes + 1
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, ctype, 0, 0, 0)
    if complete:
        k = max(1, (1 << 22) // len(raw_row))
        q, r = divmod(height, k)
        idat = zlib_repeated(raw_row * k, q, raw_row * r)
    else:
        idat = zlib.compress(raw_row * min(height, 4), 9)[:-6]  # the stream stops early
    out = [_PNG_SIG, png_chunk(b"IHDR", ihdr)]
    out += [png_chunk(kind, data) for kind, data in extra_chunks]
    out += [png_chunk(b"IDAT", idat[i:i + (1 << 20)]) for i in range(0, len(idat), 1 << 20)]
    out.append(png_chunk(b"IEND", b""))
    return b"".join(out)


def gradient_row(width: int, channels: int = 3, bit_depth: int = 8) -> bytes:
    """One row of a horizontal gradient (many distinct colours), as PNG row bytes."""
    x = np.arange(width)
    if bit_depth == 8:
        rgb = np.stack([x % 256, (x // 256) % 256, (x * 7) % 256], axis=1).astype(">u1")
    else:  # period 2048 pixels (12 KB): inside deflate's 32-KB window, so the file stays small
        k = x % 2048
        rgb = np.stack([k * 32, (k * 131) % 65536, 65535 - k * 32], axis=1).astype(">u2")
    return rgb[:, :channels].tobytes()


def small_png(width: int = 96, height: int = 64, seed: int = 0, mode: str = "RGB") -> bytes:
    """An ordinary small photo-like PNG (smooth gradients plus noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), (x + y) % 256], axis=-1)
    rgb = np.clip(rgb + rng.integers(-8, 9, rgb.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).convert(mode).save(buf, format="PNG")
    return buf.getvalue()


def noise_png(width: int, height: int, seed: int = 0) -> bytes:
    """A PNG of random noise: slow to encode (for signals during encoding), stored with little compression."""
    rgb = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG", compress_level=0)
    return buf.getvalue()


def small_jpeg(width: int = 96, height: int = 64, mode: str = "RGB", quality: int = 90) -> bytes:
    im = Image.open(io.BytesIO(small_png(width, height))).convert(mode)
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def jpeg_declared(width: int, height: int) -> bytes:
    """A small JPEG whose SOF marker is patched to declare ``width`` x ``height`` (data left as is)."""
    data = bytearray(small_jpeg())
    i = 2
    while i < len(data):
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            data[i + 5:i + 9] = struct.pack(">HH", height, width)
            return bytes(data)
        i += 2 + length
    raise AssertionError("no SOF marker")


def tiff_declared(width: int, height: int, bits: int = 8) -> bytes:
    """A classic little-endian RGB TIFF declaring ``width`` x ``height``, with 16 bytes of pixel data."""
    entries = [  # tag, type, count, value
        (256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, bits), (259, 3, 1, 1), (262, 3, 1, 2),
        (273, 4, 1, 0), (277, 3, 1, 3), (278, 4, 1, height), (279, 4, 1, 16),
    ]
    ifd_at = 8
    data_at = ifd_at + 2 + 12 * len(entries) + 4
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_at) + struct.pack("<H", len(entries)))
    for tag, kind, count, value in entries:
        value = data_at if tag == 273 else value
        packed = struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, kind, count) + packed
    out += struct.pack("<I", 0) + bytes(16)
    return bytes(out)


def tiff_uncompressed(width: int, height: int, *, bits: int = 16, row: bytes | None = None,
                      rows_per_strip: int = 16) -> bytes:
    """A complete uncompressed RGB TIFF of ``width`` x ``height``, small on disk whatever it declares.

    Every strip points at the same ``rows_per_strip`` rows of data (``row``, a
    big-endian PNG-style row as :func:`gradient_row` makes, stored
    little-endian here), so a 100-Mpx 16-bit file weighs ~1 MB and decodes to 600 MB.
    """
    dtype = ">u2" if bits == 16 else "u1"
    raw = np.frombuffer(row if row is not None else bytes(width * 3 * bits // 8), dtype)
    assert raw.size == width * 3
    block = raw.astype(dtype.replace(">", "<")).tobytes() * rows_per_strip
    strips = -(-height // rows_per_strip)
    counts = [len(block)] * (strips - 1) + [len(block) // rows_per_strip * (height - rows_per_strip * (strips - 1))]
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 3, "bps"), (259, 3, 1, 1), (262, 3, 1, 2),
               (273, 4, strips, "offsets"), (277, 3, 1, 3), (278, 4, 1, rows_per_strip), (279, 4, strips, "counts"),
               (284, 3, 1, 1)]
    ifd_at = 8
    extra_at = ifd_at + 2 + 12 * len(entries) + 4
    bps = struct.pack("<3H", bits, bits, bits) + b"\0\0"
    data_at = extra_at + len(bps) + 8 * strips
    arrays = {"bps": (extra_at, bps), "offsets": (extra_at + len(bps), struct.pack(f"<{strips}I", *[data_at] * strips)),
              "counts": (extra_at + len(bps) + 4 * strips, struct.pack(f"<{strips}I", *counts))}
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_at) + struct.pack("<H", len(entries)))
    for tag, kind, count, value in entries:
        if isinstance(value, str):
            packed = struct.pack("<I", arrays[value][0])
        else:
            packed = struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, kind, count) + packed
    out += struct.pack("<I", 0)
    for _, data in arrays.values():
        out += data
    assert len(out) == data_at
    return bytes(out + block)


def cmyk_jpeg() -> bytes:
    return small_jpeg(mode="CMYK")


def animated_gif(frames: int = 3) -> bytes:
    ims = [Image.new("RGB", (64, 48), (40 * k, 255 - 60 * k, 90)) for k in range(frames)]
    buf = io.BytesIO()
    ims[0].save(buf, format="GIF", save_all=True, append_images=ims[1:], duration=100, loop=0)
    return buf.getvalue()


def ztxt_bomb_png(inflated: int = 1 << 30) -> bytes:
    """A small valid PNG with a zTXt chunk that inflates to ``inflated`` bytes (Pillow stops at 1 MB)."""
    stream = zlib_repeated(b"A" * (1 << 20), inflated >> 20)
    base = small_png()
    at = base.index(b"IDAT") - 4
    return base[:at] + png_chunk(b"zTXt", b"Comment\x00\x00" + stream) + base[at:]


def bad_crc_png() -> bytes:
    data = bytearray(small_png())
    at = data.index(b"IDAT") + 4 + struct.unpack(">I", data[data.index(b"IDAT") - 4:data.index(b"IDAT")])[0]
    data[at] ^= 0xFF  # flip a byte of the IDAT CRC
    return bytes(data)


def truncated(data: bytes, fraction: float = 0.5) -> bytes:
    return data[: int(len(data) * fraction)]


def hald_png(level: int = 4, bit_depth: int = 8) -> bytes:
    """An identity Hald CLUT of ``level`` (side L³)."""
    n = level * level
    i = np.arange(n ** 3)
    rgb = np.stack([i % n, (i // n) % n, i // (n * n)], axis=1) / (n - 1)
    side = level ** 3
    buf = io.BytesIO()
    if bit_depth == 8:
        Image.fromarray(np.rint(rgb * 255).astype(np.uint8).reshape(side, side, 3)).save(buf, format="PNG")
        return buf.getvalue()
    raw = np.rint(rgb * 65535).astype(">u2").reshape(side, side * 3)
    rows = b"".join(b"\x00" + r.tobytes() for r in raw)
    ihdr = struct.pack(">IIBBBBB", side, side, 16, 2, 0, 0, 0)
    return _PNG_SIG + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b"")


def plain_png(width: int, height: int, colour=(128, 128, 128)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, format="PNG")
    return buf.getvalue()


# --------------------------------------------------------------------------- .cube

def cube_text(size: int = 2, rows: list[str] | None = None, header: str = "") -> str:
    """An identity .cube of ``size`` (or the given data rows) after ``header`` lines."""
    if rows is None:
        ax = np.arange(size) / (size - 1)
        rows = [f"{r:.6f} {g:.6f} {b:.6f}" for b in ax for g in ax for r in ax]
    head = header if header else f"LUT_3D_SIZE {size}\n"
    return head + "\n".join(rows) + "\n"


def cube_constant(size: int, row: str = "0.500000 0.250000 0.750000") -> bytes:
    """A valid .cube of ``size``³ identical rows (size 128: 2.1 M rows, about 57 MB)."""
    return f'TITLE "constant"\nLUT_3D_SIZE {size}\n'.encode() + (row + "\n").encode() * size ** 3


# --------------------------------------------------------------------------- .npy / .npz

def npy_header(descr: str, shape: tuple, fortran: bool = False) -> bytes:
    """A version-1.0 .npy header (magic, length, dict, padding to 64 bytes)."""
    text = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {tuple(shape)!r}, }}"
    total = 10 + len(text) + 1
    text += " " * ((64 - total % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


def npy_bytes(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(array), allow_pickle=True)
    return buf.getvalue()


class Member:
    """A zip member: its name, its deflated (or stored) bytes, crc32 and declared sizes."""

    def __init__(self, name: str, data: bytes | None = None, *, raw: bytes | None = None, crc: int | None = None,
                 size: int | None = None, method: int = 8):
        self.name, self.method = name, method
        if data is not None:
            self.size, self.crc = len(data), zlib.crc32(data)
            if method == 8:
                c = zlib.compressobj(6, zlib.DEFLATED, -15)
                self.raw = c.compress(data) + c.flush()
            else:
                self.raw = data
        else:
            self.raw, self.crc, self.size = raw, crc, size

    @classmethod
    def inflating(cls, name: str, head: bytes, unit: bytes, times: int) -> "Member":
        """A member of ``head + unit * times`` bytes, stored as a repeated deflate block."""
        stream = deflate_repeated(unit, times, b"")
        prefix = zlib.compressobj(9, zlib.DEFLATED, -15)
        head_block = prefix.compress(head) + prefix.flush(zlib.Z_FULL_FLUSH)
        crc = crc32_combine(zlib.crc32(head), crc32_repeated(unit, times), len(unit) * times)
        return cls(name, raw=head_block + stream, crc=crc, size=len(head) + len(unit) * times)


def zip_bytes(members: list[Member]) -> bytes:
    """A zip archive of ``members`` (no zip64: each member under 4 GiB)."""
    out, central = bytearray(), bytearray()
    for m in members:
        name = m.name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, m.method, 0, 0x21, m.crc & 0xFFFFFFFF,
                           len(m.raw), m.size, len(name), 0) + name + m.raw
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, m.method, 0, 0x21,
                               m.crc & 0xFFFFFFFF, len(m.raw), m.size, len(name), 0, 0, 0, 0, 0, offset) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0)
    return bytes(out + central + end)


SPEC = {"hidden": [8], "hidden_activation": "sigmoid", "output_activation": "relu", "lattice": 0}


def model_arrays(seed: int = 0, spec: dict | None = None) -> dict:
    """The arrays of a valid lutlearn model file (format lutlearn-model/1), a small 3-8-3 network."""
    spec = spec or SPEC
    rng = np.random.default_rng(seed)
    sizes = (3, *spec["hidden"], 3)
    arrays = {"format": np.array("lutlearn-model/1"), "spec": np.array(json.dumps(spec)),
              "metadata": np.array(json.dumps({"name": "hostile", "description": "generated by the hostile corpus"}))}
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        arrays[f"w{i}"] = (rng.standard_normal((a, b)) * 0.5).astype(np.float32)
        arrays[f"b{i}"] = np.full(b, 0.3, np.float32)
    return arrays


def npz_of(arrays: dict) -> bytes:
    """An .npz (deflate) of ``arrays``, each member saved with np.save (pickles allowed)."""
    return zip_bytes([Member(f"{k}.npy", npy_bytes(v)) for k, v in arrays.items()])


def npz_declaring(member: str = "w0", nbytes: int = 2 << 30, kind: str = "float") -> bytes:
    """A valid-looking model .npz whose ``member`` inflates to ``nbytes`` of zeros (about nbytes/1000 on disk).

    Args:
        member: which array: "w0" (a weight), "spec" or "format" (the JSON/text members).
        nbytes: the member's declared (and real, once inflated) data size; a multiple of 12 MiB.
        kind: "float": a float32 (3, K) array; "text": a ``<U256`` array of K strings (numpy
            refuses one giant string scalar, so the size is in the shape).
    """
    if kind == "float":
        head = npy_header("<f4", (3, nbytes // 12))
    else:
        head = npy_header("<U256", (nbytes // 1024,))
    unit = bytes(1 << 20)
    times = nbytes // len(unit)
    assert times * len(unit) == nbytes, "nbytes must be whole MiB"
    members = [Member.inflating(f"{k}.npy", head, unit, times) if k == member else Member(f"{k}.npy", npy_bytes(v))
               for k, v in model_arrays().items()]
    return zip_bytes(members)
