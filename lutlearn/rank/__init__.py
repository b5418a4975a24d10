"""Stage 6, ranking looks for a photo: NIMA's predicted aesthetic gain of each look, and contact sheets.

- :mod:`~lutlearn.rank.suggest`: every candidate look at every strength, scored in one batch and ranked;
- :mod:`~lutlearn.rank.sheet`: contact sheets and look previews.
"""

from lutlearn.rank.suggest import PhotoRanking, Ranked, load_candidates, rank_photo, suggest

__all__ = ["PhotoRanking", "Ranked", "load_candidates", "rank_photo", "suggest"]
