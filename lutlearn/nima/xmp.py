"""Star ratings photographers already have: ``xmp:Rating`` from XMP sidecars and from XMP embedded in images.

For each image the XMP is read from, in this order:

1. a sidecar ``photo.jpg.xmp`` (darktable always; digiKam's default);
2. a sidecar ``photo.xmp`` (Lightroom, for raw files; digiKam's compatibility option);
3. the XMP packet embedded in the file (Lightroom for JPEG/TIFF, digiKam): the
   first ``<x:xmpmeta>...</x:xmpmeta>`` in the file's first 8 MB (a JPEG's APP1
   segment, a PNG's iTXt chunk, a TIFF's tag 700).

Both serialisations of the property are read, in any ``rdf:Description``: the
attribute ``xmp:Rating="4"`` (how the Adobe XMP toolkit and exiv2, hence
Lightroom, darktable and digiKam, write simple properties) and the element
``<xmp:Rating>4</xmp:Rating>`` (digiKam/exiv2 may, Windows does). Values follow
the XMP specification: 1..5 stars; 0 is *unrated* and -1 *rejected* (darktable
writes -1; Lightroom keeps its reject flag out of XMP): both are skipped and
counted. XMP that is not well-formed XML, or a rating that is not a whole
number, gives a one-line warning and the photo is skipped (counted as
*malformed*); a number outside -1..5 is an error.

>>> parse_xmp_rating(b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
...     b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
...     b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="4"/></rdf:RDF></x:xmpmeta>')
4
"""

from __future__ import annotations

import glob
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Callable, Sequence

from lutlearn import filekinds
from lutlearn.errors import LutlearnWarning, RatingsError
from lutlearn.nima.ratings import RatingSet, rated_image, stars_to_target

__all__ = ["XmpError", "parse_xmp_rating", "xmp_for_image", "read_xmp_ratings", "XMP_NS"]

XMP_NS = "http://ns.adobe.com/xap/1.0/"
_PACKET = re.compile(rb"<x:xmpmeta[\s>].*?</x:xmpmeta>", re.DOTALL)
_SCAN_BYTES = 8 << 20  # embedded XMP sits in the file's header segments
_MAX_PACKET = 1 << 20  # an unterminated packet is read up to this many bytes


class XmpError(RatingsError):
    """An XMP packet that is not well-formed, or whose rating is not a whole number (the photo is skipped)."""


def parse_xmp_rating(packet: bytes | str) -> int | None:
    """``xmp:Rating`` of an XMP packet or sidecar (attribute or element form), or None when absent.

    Raises:
        XmpError: not well-formed XML (a DTD counts as malformed: XMP has none), or a rating that
            is not a whole number.
    """
    data = packet.encode("utf-8") if isinstance(packet, str) else bytes(packet)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmpError("not well-formed XMP (a DTD or entity declaration)")
    match = _PACKET.search(data)
    try:
        root = ET.fromstring(match.group(0) if match else data)
    except ET.ParseError as e:
        raise XmpError(f"not well-formed XML ({e})") from None
    key = f"{{{XMP_NS}}}Rating"
    for element in root.iter():
        value = element.attrib.get(key)
        if value is None and element.tag == key:
            value = (element.text or "").strip()
        if value is not None:
            try:
                number = float(value)
            except ValueError:
                raise XmpError(f"xmp:Rating is not a number: {value!r}") from None
            if number != int(number):
                raise XmpError(f"xmp:Rating is not a whole number: {value!r}")
            return int(number)
    return None


def xmp_for_image(image: Path) -> tuple[bytes, str] | None:
    """(XMP bytes, where they came from) for an image: its sidecar, else the packet embedded in it; None if neither."""
    image = Path(image)
    for sidecar in (image.with_name(image.name + ".xmp"), image.with_suffix(".xmp"), image.with_suffix(".XMP")):
        if sidecar.is_file():
            return sidecar.read_bytes(), str(sidecar)
    with open(image, "rb") as f:
        head = f.read(_SCAN_BYTES)
    start = head.find(b"<x:xmpmeta")
    if start < 0:
        return None
    end = head.find(b"</x:xmpmeta>", start)
    packet = head[start:end + len(b"</x:xmpmeta>")] if end >= 0 else head[start:start + _MAX_PACKET]
    return packet, f"{image} (embedded XMP)"


def _expand_images(inputs: Sequence[str | os.PathLike]) -> list[Path]:
    """Image files named by ``inputs``: files, folders (searched recursively) and globs, sorted, no repeats."""
    found: list[Path] = []
    for spec in inputs:
        p = Path(spec)
        if p.is_dir():
            found += sorted(q for q in p.rglob("*") if q.is_file() and filekinds.kind_of(q, "image"))
        elif p.is_file():
            found.append(p)
        else:
            matches = sorted(Path(m) for m in glob.glob(str(spec), recursive=True))
            if not matches:
                raise RatingsError(f"{spec}: no such file, folder or glob")
            found += [m for m in matches if m.is_file() and filekinds.kind_of(m, "image")]
    return list(dict.fromkeys(found))


def read_xmp_ratings(inputs: Sequence[str | os.PathLike], warn: Callable[[str], None] | None = None) -> RatingSet:
    """Star ratings of the images named by ``inputs`` (module docstring).

    Args:
        inputs: image files, folders (recursively) and globs.
        warn: called with one line per malformed XMP (default: a LutlearnWarning).

    Returns:
        The rated images (group: the file stem) and the counts skipped: "unrated"
        (no XMP, no rating, or 0), "rejected" (-1) and "malformed".

    Raises:
        RatingsError: a name that matches nothing, or a rating outside -1..5.
    """
    warn = warn or _warn
    items, skipped = [], {"unrated": 0, "rejected": 0, "malformed": 0}
    for image in _expand_images(inputs):
        try:
            found = xmp_for_image(image)
        except OSError as e:
            raise RatingsError(f"{image}: cannot read ({e.strerror})") from None
        if found is None:
            skipped["unrated"] += 1
            continue
        data, where = found
        try:
            stars = parse_xmp_rating(data)
        except XmpError as e:
            warn(f"{where}: malformed XMP, photo skipped: {e}")
            skipped["malformed"] += 1
            continue
        if stars is None or stars == 0:
            skipped["unrated"] += 1
        elif stars == -1:
            skipped["rejected"] += 1
        elif 1 <= stars <= 5:
            items.append(rated_image(image, stars_to_target(stars), image.stem, "xmp"))
        else:
            raise RatingsError(f"{where}: xmp:Rating {stars} is out of range (-1..5)")
    return RatingSet(items, skipped)


def _warn(message: str) -> None:
    import warnings

    warnings.warn(message, LutlearnWarning, stacklevel=3)
