"""The looks library under attack: corrupt sidecars, odd data folders, path-traversal names.

A corrupt sidecar ``NAME.json`` is the user's data folder talking, not the user:
every command that reads it carries on with exit 0 and one ``warning:`` line
naming the sidecar (as an unreadable JSON sidecar is handled today).
"""

from __future__ import annotations

import json
import os

import pytest

from tests.hostile import checks, corpus
from tests.hostile.budgets import NO_SPACE, NOT_DIR, READ_ONLY
from tests.hostile.harness import CAN_MOUNT, matrix, readonly_dir, tmpfs

SIDECAR = r"json|sidecar|description|ignored|invalid|unreadable|delta"


def _user_look(ws, name="mine", sidecar: str | bytes | None = None):
    folder = ws.data / "looks"
    folder.mkdir(parents=True, exist_ok=True)
    rows = [f"{b} {g} {r}" for b in (0, 1) for g in (0, 1) for r in (0, 1)]
    (folder / f"{name}.cube").write_text(corpus.cube_text(2, rows))
    if sidecar is not None:
        (folder / f"{name}.json").write_bytes(sidecar.encode() if isinstance(sidecar, str) else sidecar)
    return f"data/looks/{name}.json"


BAD_SIDECARS = {
    "metric_is_string": json.dumps({"format": "lutlearn-look/1", "delta_e2000": "excellent"}),
    "metric_values_strings": json.dumps({"delta_e2000": {"mean": "x", "p95": "y", "max": "z"}}),
    "metric_values_null": json.dumps({"delta_e2000": {"mean": None, "p95": None, "max": None}}),
    "metric_is_list": json.dumps({"delta_e2000": [1, 2, 3]}),
    "deeply_nested": "[" * 100_000 + "]" * 100_000,
    "not_json": "{this is not json",
    "invalid_utf8": b"\xff\xfe{\"description\": \"\xc3\x28\"}",
}


@pytest.mark.cmd("looks")
@pytest.mark.parametrize("kind", matrix(list(BAD_SIDECARS), ["metric_is_string", "deeply_nested"]))
def test_looks_show_corrupt_sidecar(ws, kind):
    sidecar = _user_look(ws, sidecar=BAD_SIDECARS[kind])
    before = ws.snap()
    r = ws.run("looks", "show", "mine")
    checks.one_warning(r, sidecar, SIDECAR)
    assert "mine" in r.stdout
    checks.unchanged(before, ws.snap())


@pytest.mark.cmd("looks")
@pytest.mark.parametrize("kind", matrix(list(BAD_SIDECARS), []))
def test_looks_list_corrupt_sidecar(ws, kind):
    sidecar = _user_look(ws, sidecar=BAD_SIDECARS[kind])
    r = ws.run("looks", "--json")
    lines = checks.ok(r)
    assert len(lines) <= 1 and all(sidecar.split("/")[-1] in line for line in lines), r.describe()
    assert any(entry["name"] == "mine" for entry in json.loads(r.stdout))


@pytest.mark.cmd("apply")
@pytest.mark.parametrize("kind", matrix(["deeply_nested", "metric_is_string"], []))
def test_apply_named_look_beside_corrupt_sidecar(ws, kind):
    _user_look(ws, sidecar=BAD_SIDECARS[kind])
    photo = ws.photo()
    r = ws.run("apply", photo, "--look", "sepia", "-o", "out/result.png")
    lines = checks.ok(r)
    assert len(lines) <= 1, r.describe()


# --------------------------------------------------------------------------- names

TRAVERSAL = ["../evil", "..", ".", "a/b", "/tmp/evil", "..\\evil", ".hidden", "x" * 200, "name\nsecond", "",
             "evil.cube", "-rf"]


@pytest.mark.cmd("looks")
@pytest.mark.parametrize("name", [pytest.param(n, id=repr(n)[:24], marks=() if n in ("../evil", "x" * 200) else
                                               pytest.mark.slow) for n in TRAVERSAL])
def test_looks_add_bad_name(ws, name):
    look = ws.look()
    before = ws.snap()
    args = ["looks", "add", "--", name, look] if name.startswith("-") else ["looks", "add", name, look]
    r = ws.run(*args)
    checks.one_error(r, None, r"invalid|name|letters")
    checks.unchanged(before, ws.snap())
    assert not os.path.exists("/tmp/evil.cube")


