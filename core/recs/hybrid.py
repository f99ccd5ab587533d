"""Hybrid: a weighted blend of the other recommenders' scores.

Each component's scores are divided by their row maximum first, so a weight means the same
thing whatever the component's scale.  The explanation is that of the component which
contributed most to the item's blended score.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from core.errors import InvalidParameterError, OmnimixError
from core.recs.affinity import BrandAffinity
from core.recs.base import Recommender
from core.recs.content import ContentBased
from core.recs.ease import EASE
from core.recs.interactions import Interactions
from core.recs.item_knn import ItemKNN
from core.recs.popularity import SegmentPopular
from core.recs.recent import RecentlyViewed
from core.recs.user_knn import UserKNN

DEFAULT_WEIGHTS: dict[str, float] = {"item_knn": 0.6, "user_knn": 0.2, "content": 0.1, "popular_segment": 0.1}
"""Weights of a hybrid fitted without tuning.  The evaluation, the page and the CLI choose the
weights on a validation split of the training weeks instead (:func:`core.recs.tuning.tune`)."""
COMPONENTS: dict[str, type[Recommender]] = {
    c.name: c for c in (EASE, ItemKNN, UserKNN, ContentBased, SegmentPopular, BrandAffinity, RecentlyViewed)}
"""Models a hybrid can blend, by name (brand affinity and recently viewed only as components, not page models)."""
_COMPONENTS = COMPONENTS


def _lower_first(text: str) -> str:
    """"Item-kNN" -> "item-kNN": lower-case the first letter only, so "kNN" keeps its capitals; "EASE" stays."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def row_max_scaled(scores: np.ndarray) -> np.ndarray:
    """Each row divided by its maximum (rows whose maximum is not above 0 become 0): what the hybrid blends."""
    top = scores.max(axis=1, keepdims=True)
    return np.divide(scores, top, out=np.zeros_like(scores), where=top > 0)


class Hybrid(Recommender):
    """Blend of EASE, item-kNN, user-kNN, content-based and segment popularity.

    Parameters
    ----------
    weights : dict of str to float, default=None
        Component name → weight (non-negative, not all zero); ``None`` uses
        :data:`DEFAULT_WEIGHTS`.  Components with weight 0 are not fitted.

    Attributes
    ----------
    components_ : dict of str to fitted Recommender
    """

    name = "hybrid"
    label = "Hybrid"
    _parameter_constraints = {"weights": [dict, None]}

    @property
    def summary(self) -> str:
        """The blend in words, e.g. "A weighted blend: 60% item-kNN, 20% user-kNN, ...", from the actual weights."""
        weights = getattr(self, "weights_", None) or (DEFAULT_WEIGHTS if self.weights is None else self.weights)
        used = {name: float(w) for name, w in weights.items() if name in _COMPONENTS and w > 0}
        total = sum(used.values())
        if not total:
            return "A weighted blend of other recommenders."
        parts = [f"{w / total:.0%} {_lower_first(_COMPONENTS[name].label)}" for name, w in used.items()]
        return f"A weighted blend: {', '.join(parts)}."

    def __init__(self, *, weights: dict[str, float] | None = None):
        self.weights = weights

    def _weights(self) -> dict[str, float]:
        """The weights above 0 as floats; unknown names, negative or non-numbers, or all zero raise."""
        weights = dict(DEFAULT_WEIGHTS if self.weights is None else self.weights)
        unknown = sorted(set(weights) - set(_COMPONENTS))
        if unknown:
            raise InvalidParameterError(
                f"Unknown hybrid component '{unknown[0]}' in weights; choose from {', '.join(_COMPONENTS)}.")
        numbers = all(isinstance(w, Real) and not isinstance(w, bool) and np.isfinite(w) for w in weights.values())
        if not numbers or any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
            raise InvalidParameterError(f"Hybrid weights must be numbers of at least 0, not all 0; got {weights}.")
        return {k: float(w) for k, w in weights.items() if w > 0}

    def _fit(self, interactions: Interactions) -> None:
        self.weights_ = self._weights()
        self.components_ = {name: _COMPONENTS[name]().fit(interactions) for name in self.weights_}

    @classmethod
    def from_fitted(cls, models: dict[str, Recommender], *, weights: dict[str, float] | None = None) -> Hybrid:
        """A fitted hybrid that blends already fitted components (they must share one Interactions).

        The evaluation uses this so item-kNN and user-kNN are not fitted (and their neighbours
        not searched) twice.
        """
        hybrid = cls(weights=weights)
        wanted = hybrid._weights()
        missing = [name for name in wanted if name not in models]
        if missing:
            raise OmnimixError(f"The hybrid needs a fitted '{missing[0]}' model.")
        inter = models[next(iter(wanted))].interactions_
        if any(models[name].interactions_ is not inter for name in wanted):
            raise OmnimixError("The hybrid's components were fitted on different interactions.")
        hybrid.interactions_ = inter
        hybrid.segment_names_, hybrid.popularity_ = inter.segment_popularity()
        hybrid.weights_ = wanted
        hybrid.components_ = {name: models[name] for name in wanted}
        return hybrid

    def component_scores(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Each component's weighted, row-max-scaled scores, shape (len(rows), n_products) each."""
        return {name: self.weights_[name] * row_max_scaled(np.asarray(model._scores(rows), dtype=np.float64))
                for name, model in self.components_.items()}

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return sum(self.component_scores(rows).values())

    def _explain(self, row: int, items: np.ndarray) -> list[str]:
        parts = self.component_scores(np.array([row]))
        names = list(parts)
        best = np.argmax(np.vstack([parts[n][0, items] for n in names]), axis=0)
        reasons = {n: self.components_[n]._explain(row, items) for n in set(names[b] for b in best)}
        return [reasons[names[b]][i] for i, b in enumerate(best)]
