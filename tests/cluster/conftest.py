"""Fixtures of the cluster tests: photos cut from the Kodak set, NIMA weights, one real local Ray cluster.

The cluster (127.0.0.1, 2 CPUs) is started once for the session, on first use
(only the slow tests use it), and stopped at the end with every process it
started (:func:`tests.cluster.helpers.stop`); the teardown fails if one is left.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.cluster.helpers import RAY_ENV, _alive, _descendants, make_photos, start_cluster, stop
from tests.shared import PHOTOS, WEIGHTS, require_path


@pytest.fixture(scope="session", autouse=True)
def _ray_environment():
    """Ray on loopback without tokens, for this process and the clusters and drivers it starts."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in RAY_ENV.items():
            mp.setenv(name, value)
        mp.delenv("LUTLEARN_CLUSTER", raising=False)
        yield


@pytest.fixture
def weights(_isolated_user_folders, monkeypatch):
    """idealo's NIMA weights from ../shared, also as $LUTLEARN_NIMA_WEIGHTS (for the CLI and the drivers)."""
    require_path(WEIGHTS)
    monkeypatch.setenv("LUTLEARN_NIMA_WEIGHTS", str(WEIGHTS))
    return WEIGHTS


@pytest.fixture(scope="session")
def params():
    from lutlearn.nima.weights import load_params

    return load_params(require_path(WEIGHTS))


@pytest.fixture(scope="session")
def photos(tmp_path_factory) -> list:
    """12 small photos (JPEG and 8-bit PNG) plus a 16-bit PNG, in one folder."""
    require_path(PHOTOS)
    import cv2

    folder = tmp_path_factory.mktemp("photos")
    made = make_photos(folder, 12)
    sixteen = (np.random.default_rng(1).integers(0, 65536, (48, 64, 3))).astype(np.uint16)
    cv2.imwrite(str(folder / "deep16.png"), sixteen)
    return sorted(made + [folder / "deep16.png"])


@pytest.fixture(scope="session")
def broken(tmp_path_factory):
    """A JPEG cut short: unreadable."""
    from PIL import Image

    require_path(PHOTOS)
    path = tmp_path_factory.mktemp("broken") / "cut.jpg"
    Image.open(sorted(PHOTOS.glob("kodim*.png"))[0]).convert("RGB").save(path, quality=90)
    path.write_bytes(path.read_bytes()[:2000])
    return path


@pytest.fixture(scope="session")
def ray_cluster(_ray_environment):
    """A real Ray cluster on 127.0.0.1 with 2 CPUs for the session; no process of it outlives the session."""
    pytest.importorskip("ray")
    cluster, proc = start_cluster(2)
    try:
        yield cluster
    finally:
        family = _descendants(proc.pid)
        stop(proc)
        left = [pid for pid in family if _alive(pid)]
        assert not left, f"Ray processes left after the session: {left}"
