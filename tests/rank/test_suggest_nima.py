"""With idealo's NIMA: the bias the guards exist for is real, and the guarded ranking never puts a destructive edit
above leaving the photo alone ("none") on representative cases."""

import numpy as np
import pytest

from lutlearn.looks.library import load_look
from lutlearn.looks.look import FunctionLook
from lutlearn.rank.candidates import batch_size
from lutlearn.rank.suggest import prepare, rank_prepared
from tests.shared import PHOTOS, WEIGHTS

REC709 = np.array([0.2126, 0.7152, 0.0722], np.float32)
DESTRUCTIVE = {  # the edits that NIMA scored above the original most often
    "crush_blacks": lambda x: np.clip((x - 0.2) / 0.8, 0, 1),
    "clip_highlights": lambda x: np.clip(x * 1.6, 0, 1),
    "darken_gamma2.2": lambda x: x**2.2,
    "green_cast": lambda x: np.clip(x * np.array([0.85, 1.12, 0.85], np.float32), 0, 1),
    "oversaturate": lambda x: np.clip((x @ REC709)[:, None] + 2.5 * (x - (x @ REC709)[:, None]), 0, 1),
}
BUNDLED = ("vivid_slide", "warm_film_fade", "teal_orange")
STRENGTHS = (0.5, 1.0)
pytestmark = pytest.mark.needs(WEIGHTS, PHOTOS / "kodim05.png")


@pytest.fixture(scope="module")
def rankings():
    """(guarded, gain-only) rankings of three Kodak photos, each with the bundled and destructive candidates."""
    from lutlearn.nima import Scorer

    looks = [(name, load_look(name)) for name in BUNDLED]
    looks += [(name, FunctionLook(fn, name)) for name, fn in DESTRUCTIVE.items()]
    scorer = Scorer.load(WEIGHTS, batch_size=batch_size(len(looks), len(STRENGTHS)), download=False)
    out = []
    for photo in ("kodim05.png", "kodim14.png", "kodim23.png"):
        prepared = prepare(PHOTOS / photo, looks, STRENGTHS)
        out.append((rank_prepared(photo, prepared, scorer, looks, STRENGTHS),
                    rank_prepared(photo, prepared, scorer, looks, STRENGTHS, guards=False)))
    return out


def _above_none(ranking):
    names = [e.look for e in ranking.ranking]
    return names[:names.index("none")]


def test_nima_alone_prefers_some_damage(rankings):
    """The problem is real: by NIMA's gain alone, destructive edits beat the original on these photos."""
    above = [name for _, plain in rankings for name in _above_none(plain) if name in DESTRUCTIVE]
    assert len(above) >= 3, above


def test_guarded_ranking_keeps_destructive_edits_below_none(rankings):
    for guarded, plain in rankings:
        assert not set(_above_none(guarded)) & set(DESTRUCTIVE), guarded.photo
        for e in guarded.ranking:
            if e.look in DESTRUCTIVE:
                assert e.score <= -0.05 and e.warnings, e
        gains = {(e.look, e.strength): e.gain for e in plain.ranking}
        assert all(e.gain == gains[(e.look, e.strength)] for e in guarded.ranking)  # the same NIMA gains
        unwarned = [e for e in guarded.ranking if not e.warnings]
        assert [e.gain for e in unwarned] == sorted((e.gain for e in unwarned), reverse=True)  # NIMA's order
