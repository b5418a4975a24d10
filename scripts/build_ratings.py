"""A rating set with a known preference, for measuring NIMA training honestly.

    $ python scripts/build_ratings.py --out /tmp/kodak_taste [--crops 2] [--seed 0]
    $ lutlearn nima train /tmp/kodak_taste/ratings.csv -o taste.npz --val-fraction 0.33 --seed 0
    $ lutlearn nima train /tmp/kodak_taste/xmp -o taste_xmp.npz        # the XMP copy (a few images)

Images: every Kodak photo, ``--crops`` random crops of each (50-90 % of each
side), each crop graded with the identity and the 12 reference grades of
:mod:`lutlearn.grades` (exact functions, not the learned looks), saved as PNG
(long side 384). Group = the photo, so a split by group holds whole photos out.

The rater's taste (the rule the network has to learn; NIMA does not know it):
*warm and colourful pictures are better*::

    z    = (mean b* - 12) / 8  +  0.6 * (colourfulness - 40) / 20     (Hasler-Suesstrunk colourfulness)
    mean = 5.5 + 2.0 * tanh(z) + N(0, 0.15)                          (per image: rater noise)
    votes: 40 votes drawn from a normal N(mean, 1.3) discretised over the ratings 1..10

Written: ``ratings.csv`` (path, votes 1..10, group, rule_mean), and the same
ratings as stars (1..5, from the mean) in XMP for the first photos' images, in
the forms Lightroom (the packet embedded in a JPEG copy), darktable
(``name.png.xmp``, attribute form, exiv2 layout) and digiKam (``name.xmp``,
element form) write, under ``xmp/``, plus one unrated, one rejected and one
malformed sidecar. The Kodak photos are read from ``../shared/data/photos``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

PHOTOS = sorted((Path(__file__).resolve().parents[2] / "shared" / "data" / "photos").glob("kodim*.png"))


def colour_stats(rgb8: np.ndarray) -> tuple[float, float]:
    """(mean b*, Hasler-Suesstrunk colourfulness) of uint8 (H, W, 3)."""
    from lutlearn.rank.measures import lab_from_codes

    lab = lab_from_codes(rgb8[::2, ::2])
    x = rgb8.astype(np.float64)
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    colourful = np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())
    return float(lab[..., 2].mean()), float(colourful)


def rule_mean(rgb8: np.ndarray, rng: np.random.Generator) -> float:
    """The rater's mean rating of an image (module docstring)."""
    b, c = colour_stats(rgb8)
    z = (b - 12.0) / 8.0 + 0.6 * (c - 40.0) / 20.0
    return float(np.clip(5.5 + 2.0 * np.tanh(z) + rng.normal(0, 0.15), 1.0, 10.0))


def votes_for(mean: float, rng: np.random.Generator, n: int = 40) -> np.ndarray:
    """``n`` votes from N(mean, 1.3) discretised over the ratings 1..10."""
    bins = np.arange(1, 11)
    p = np.exp(-0.5 * ((bins - mean) / 1.3) ** 2)
    return rng.multinomial(n, p / p.sum())


def stars_for(mean: float) -> int:
    """The mean rating as 1..5 stars."""
    return int(np.clip(np.rint(1 + (mean - 1) * 4 / 9), 1, 5))


