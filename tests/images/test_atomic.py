"""Writes that fail name the output; folders are tried before the work; several outputs are all or nothing."""

import errno
import os
import subprocess

import pytest

from lutlearn.errors import LutlearnError
from lutlearn.images import AllOrNothing, atomic_write, check_output, preflight_writable, write_error

ROOT = os.geteuid() == 0


@pytest.fixture
def mount(tmp_path):
    """mount(name, options) -> a tmpfs at tmp_path/name (root only; skipped otherwise)."""
    made = []

    def _mount(name, options):
        path = tmp_path / name
        path.mkdir()
        if not ROOT or subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                                      capture_output=True).returncode:
            pytest.skip("needs root and mount -t tmpfs")
        made.append(path)
        return path

    yield _mount
    for p in made:
        subprocess.run(["umount", "-l", str(p)], capture_output=True)


def _fill(folder):
    with open(folder / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(bytes(4096))
        except OSError:
            pass


def test_parent_is_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(LutlearnError, match="afile is a file, not a folder"):
        preflight_writable(tmp_path / "afile" / "sub", create=True)
    with pytest.raises(LutlearnError, match=r"x\.cube: cannot write there: .*afile is a file"):
        check_output(tmp_path / "afile" / "x.cube")


def test_creates_and_records(tmp_path):
    created = []
    preflight_writable(tmp_path / "a" / "b", create=True, created=created)
    assert created == [tmp_path / "a", tmp_path / "a" / "b"] and (tmp_path / "a" / "b").is_dir()
    assert not list((tmp_path / "a" / "b").iterdir())  # the test file is gone
    with pytest.raises(LutlearnError, match="does not exist"):
        preflight_writable(tmp_path / "c")


def test_read_only(mount):
    ro = mount("ro", "size=64k,ro")
    with pytest.raises(LutlearnError, match="read-only file system"):
        preflight_writable(ro)
    with pytest.raises(LutlearnError, match="cannot create the folder .*: read-only"):
        preflight_writable(ro / "sub", create=True)
    with pytest.raises(LutlearnError, match=r"x\.cube: cannot write in .*: read-only file system"):
        check_output(ro / "x.cube")
    with pytest.raises(LutlearnError, match=r"x\.cube: cannot write: read-only file system"):
        with atomic_write(ro / "x.cube"):
            pass


def test_full_disk(mount):
    full = mount("full", "size=64k")
    _fill(full)
    with pytest.raises(LutlearnError, match="disk full"):
        preflight_writable(full)


def test_a_write_that_runs_out_of_space_names_the_output(mount):
    full = mount("roomy", "size=64k")
    with pytest.raises(LutlearnError, match=r"big\.bin: cannot write: no space left on the device \(disk full\)"):
        with atomic_write(full / "big.bin") as tmp:
            with open(tmp, "wb") as f:
                f.write(bytes(1 << 20))
    assert not list(full.iterdir())


def test_an_error_reading_another_file_passes_through(tmp_path):
    with pytest.raises(FileNotFoundError):
        with atomic_write(tmp_path / "out.bin") as tmp:
            with open(tmp, "wb") as f:
                f.write((tmp_path / "missing.bin").read_bytes())
    assert not list(tmp_path.iterdir())


def test_write_error_names_the_output():
    e = write_error("out/x.cube", OSError(errno.ENOSPC, "No space left on device"))
    assert str(e) == "out/x.cube: cannot write: no space left on the device (disk full)"
    assert "weird" in str(write_error("x", OSError(999, "weird")))


def test_all_or_nothing_removes_what_it_wrote_on_any_exception(tmp_path):
    old, made = tmp_path / "old.cube", tmp_path / "newdir"
    old.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with AllOrNothing([old, made / "a.npz"]) as outputs:
            made.mkdir()
            outputs.made([made])
            old.write_text("new")  # replaced with --overwrite: kept
            (made / "a.npz").write_text("x")
            raise KeyboardInterrupt
    assert old.read_text() == "new" and not made.exists()


def test_all_or_nothing_keeps_everything_on_success(tmp_path):
    with AllOrNothing([tmp_path / "a"]):
        (tmp_path / "a").write_text("x")
    assert (tmp_path / "a").exists()


def test_an_output_that_is_a_folder(tmp_path):
    (tmp_path / "x.png").mkdir()
    with pytest.raises(LutlearnError, match="is a folder"):
        check_output(tmp_path / "x.png")
