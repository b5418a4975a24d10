"""The looks library: bundled looks, the user's folder, `lutlearn looks` and the --look hook."""

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from lutlearn.cli import cli
from lutlearn.errors import LutlearnError
from lutlearn.grades import GRADES
from lutlearn.images.testimage import test_image as make_test_image
from lutlearn.looks.library import LookError, add_look, find_look, list_looks, load_look, remove_look, user_dir
from lutlearn.looks.resolve import resolve_look
from lutlearn.luts import write_lut
from lutlearn.luts.lut import LUT3D
from lutlearn.paths import data_dir

BUNDLED = {"warm_film_fade", "cool_matte", "teal_orange", "bleach_bypass", "cross_process", "high_key_pastel",
           "vivid_slide", "faded_print", "split_toning", "sepia", "mono_high_contrast", "mono_low_contrast"}


@pytest.fixture(autouse=True)
def user_data(tmp_path, monkeypatch):
    """Every test gets an empty user library."""
    monkeypatch.setenv("LUTLEARN_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "looks"


@pytest.fixture
def cube(tmp_path):
    path = tmp_path / "warm.cube"
    write_lut(LUT3D.bake(GRADES["warm_film_fade"], 9, title="warm"), path)
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_bundled_looks_listed():
    infos = {i.name: i for i in list_looks() if i.origin == "bundled"}
    assert set(infos) == BUNDLED
    for name, info in infos.items():
        assert info.kind == "model" and info.description and f"lutlearn.grades.{name}" in info.made
        assert 0 < info.delta_e2000["mean"] < 1.0 and info.delta_e2000["p95"] < 2.0, name


def test_bundled_looks_reproduce_their_grades():
    """Each bundled model, evaluated on random colours, is within ~1 ΔE2000 of its reference grade."""
    from lutlearn.learn.metrics import delta_e2000

    x = np.random.default_rng(1).uniform(0, 1, (2000, 3)).astype(np.float32)
    for name in sorted(BUNDLED):
        de = delta_e2000(load_look(name).apply(x), GRADES[name](x))
        assert de.mean() < 1.0, (name, de.mean())


def test_sidecar_matches_model_metadata():
    from lutlearn.learn.modelfile import load_model

    for info in list_looks():
        meta = load_model(info.entry).metadata
        assert (meta["name"], meta["description"], meta["delta_e2000"]) == (info.name, info.description,
                                                                           info.delta_e2000)


def test_data_dir_precedence(monkeypatch, tmp_path):
    assert user_dir() == tmp_path / "data" / "looks"
    monkeypatch.delenv("LUTLEARN_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "lutlearn"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_dir() == tmp_path / "home" / ".local" / "share" / "lutlearn" / "looks"


def test_cli_add_list_show_apply_remove(cube, user_data, tmp_path):
    r = run("looks", "add", "warm_cube", cube, "--description", "my warm cube")
    assert r.exit_code == 0, r.output
    assert Path(r.output.strip()) == user_data / "warm_cube.cube" and (user_data / "warm_cube.json").is_file()
    listing = run("looks")
    assert listing.exit_code == 0 and listing.output == run("looks", "list").output
    line = next(ln for ln in listing.output.splitlines() if ln.startswith("warm_cube"))
    assert "user" in line and "my warm cube" in line
    entries = json.loads(run("looks", "list", "--json").output)
    assert {e["name"] for e in entries} == BUNDLED | {"warm_cube"}
    assert set(entries[0]) == {"name", "origin", "kind", "description", "made", "delta_e2000", "file"}
    shown = json.loads(run("looks", "show", "warm_cube", "--json").output)
    assert shown["kind"] == "cube" and shown["size"] == 9 and shown["origin"] == "user"
    photo = tmp_path / "p.png"
    Image.fromarray(np.full((8, 8, 3), 100, np.uint8)).save(photo)
    applied = run("apply", photo, "--look", "warm_cube", "-o", tmp_path / "out.png")
    assert applied.exit_code == 0, applied.output
    assert run("looks", "remove", "warm_cube").exit_code == 0
    assert not any(user_data.iterdir())
    assert "warm_cube" not in run("looks").output


def test_add_hald_and_model(tmp_path):
    hald = tmp_path / "sepia_hald.png"
    write_lut(LUT3D.bake(GRADES["sepia"], 16), hald)  # level 4
    assert add_look("sepia-hald", hald).kind == "hald"
    model = find_look("teal_orange").entry
    info = add_look("teal2", model)
    assert info.kind == "model" and info.description == find_look("teal_orange").description
    assert info.delta_e2000 == find_look("teal_orange").delta_e2000
    x = np.random.default_rng(0).uniform(0, 1, (50, 3)).astype(np.float32)
    np.testing.assert_array_equal(load_look("teal2").apply(x), load_look("teal_orange").apply(x))


@pytest.mark.parametrize("name, message", [("bad name", "invalid look name"), ("x.cube", "invalid look name"),
                                           ("teal_orange", "bundled look named 'teal_orange' already exists"),
                                           ("Teal_Orange", "already exists")])
def test_add_rejects_names(cube, name, message):
    r = run("looks", "add", name, cube)
    assert r.exit_code == 1 and message in r.output


def test_add_rejects_duplicate_user_name(cube):
    add_look("mine", cube)
    with pytest.raises(LookError, match="user look named 'mine' already exists; remove it first"):
        add_look("mine", cube)


def test_add_rejects_bad_files(tmp_path, user_data):
    bad = tmp_path / "bad.cube"
    bad.write_text("LUT_3D_SIZE 2\n0 0 0\n")
    r = run("looks", "add", "bad", bad)
    assert r.exit_code == 1 and str(bad) in r.output
    r = run("looks", "add", "missing", tmp_path / "missing.cube")
    assert r.exit_code == 1 and "no such file" in r.output
    (tmp_path / "notes.txt").write_text("hello")
    r = run("looks", "add", "notes", tmp_path / "notes.txt")
    assert r.exit_code == 1 and "not a look file" in r.output
    assert not user_data.exists() or not any(user_data.iterdir())


def test_remove_and_show_errors():
    r = run("looks", "remove", "sepia")
    assert r.exit_code == 1 and "bundled look" in r.output
    r = run("looks", "remove", "nothing_here")
    assert r.exit_code == 1 and "no look named 'nothing_here'" in r.output
    r = run("looks", "show", "teal_orang")
    assert r.exit_code == 1 and "did you mean teal_orange" in r.output
    with pytest.raises(LookError):
        remove_look("sepia")


def test_broken_user_look(user_data):
    user_data.mkdir(parents=True)
    (user_data / "broken.cube").write_text("this is not a cube\n")
    assert find_look("broken").origin == "user"
    shown = json.loads(run("looks", "show", "broken", "--json").output)
    assert "broken.cube" in shown["error"]
    with pytest.raises(LutlearnError, match="broken.cube"):
        load_look("broken")


@pytest.mark.parametrize("sidecar, says", [
    (json.dumps({"delta_e2000": "excellent", "description": {"a": 1}}), "malformed field delta_e2000"),
    (json.dumps({"delta_e2000": {"mean": "x", "p95": None, "max": True}}), "malformed field delta_e2000"),
    (json.dumps({"delta_e2000": [1, 2, 3]}), "malformed field delta_e2000"),
    ("[" * 100_000 + "]" * 100_000, "nested deeper"),
    ("{this is not json", "not valid JSON"),
    (b"\xff\xfe{", "invalid start byte|decode"),
    ("[1, 2]", "expected a JSON object, got a list"),
])
def test_a_corrupt_sidecar_is_one_warning_and_the_look_still_works(user_data, cube, sidecar, says):
    user_data.mkdir(parents=True)
    (user_data / "mine.cube").write_bytes(cube.read_bytes())
    (user_data / "mine.json").write_bytes(sidecar.encode() if isinstance(sidecar, str) else sidecar)
    with pytest.warns(UserWarning, match=says) as said:
        info = find_look("mine")
    assert len(said) == 1 and "mine.json" in str(said[0].message)
    assert info.delta_e2000 is None and isinstance(info.description, str)
    r = run("looks", "show", "mine")
    assert r.exit_code == 0 and "name         mine" in r.output


def test_a_look_name_is_quoted_short():
    with pytest.raises(LookError) as info:
        add_look("x" * 300, "whatever.cube")
    assert "x" * 40 + "'..." in str(info.value) and len(str(info.value)) < 150


def test_user_look_hidden_by_bundled(user_data, cube):
    user_data.mkdir(parents=True)
    (user_data / "sepia.cube").write_bytes(cube.read_bytes())
    with pytest.warns(UserWarning, match="hidden by the bundled look 'sepia'"):
        infos = list_looks()
    assert [i.origin for i in infos if i.name == "sepia"] == ["bundled"]


def test_look_hook_in_resolver():
    look = resolve_look("vivid_slide")
    assert look.name == "vivid_slide"
    x = np.array([[0.2, 0.4, 0.6]], np.float32)
    np.testing.assert_array_equal(look.apply(x), load_look("vivid_slide").apply(x))
    with pytest.raises(LookError, match="no look named 'no_such_look'"):
        resolve_look("no_such_look")


def test_preview(tmp_path):
    out = tmp_path / "prev.png"
    r = run("looks", "show", "sepia", "--preview", out)
    assert r.exit_code == 0 and r.output.splitlines()[-1] == str(out)
    with Image.open(out) as im:
        rgb = np.asarray(im.convert("RGB"))
    assert rgb.shape[1] > 2 * 640 and rgb.shape[0] > 400
    right = rgb[10:300, 700:1200].astype(int)  # the sepia half is toned: red > blue almost everywhere
    assert (right[..., 0] >= right[..., 2]).mean() > 0.95


def test_test_image():
    img = make_test_image()
    assert img.shape == (400, 640, 3) and img.dtype == np.float32
    assert img.min() == 0.0 and img.max() == 1.0
    np.testing.assert_array_equal(img, make_test_image())
    greys = np.abs(img - img.mean(axis=-1, keepdims=True)).max(axis=-1) < 1e-6
    assert 0.2 < greys.mean() < 0.8  # greys and colours both well represented
    with pytest.raises(ValueError):
        make_test_image(100, 50)