def build(out: Path, crops: int, seed: int) -> Path:
    """Write the images, ``ratings.csv`` and the XMP copy into ``out``; returns the CSV's path."""
    from PIL import Image

    from lutlearn.grades import GRADES

    rng = np.random.default_rng(seed)
    grades = {"identity": None, **{k: v for k, v in GRADES.items() if k != "darkroom"}}
    (out / "images").mkdir(parents=True, exist_ok=True)
    rows = []
    for photo in PHOTOS:
        with Image.open(photo) as im:
            src = im.convert("RGB")
        w, h = src.size
        for c in range(crops):
            fw, fh = rng.uniform(0.5, 0.9, 2)
            x0, y0 = rng.uniform(0, 1 - fw) * w, rng.uniform(0, 1 - fh) * h
            crop = src.crop((int(x0), int(y0), int(x0 + fw * w), int(y0 + fh * h)))
            crop.thumbnail((384, 384), Image.Resampling.BOX)
            base = np.asarray(crop, np.float32) / 255.0
            for name, fn in grades.items():
                graded = base if fn is None else np.asarray(fn(base))
                rgb8 = np.clip(np.rint(graded * 255), 0, 255).astype(np.uint8)
                path = out / "images" / f"{photo.stem}_c{c}_{name}.png"
                Image.fromarray(rgb8).save(path)
                mean = rule_mean(rgb8, rng)
                rows.append([f"images/{path.name}", *votes_for(mean, rng), photo.stem, f"{mean:.4f}"])
    csv_path = out / "ratings.csv"
    with open(csv_path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["path", *[str(k) for k in range(1, 11)], "group", "rule_mean"])
        writer.writerows(rows)
    write_xmp_examples(out, rows[:13 * crops * 2])
    return csv_path


LIGHTROOM = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000 1.000000, 0000/00/00-00:00:00        ">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
   xmp:ModifyDate="2024-05-01T10:00:00+02:00"
   xmp:CreatorTool="Adobe Photoshop Lightroom Classic 13.2 (Windows)"
   xmp:Rating="{stars}"
   photoshop:DateCreated="2024-04-30T18:12:03"
   crs:Version="16.2"/>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""

DARKTABLE = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:darktable="http://darktable.sf.net/"
   exif:DateTimeOriginal="2024:04:30 18:12:03"
   xmp:Rating="{stars}"
   xmpMM:DerivedFrom="{name}"
   darktable:import_timestamp="63848102400000000"
   darktable:xmp_version="5"
   darktable:auto_presets_applied="1">
   <darktable:history>
    <rdf:Seq/>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""

DIGIKAM_ELEMENT = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:MicrosoftPhoto="http://ns.microsoft.com/photo/1.0/"
    xmlns:digiKam="http://www.digikam.org/ns/1.0/">
   <xmp:Rating>{stars}</xmp:Rating>
   <MicrosoftPhoto:Rating>{percent}</MicrosoftPhoto:Rating>
   <digiKam:TagsList><rdf:Seq><rdf:li>kodak</rdf:li></rdf:Seq></digiKam:TagsList>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""

PERCENT = {1: 1, 2: 25, 3: 50, 4: 75, 5: 99}


def write_xmp_examples(out: Path, rows) -> None:
    """The same ratings as XMP stars, in the three programs' forms (plus one unrated, one rejected, one malformed)."""
    from PIL import Image

    folder = out / "xmp"
    folder.mkdir(exist_ok=True)
    for k, row in enumerate(rows):
        src = out / row[0]
        stars = stars_for(float(row[-1]))
        style = k % 3
        if style == 0:  # Lightroom: a JPEG with the packet embedded
            dst = folder / (src.stem + ".jpg")
            with Image.open(src) as im:
                im.save(dst, quality=92, xmp=LIGHTROOM.format(stars=stars).encode("utf-8"))
        elif style == 1:  # darktable: name.png.xmp
            dst = folder / src.name
            dst.write_bytes(src.read_bytes())
            (folder / (src.name + ".xmp")).write_text(DARKTABLE.format(stars=stars, name=src.name))
        else:  # digiKam, element form, compatibility sidecar name.xmp
            dst = folder / src.name
            dst.write_bytes(src.read_bytes())
            dst.with_suffix(".xmp").write_text(DIGIKAM_ELEMENT.format(stars=stars, percent=PERCENT[stars]))
    extra = out / rows[0][0]
    extras = (("unrated", DARKTABLE.format(stars=0, name="x")), ("rejected", DARKTABLE.format(stars=-1, name="x")),
              ("malformed", "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF><oops></x:xmpmeta>"))
    for name, text in extras:
        dst = folder / f"zz_{name}.png"
        dst.write_bytes(extra.read_bytes())
        (folder / f"zz_{name}.png.xmp").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write (images/, ratings.csv, xmp/)")
    parser.add_argument("--crops", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    path = build(args.out, args.crops, args.seed)
    print(path)


if __name__ == "__main__":
    main()
