"""Stage 6, ranking looks for a photo: NIMA's predicted aesthetic gain of each look, guarded; contact sheets.

- :mod:`~lutlearn.rank.candidates`: the looks and strengths to try, applied to a photo's pixels;
- :mod:`~lutlearn.rank.measures`: what a look does to a photo (clipping, crushing, casts, lost levels...);
- :mod:`~lutlearn.rank.guards`: those measures -> warnings and a penalty on NIMA's gain;
- :mod:`~lutlearn.rank.suggest`: every candidate scored in one batch, guarded and ranked, the original among them;
- :mod:`~lutlearn.rank.tables`: rankings as text tables;
- :mod:`~lutlearn.rank.sheet`: contact sheets and look previews.
"""

from lutlearn.rank.candidates import load_candidates
from lutlearn.rank.guards import GUARDS, assess
from lutlearn.rank.suggest import ORIGINAL, Entry, PhotoRanking, rank_photo, suggest

__all__ = ["GUARDS", "ORIGINAL", "Entry", "PhotoRanking", "assess", "load_candidates", "rank_photo", "suggest"]
