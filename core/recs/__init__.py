"""Recommendations: interactions, several recommenders with one interface, offline evaluation.

Every recommender follows scikit-learn conventions: ``Model(**params).fit(interactions)``
returns the fitted model; ``recommend(customer_ids, n, exclude_seen=True)`` returns ranked
products with scores and an explanation.  :data:`MODELS` maps names to classes.
"""

from __future__ import annotations

from core.errors import OmnimixError
from core.recs.base import Recommender
from core.recs.content import ContentBased
from core.recs.ease import EASE
from core.recs.hybrid import Hybrid
from core.recs.interactions import Interactions, build_interactions, from_db
from core.recs.item_knn import ItemKNN
from core.recs.popularity import MostPopular, SegmentPopular
from core.recs.user_knn import UserKNN

MODELS: dict[str, type[Recommender]] = {
    m.name: m for m in (MostPopular, SegmentPopular, ItemKNN, UserKNN, ContentBased, EASE, Hybrid)
}
BASELINE = MostPopular.name


def make_model(name: str, **params: object) -> Recommender:
    """A new, unfitted recommender by name; an unknown name lists the valid ones."""
    if name not in MODELS:
        raise OmnimixError(f"Unknown model '{name}'; choose from {', '.join(MODELS)}.")
    return MODELS[name](**params)


__all__ = ["MODELS", "BASELINE", "make_model", "Recommender", "Interactions", "build_interactions", "from_db",
           "MostPopular", "SegmentPopular", "ItemKNN", "UserKNN", "ContentBased", "EASE", "Hybrid"]
