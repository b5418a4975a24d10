"""Stage 1, image files: the only place lutlearn decodes or encodes pixels.

- :mod:`~lutlearn.images.read`: files -> float32 RGB or integer codes, with metadata (:class:`ImageData`);
- :mod:`~lutlearn.images.write`: arrays -> PNG, JPEG, TIFF at 8 or 16 bits, metadata kept;
- :mod:`~lutlearn.images.highbit`: the 16-bit encoders and TIFF metadata Pillow cannot carry;
- :mod:`~lutlearn.images.jpeg`: a 4:2:0 JPEG's stored luma and chroma planes;
- :mod:`~lutlearn.images.png16`: 16-bit PNG written to the file with memory flat in the image size;
- :mod:`~lutlearn.images.limits`: the image-size limit, checked from the header before decoding;
- :mod:`~lutlearn.images.atomic`: atomic writes, the overwrite rule and output preflight of every command.
"""

from lutlearn import filekinds
from lutlearn.images.atomic import (
    AllOrNothing,
    atomic_write,
    check_output,
    check_output_path,
    preflight_writable,
    write_error,
)
from lutlearn.images.jpeg import read_jpeg_planes
from lutlearn.images.limits import max_pixels, open_checked
from lutlearn.images.read import ImageData, image_size, read_image
from lutlearn.images.write import write_image

__all__ = ["AllOrNothing", "ImageData", "atomic_write", "check_output", "check_output_path", "image_size", "max_pixels",
           "open_checked", "preflight_writable", "read_image", "read_jpeg_planes", "write_error", "write_image"]

for _kind in filekinds.kinds("image"):
    filekinds.register(_kind.name, reader=read_image, writer=write_image)
