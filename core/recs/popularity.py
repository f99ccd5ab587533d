"""Most-popular baselines: overall, and within the customer's segment."""

from __future__ import annotations

import numpy as np

from core.estimator import BOOLEAN
from core.recs import columns as C
from core.recs import explain
from core.recs.base import Recommender
from core.recs.interactions import Interactions


class MostPopular(Recommender):
    """Products ranked by how many distinct customers bought them (in the training data).

    Parameters
    ----------
    by_segment : bool, default=False
        Rank within the customer's segment (dominant order channel) instead of overall;
        customers without a segment get the overall ranking.
    """

    name = "popular"
    label = "Most popular"
    # Customers without history get their segment's list instead (see base.Recommender), so
    # "the same list for everyone" would be false for them.
    summary = "The products most customers bought: the same list for every customer with a history (the baseline)."
    _parameter_constraints = {"by_segment": [BOOLEAN]}

    def __init__(self, *, by_segment: bool = False):
        self.by_segment = by_segment

    def _fit(self, interactions: Interactions) -> None:
        # Everything needed was learned by Recommender.fit (popularity_).
        pass

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        if self.by_segment:
            return self._popular_scores(rows)[0]
        return np.repeat(self.popularity_[-1:].astype(np.float64), len(rows), axis=0)

    def _explain(self, row: int, items: np.ndarray) -> list[str]:
        seg = self.interactions_.segments[row]
        if self.by_segment and seg != C.NO_SEGMENT:
            return [explain.popular_in_segment(seg)] * len(items)
        return [explain.POPULAR_OVERALL_MODEL] * len(items)


class SegmentPopular(MostPopular):
    """:class:`MostPopular` with ``by_segment=True`` under its own registry name."""

    name = "popular_segment"
    label = "Popular in segment"
    summary = "The products most bought by customers who shop in the same main channel."

    def __init__(self, *, by_segment: bool = True):
        self.by_segment = by_segment
