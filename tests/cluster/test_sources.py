"""Inputs -> photo keys: files, folders, globs, list files, URIs; local copies on workers."""

import pytest

from lutlearn.cluster.sources import expand_sources, is_uri, local_copy, local_path, read_list_file
from lutlearn.errors import ImageReadError, LutlearnError
from lutlearn.looks.apply import expand_inputs


def test_local_specs_match_the_single_machine_expansion(photos):
    folder = photos[0].parent
    specs = [str(folder), str(folder / "*.jpg"), str(photos[0])]
    assert expand_sources(specs) == [str(p) for p in expand_inputs(specs)]


def test_file_uris_of_a_file_a_folder_and_a_glob(photos):
    folder = photos[0].parent
    keys = expand_sources([f"file://{folder}/", f"file://{folder}/*.png", f"file://{photos[1]}"])
    assert keys == [f"file://{p}" for p in photos]  # the glob and the file repeat the folder's photos
    assert local_path(keys[0]) == photos[0]


def test_list_file_paths_relative_to_it_comments_and_uris(photos, tmp_path):
    listing = tmp_path / "photos.txt"
    rel = photos[0].relative_to(photos[0].parent.parent)
    listing.write_text(f"# shoot 1\n\n../{rel}\nfile://{photos[1]}\n{photos[2]}\n")
    (tmp_path / "sub").mkdir()
    keys = expand_sources([listing])
    assert [local_path(k).resolve() for k in keys] == [p.resolve() for p in photos[:3]]


def test_list_file_naming_missing_photos_is_one_line_naming_them(photos, tmp_path):
    listing = tmp_path / "photos.lst"
    listing.write_text(f"{photos[0]}\n{tmp_path}/gone1.jpg\nfile://{tmp_path}/gone2.jpg\n")
    with pytest.raises(LutlearnError) as e:
        read_list_file(str(listing))
    message = str(e.value)
    assert "\n" not in message and "2 listed photos not found" in message
    assert "line 2" in message and "gone1.jpg" in message and "line 3" in message


@pytest.mark.parametrize("spec, expected", [
    ("nosuchproto://bucket/a.jpg", "cannot open"),
    ("file:///no/such/folder/a.jpg", "no such file"),
    ("/no/such/folder/*.jpg", "no such file"),
    ("/no/such/list.txt", "no such list file"),
])
def test_unreadable_inputs_are_one_clear_line(spec, expected):
    with pytest.raises(LutlearnError, match=expected) as e:
        expand_sources([spec])
    assert "\n" not in str(e.value) and spec.split("*")[0].rstrip("/") in str(e.value)


def test_remote_uris_download_to_a_temporary_copy(photos):
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/shoot/a.jpg", photos[0].read_bytes())
    fs.pipe("/shoot/notes.md", b"not a photo")
    keys = expand_sources(["memory://shoot/"])
    assert keys == ["memory:///shoot/a.jpg"] and is_uri(keys[0]) and local_path(keys[0]) is None
    with local_copy(keys[0]) as tmp:
        assert tmp.read_bytes() == photos[0].read_bytes()
    assert not tmp.exists()
    with pytest.raises(ImageReadError, match="memory:///shoot/b.jpg: no such file"):
        with local_copy("memory:///shoot/b.jpg"):
            pass
