"""How a file stored its pixels, so that an output can be stored the same way ("write what the user gave you").

:func:`lutlearn.images.read_image` notes a file's :class:`Container`;
:func:`lutlearn.images.write_image` given it keeps those settings when the
output has the same format: an uncompressed TIFF stays uncompressed, a
deflate/LZW/zstd TIFF is compressed the same way with its predictor (at a fast
level, in strips compressed in parallel), a JPEG keeps its quantisation tables
(hence its quality), chroma subsampling and progressive mode. PNG output is
always deflate; how hard it is compressed is the writer's ``png`` choice
(:data:`PNG_COMPRESSION`).
"""

from __future__ import annotations

import dataclasses

__all__ = ["PNG_COMPRESSION", "Container"]

# what --png-compression chooses between; "fast" is lutlearn's own encoder (lutlearn.images.png)
PNG_COMPRESSION = {
    "fast": "one filter (up), zlib RLE at level 1, in strips on every thread (3x faster than libpng at level 1)",
    "small": "zlib level 9 after libpng's adaptive filters (8-bit) or the Sub filter (16-bit): ~5% smaller, "
             "10x slower",
}


@dataclasses.dataclass(frozen=True)
class Container:
    """A file's storage settings.

    Attributes:
        format: "TIFF", "PNG", "JPEG", or another Pillow format name.
        compression: TIFF: "none", "deflate", "lzw", "packbits", "jpeg", "zstd",
            "lzma", "webp", or the tag's number; others: "deflate" (PNG), "jpeg", "none".
        predictor: TIFF predictor: 1 none, 2 horizontal differencing, 3 floating point.
        jpeg_qtables: a JPEG's quantisation tables (Pillow's ``quantization``), or None.
        jpeg_subsampling: 0 (4:4:4), 1 (4:2:2) or 2 (4:2:0), or None when unknown.
        jpeg_progressive: a progressive JPEG.
    """

    format: str
    compression: str = "none"
    predictor: int = 1
    jpeg_qtables: dict | None = None
    jpeg_subsampling: int | None = None
    jpeg_progressive: bool = False
