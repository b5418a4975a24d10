"""Rating inputs: CSV (votes, mean, stars), AVA.txt, XMP star ratings as Lightroom, darktable and digiKam write them."""

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from lutlearn.errors import RatingsError
from lutlearn.nima import ratings as R
from lutlearn.nima import xmp as X

XMP_HEAD = ('<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="{tk}">\n'
            ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n')
XMP_TAIL = ' </rdf:RDF>\n</x:xmpmeta>\n'


def lightroom(stars) -> str:
    """Attribute form in the Adobe XMP toolkit's layout, in an xpacket (what Lightroom embeds in a JPEG's APP1
    and writes to a raw file's name.xmp sidecar)."""
    body = (f'  <rdf:Description rdf:about=""\n    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
            f'    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"\n'
            f'   xmp:CreatorTool="Adobe Photoshop Lightroom Classic 13.2 (Windows)"\n'
            f'   xmp:Rating="{stars}"\n   crs:Version="16.2"/>\n')
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' + XMP_HEAD.format(tk="Adobe XMP Core 7.0")
            + body + XMP_TAIL + '<?xpacket end="w"?>')


def darktable(stars) -> str:
    """Attribute form in exiv2's layout, with darktable's history element after the attributes (name.ext.xmp)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + XMP_HEAD.format(tk="XMP Core 4.4.0-Exiv2")
            + '  <rdf:Description rdf:about=""\n    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
            '    xmlns:darktable="http://darktable.sf.net/"\n'
            f'   xmp:Rating="{stars}"\n   darktable:xmp_version="5">\n'
            '   <darktable:history><rdf:Seq/></darktable:history>\n  </rdf:Description>\n' + XMP_TAIL)


def digikam(stars) -> str:
    """Element form, as digiKam (through exiv2) writes it next to MicrosoftPhoto:Rating."""
    return (XMP_HEAD.format(tk="XMP Core 4.4.0-Exiv2")
            + '  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
            '    xmlns:MicrosoftPhoto="http://ns.microsoft.com/photo/1.0/">\n'
            f'   <xmp:Rating>{stars}</xmp:Rating>\n   <MicrosoftPhoto:Rating>75</MicrosoftPhoto:Rating>\n'
            '  </rdf:Description>\n' + XMP_TAIL)


def _image(path, xmp: str | None = None):
    """A small image; ``xmp`` embedded as a JPEG APP1 packet, a PNG iTXt chunk or a TIFF tag 700."""
    im = Image.fromarray(np.full((40, 60, 3), 128, np.uint8))
    suffix = path.suffix.lower()
    if xmp is None:
        im.save(path)
    elif suffix == ".jpg":
        im.save(path, quality=90, xmp=xmp.encode("utf-8"))
    elif suffix == ".png":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", xmp)
        im.save(path, pnginfo=info)
    else:
        im.save(path, tiffinfo={700: xmp.encode("utf-8")})
    return path


def _mean_of(stars: int) -> float:
    return round(float(R.stars_to_target(stars) @ R.BINS), 2)


def test_csv_votes_mean_stars(tmp_path):
    for name in ("a.png", "b.png", "c.png"):
        _image(tmp_path / name)
    (tmp_path / "votes.csv").write_text("path,1,2,3,4,5,6,7,8,9,10,group\na.png,0,0,0,0,1,3,0,0,0,0,p1\n")
    (tmp_path / "mean.csv").write_text("image,mean,std\nb.png,6.5,1.0\n")
    (tmp_path / "stars.csv").write_text("file,stars\nc.png,5\n")
    votes = R.read_csv_ratings(tmp_path / "votes.csv").items[0]
    assert votes.mean == pytest.approx(5.75) and votes.group == "p1" and votes.path == tmp_path / "a.png"
    np.testing.assert_allclose(votes.target, [0, 0, 0, 0, 0.25, 0.75, 0, 0, 0, 0])
    assert R.read_csv_ratings(tmp_path / "mean.csv").items[0].mean == pytest.approx(6.5, abs=0.05)
    stars = R.read_csv_ratings(tmp_path / "stars.csv").items[0]
    assert stars.mean > 8.5 and stars.group == "c" and stars.target.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("body,message", [
    ("path,mean\nmissing.png,5\n", "names 1 missing image.s.: .*missing.png"),
    ("path,mean\na.png,11\n", "line 2: a mean rating must be in 1..10, got 11"),
    ("path,mean\na.png,0.5\n", "line 2: a mean rating must be in 1..10"),
    ("path,stars\na.png,6\n", "line 2: a star rating must be 1..5"),
    ("path,stars\na.png,2.5\n", "line 2: a star rating must be a whole number"),
    ("path,1,2,3,4,5,6,7,8,9,10\na.png,0,0,0,0,-1,3,0,0,0,0\n", "line 2: expected 10 non-negative"),
    ("path,mean\na.png,lots\n", "line 2: could not convert"),
    ("path,mean\n", "no ratings"),
    ("", "no ratings"),
    ("path,comment\na.png,nice\n", "no rating columns"),
    ("name,mean\na.png,5\n", "no image column"),
])
def test_csv_bad_input(tmp_path, body, message):
    _image(tmp_path / "a.png")
    (tmp_path / "r.csv").write_text(body)
    with pytest.raises(RatingsError, match=message):
        R.read_csv_ratings(tmp_path / "r.csv")


def test_ava(tmp_path):
    (tmp_path / "images").mkdir()
    _image(tmp_path / "images" / "953619.jpg")
    (tmp_path / "AVA.txt").write_text("1 953619 0 1 5 17 38 36 15 6 5 1 1 22 1396\n\n")
    (item,) = R.load_ratings([tmp_path / "AVA.txt"]).items
    assert item.path.name == "953619.jpg" and item.mean == pytest.approx(5.637, abs=1e-3) and item.source == "ava"
    (tmp_path / "AVA.txt").write_text("1 953619 0 1 5\n")
    with pytest.raises(RatingsError, match="line 1: expected 15 columns"):
        R.read_ava(tmp_path / "AVA.txt")
    (tmp_path / "AVA.txt").write_text("1 777 0 1 5 17 38 36 15 6 5 1 1 22 1396\n")
    with pytest.raises(RatingsError, match="missing image.*777.jpg"):
        R.read_ava(tmp_path / "AVA.txt")


def test_xmp_as_the_three_programs_write_it(tmp_path):
    (tmp_path / "shoot").mkdir()
    _image(tmp_path / "lr_embedded.jpg", lightroom(4))  # Lightroom: packet in the JPEG
    _image(tmp_path / "lr_raw.tif")
    (tmp_path / "lr_raw.xmp").write_text(lightroom(3))  # Lightroom: name.xmp sidecar
    _image(tmp_path / "dt.png")
    (tmp_path / "dt.png.xmp").write_text(darktable(2))  # darktable: name.ext.xmp, attribute form
    _image(tmp_path / "shoot" / "dk.jpg")
    (tmp_path / "shoot" / "dk.jpg.xmp").write_text(digikam(5))  # digiKam sidecar, element form (sub-folder)
    _image(tmp_path / "dk_embedded.png", digikam(1))  # digiKam: embedded in a PNG's iTXt
    _image(tmp_path / "tiff_embedded.tif", darktable(2))  # embedded in TIFF tag 700
    got = {it.path.name: round(it.mean, 2) for it in X.read_xmp_ratings([tmp_path]).items}
    assert got == {"lr_embedded.jpg": _mean_of(4), "lr_raw.tif": _mean_of(3), "dt.png": _mean_of(2),
                   "dk.jpg": _mean_of(5), "dk_embedded.png": _mean_of(1), "tiff_embedded.tif": _mean_of(2)}


def test_sidecar_wins_over_embedded(tmp_path):
    _image(tmp_path / "both.jpg", lightroom(1))
    (tmp_path / "both.jpg.xmp").write_text(darktable(5))
    assert round(X.read_xmp_ratings([tmp_path / "both.jpg"]).items[0].mean, 2) == _mean_of(5)


def test_xmp_unrated_rejected_malformed(tmp_path):
    for name, text in [("zero", darktable(0)), ("reject", darktable(-1)),
                       ("broken", '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><oops></x:xmpmeta>'),
                       ("words", darktable("lots")), ("half", digikam("2.5")), ("good", darktable(3)),
                       ("nothing", XMP_HEAD.format(tk="x") + XMP_TAIL)]:
        _image(tmp_path / f"{name}.png")
        (tmp_path / f"{name}.png.xmp").write_text(text)
    _image(tmp_path / "bare.png")  # no XMP at all
    (tmp_path / "notes.txt").write_text("not an image: ignored")
    warnings = []
    result = X.read_xmp_ratings([tmp_path], warn=warnings.append)
    assert [it.path.name for it in result.items] == ["good.png"]
    assert result.skipped == {"unrated": 3, "rejected": 1, "malformed": 3}
    assert len(warnings) == 3 and all("\n" not in w and "malformed XMP, photo skipped" in w for w in warnings)
    assert any("broken.png.xmp" in w for w in warnings)


def test_malformed_xmp_is_a_one_line_warning_by_default(tmp_path):
    _image(tmp_path / "a.png")
    (tmp_path / "a.png.xmp").write_text("<x:xmpmeta><unclosed></x:xmpmeta>")
    _image(tmp_path / "b.png")
    (tmp_path / "b.png.xmp").write_text(darktable(4))
    with pytest.warns(UserWarning, match="a.png.xmp: malformed XMP, photo skipped"):
        rated = R.load_ratings([tmp_path])
    assert len(rated.items) == 1 and rated.skipped == {"unrated": 0, "rejected": 0, "malformed": 1}


def test_xmp_out_of_range_nothing_rated_and_no_such_input(tmp_path):
    _image(tmp_path / "seven.png")
    (tmp_path / "seven.png.xmp").write_text(darktable(7))
    with pytest.raises(RatingsError, match="xmp:Rating 7 is out of range"):
        R.load_ratings([tmp_path])
    (tmp_path / "seven.png.xmp").write_text(darktable(0))
    with pytest.raises(RatingsError, match=r"no rated image to train on \(1 unrated\)"):
        R.load_ratings([tmp_path])
    with pytest.raises(RatingsError, match="no such file, folder or glob"):
        R.load_ratings([tmp_path / "nowhere"])
    with pytest.raises(RatingsError, match="mixed rating sources"):
        R.load_ratings([tmp_path / "r.csv", tmp_path])


def test_entity_declarations_are_malformed_not_expanded():
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">&a;</x:xmpmeta>')
    with pytest.raises(X.XmpError, match="DTD"):
        X.parse_xmp_rating(bomb)
