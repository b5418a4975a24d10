"""Contact sheets: a photo and its best entries side by side, each labelled with its score, gain and first warning.

Photos are read small here, for people rather than for NIMA: a JPEG is decoded
at a reduced DCT scale (Pillow's ``draft``), the EXIF orientation is applied,
and the image is shrunk with a box filter into a cell. Looks are applied to the
small image with :func:`lutlearn.rank.candidates.grade_pixels`. Each tile has up
to three label lines (:func:`lutlearn.rank.tables.sheet_labels`); a warning line
(starting with "!") is drawn in amber. The original leads each row, and appears
again at its place in the ranking ("none") when it ranks among the best.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from lutlearn.errors import ImageReadError
from lutlearn.images import open_checked
from lutlearn.images.read import short_reason

__all__ = ["preview_pixels", "label_tile", "sheet_row", "compose", "write_sheet", "write_look_preview", "CELL",
           "SHEET_LOOKS"]

CELL = (360, 240)  # (width, height) of each picture cell, in pixels
SHEET_LOOKS = 5  # looks shown per photo, at most
_BAND = 76  # label band height: three lines
_FONT_SIZE = 17
_BACKGROUND = (24, 24, 24)
_TEXT = (235, 235, 235)
_WARNING = (255, 190, 60)  # amber


def preview_pixels(path: str | os.PathLike, cell: tuple[int, int] = CELL) -> np.ndarray:
    """Decode ``path`` small enough to fit ``cell`` (aspect kept, EXIF orientation applied).

    Returns:
        uint8 (h, w, 3) with w <= cell[0] and h <= cell[1].

    Raises:
        ImageReadError: the file cannot be decoded.
    """
    from PIL import Image, ImageOps

    try:
        with open_checked(path) as im:  # the image limit, from the header
            im.draft("RGB", (cell[0] * 2, cell[1] * 2))  # JPEG: decode at 1/2..1/8 scale; others: no-op
            im = ImageOps.exif_transpose(im)
            im = im.convert("RGB") if im.mode != "RGB" else im
            im.thumbnail(cell, Image.Resampling.BOX)
            return np.asarray(im, dtype=np.uint8)
    except ImageReadError:
        raise
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageReadError(f"{path}: cannot decode image for the sheet ({short_reason(e)})") from None


def _font():
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=_FONT_SIZE)
    except (TypeError, OSError, ImportError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def label_tile(rgb: np.ndarray, lines: Sequence[str], cell: tuple[int, int] = CELL) -> np.ndarray:
    """Centre ``rgb`` in a cell and write ``lines`` (three at most) in a band under it.

    Args:
        rgb: uint8 (h, w, 3), at most the cell's size.
        lines: label text, one to three lines; a line starting with "!" is a warning, drawn in amber.

    Returns:
        uint8 (cell[1] + band, cell[0], 3).
    """
    from PIL import Image, ImageDraw

    h, w = rgb.shape[:2]
    tile = Image.new("RGB", (cell[0], cell[1] + _BAND), _BACKGROUND)
    tile.paste(Image.fromarray(rgb), ((cell[0] - w) // 2, (cell[1] - h) // 2))
    draw = ImageDraw.Draw(tile)
    font = _font()
    for k, line in enumerate(list(lines)[:3]):
        colour = _WARNING if line.startswith("!") else _TEXT
        draw.text((8, cell[1] + 5 + k * (_FONT_SIZE + 5)), line, fill=colour, font=font)
    return np.asarray(tile)


def sheet_row(ranking, looks: dict, top: int = SHEET_LOOKS, cell: tuple[int, int] = CELL) -> list[np.ndarray]:
    """The labelled tiles of one photo: its original, then its ``top`` best entries ("none" included).

    Args:
        ranking: a :class:`lutlearn.rank.suggest.PhotoRanking` (no error).
        looks: label -> look object, for the looks in the ranking.

    Returns:
        A list of uint8 tiles (see :func:`label_tile`).
    """
    from lutlearn.rank.candidates import grade_pixels
    from lutlearn.rank.suggest import ORIGINAL
    from lutlearn.rank.tables import sheet_labels

    small = preview_pixels(ranking.photo, cell)
    tiles = [label_tile(small, [f"{Path(ranking.photo).name}: original", f"NIMA {ranking.original[0]:.2f}"], cell)]
    for entry in ranking.ranking[:top]:
        pixels = small if entry.look == ORIGINAL else grade_pixels(small, [looks[entry.look]], [entry.strength])[0]
        tiles.append(label_tile(pixels, sheet_labels(entry), cell))
    return tiles


def compose(rows: Sequence[Sequence[np.ndarray]], columns: int | None = None, gap: int = 6) -> np.ndarray:
    """Lay tiles out on a grid: each row of tiles starts a new line, wrapped at ``columns``.

    Returns:
        uint8 (H, W, 3).
    """
    lines = []
    for row in rows:
        step = columns or len(row)
        lines.extend(row[i:i + step] for i in range(0, len(row), step))
    th, tw = lines[0][0].shape[:2]
    ncol = max(len(line) for line in lines)
    out = np.empty((gap + len(lines) * (th + gap), gap + ncol * (tw + gap), 3), np.uint8)
    out[...] = 60
    for i, line in enumerate(lines):
        for j, tile in enumerate(line):
            y, x = gap + i * (th + gap), gap + j * (tw + gap)
            out[y:y + th, x:x + tw] = tile
    return out


def write_sheet(path: str | os.PathLike, rankings, looks: dict, top: int = SHEET_LOOKS) -> Path:
    """Write the contact sheet of ``rankings`` (photos that failed are left out).

    One photo: its tiles on a grid three wide. Several: one row per photo.

    Args:
        path: .jpg, .png or .tif.
        rankings: :class:`lutlearn.rank.suggest.PhotoRanking` objects.
        looks: label -> look object.
        top: looks per photo.

    Returns:
        ``path``.

    Raises:
        LutlearnError: nothing to show, or the file cannot be written.
    """
    from lutlearn.errors import LutlearnError
    from lutlearn.images import write_image

    rows = [sheet_row(r, looks, top) for r in rankings if r.error is None]
    if not rows:
        raise LutlearnError(f"{path}: no photo was scored, so there is no sheet to write")
    grid = compose(rows, columns=3 if len(rows) == 1 else None)
    return write_image(path, grid, bit_depth=8, quality=90)


def write_look_preview(path: str | os.PathLike, look, name: str) -> Path:
    """Render ``look`` on the built-in test image (:mod:`lutlearn.images.testimage`): original | look, labelled.

    Args:
        path: .png, .jpg or .tif.
        look: an object with ``apply``.
        name: the label.

    Returns:
        ``path``.
    """
    from lutlearn.codes import to_codes
    from lutlearn.images import write_image
    from lutlearn.images.testimage import test_image
    from lutlearn.rank.candidates import grade_pixels

    codes = to_codes(test_image(), 8)[0]
    cell = (codes.shape[1], codes.shape[0])
    tiles = [label_tile(codes, ["original"], cell), label_tile(grade_pixels(codes, [look], [1.0])[0], [name], cell)]
    return write_image(path, compose([tiles]), bit_depth=8, quality=95)