@pytest.mark.cmd("looks")
@pytest.mark.parametrize("sub", matrix(["show", "remove"], ["remove"]))
@pytest.mark.parametrize("name", matrix(["../../in/look", "../looks/mine", "/etc/passwd", "mine/../mine"],
                                         ["../../in/look"]))
def test_looks_show_remove_traversal(ws, sub, name):
    _user_look(ws)
    ws.look()
    before = ws.snap()
    r = ws.run("looks", sub, name)
    checks.one_error(r, None, r"no look|invalid|name")
    checks.unchanged(before, ws.snap())


@pytest.mark.cmd("apply")
@pytest.mark.parametrize("name", matrix(["../evil", "looks/../../etc/passwd", "~root"], ["../evil"]))
def test_apply_look_traversal(ws, name):
    photo = ws.photo()
    before = ws.snap()
    r = ws.run("apply", photo, "--look", name, "-o", "out/result.png")
    checks.one_error(r, None, r"no look|not a look|invalid|no such")
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("looks")
def test_looks_add_name_of_bundled_look_other_case(ws):
    look = ws.look()
    before = ws.snap()
    r = ws.run("looks", "add", "SEPIA", look)
    checks.one_error(r, None, r"exists|taken")
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("looks")
def test_looks_remove_bundled(ws):
    r = ws.run("looks", "remove", "sepia")
    checks.one_error(r, None, r"bundled")


@pytest.mark.slow
@pytest.mark.cmd("looks")
def test_looks_remove_symlink_keeps_target(ws):
    target = ws.look("target.cube")
    folder = ws.data / "looks"
    folder.mkdir(parents=True)
    (folder / "linked.cube").symlink_to(ws.root / target)
    r = ws.run("looks", "remove", "linked")
    checks.ok(r)
    assert (ws.root / target).is_file()


# --------------------------------------------------------------------------- the data folder itself

@pytest.mark.cmd("looks")
def test_looks_add_when_looks_folder_is_a_file(ws):
    look = ws.look()
    ws.data.mkdir()
    (ws.data / "looks").write_text("not a folder")
    before = ws.snap()
    r = ws.run("looks", "add", "mine", look)
    checks.one_error(r, "data/looks", NOT_DIR + "|exists")
    checks.unchanged(before, ws.snap())


@pytest.mark.cmd("looks")
def test_looks_add_when_data_folder_is_a_file(ws):
    look = ws.look()
    ws.data.write_text("not a folder")
    before = ws.snap()
    r = ws.run("looks", "add", "mine", look)
    checks.one_error(r, "data", NOT_DIR + "|exists")
    checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("looks")
def test_looks_list_when_looks_folder_is_a_file(ws):
    ws.data.mkdir()
    (ws.data / "looks").write_text("not a folder")
    r = ws.run("looks")
    lines = checks.ok(r)
    assert len(lines) <= 1


@pytest.mark.cmd("looks")
def test_looks_add_read_only_data_folder(ws):
    look = ws.look()
    with readonly_dir(ws.data):
        before = ws.snap()
        r = ws.run("looks", "add", "mine", look)
        checks.one_error(r, "data", READ_ONLY)
        checks.unchanged(before, ws.snap())


@pytest.mark.slow
@pytest.mark.cmd("looks")
def test_looks_add_read_only_looks_folder(ws):
    look = ws.look()
    with readonly_dir(ws.data / "looks"):
        before = ws.snap()
        r = ws.run("looks", "add", "mine", look)
        checks.one_error(r, "data/looks", READ_ONLY)
        checks.unchanged(before, ws.snap())


@pytest.mark.cmd("looks")
def test_looks_remove_from_read_only_folder(ws):
    def populate(path):
        rows = [f"{b} {g} {r}" for b in (0, 1) for g in (0, 1) for r in (0, 1)]
        (path / "mine.cube").write_text(corpus.cube_text(2, rows))
    with readonly_dir(ws.data / "looks", populate=populate):
        before = ws.snap()
        r = ws.run("looks", "remove", "mine")
        checks.one_error(r, "mine", READ_ONLY)
        checks.unchanged(before, ws.snap())


@pytest.mark.cmd("looks")
def test_looks_add_disk_full(ws):
    if not CAN_MOUNT:
        pytest.skip("needs root and mount -t tmpfs (disk-full cases)")
    big = ws.put("big.cube", corpus.cube_constant(17) + b"# padding to 300 KB\n" * 15000)
    with tmpfs(ws.data, "64k"):
        before = ws.snap()
        r = ws.run("looks", "add", "big", big)
        checks.one_error(r, "big", NO_SPACE)
        checks.unchanged(before, ws.snap())
