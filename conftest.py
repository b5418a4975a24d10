"""Test-run settings shared by tests/ and the doctests in lutlearn/.

- ``--slow`` runs the tests marked ``slow`` too (``.ci/run`` does); without it they are deselected.
- Every test and doctest runs with its own empty user data and cache folders
  (``LUTLEARN_DATA_DIR``, ``LUTLEARN_CACHE_DIR``, and the XDG folders), so no
  test reads or writes the developer's real looks or caches.
- ``@pytest.mark.needs(path, ...)`` skips a test whose shared data is missing,
  or fails it in CI (see ``tests/shared.py``).
"""

from pathlib import Path

import pytest


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run the tests marked slow (CI runs everything)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    kept, slow = [], []
    for item in items:
        (slow if item.get_closest_marker("slow") else kept).append(item)
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = kept


def pytest_runtest_setup(item):
    from tests.shared import require_path

    for mark in item.iter_markers("needs"):
        for path in mark.args:
            require_path(Path(path))


@pytest.fixture(scope="session")
def _user_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("user")
    return {"LUTLEARN_DATA_DIR": root / "data", "LUTLEARN_CACHE_DIR": root / "cache",
            "XDG_DATA_HOME": root / "xdg-data", "XDG_CACHE_HOME": root / "xdg-cache"}


@pytest.fixture(autouse=True)
def _isolated_user_folders(_user_folders, monkeypatch):
    """Fresh, empty user folders for each test; the compiled-code cache is shared by the session (speed only)."""
    data = _user_folders["LUTLEARN_DATA_DIR"]
    if data.exists():
        import shutil

        shutil.rmtree(data)
    for name, path in _user_folders.items():
        monkeypatch.setenv(name, str(path))
    monkeypatch.delenv("LUTLEARN_NIMA_WEIGHTS", raising=False)
    monkeypatch.delenv("LUTLEARN_NIMA_URL", raising=False)
