"""The interface every recommender shares, and what they share: validation, top-N, cold start.

A subclass implements ``_fit(interactions)``, ``_scores(rows)`` (dense scores for a *batch* of
customers, never for all of them at once) and ``_explain(row, items)``.  Customers without
any history get their segment's popular items (or the overall ones), labelled as such.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.errors import OmnimixError
from core.estimator import Estimator, check_is_fitted
from core.recs import columns as C
from core.recs import explain
from core.recs.checks import check_positive_int
from core.recs.interactions import Interactions
from core.recs.linalg import hide_bought, top_k

SOURCE_MODEL = "model"
SOURCE_SEGMENT = "segment popularity"
SOURCE_OVERALL = "overall popularity"
BATCH = 512  # customers scored at once: a (512, n_products) dense block stays a few MB
PRODUCT_COLUMNS = [C.PRODUCT, C.NAME, C.CATEGORY, C.BRAND, C.PRICE, C.PRICE_TIER]
RECOMMEND_COLUMNS = [C.CUSTOMER, C.RANK, *PRODUCT_COLUMNS, C.SCORE, C.SOURCE, C.EXPLANATION]
"""Columns of :meth:`Recommender.recommend`, in order."""


def check_n(n: object) -> int:
    """``n`` (list length of :meth:`Recommender.recommend`) as a positive int, else an error naming it."""
    return check_positive_int(n, "n (number of recommendations)")


class Recommender(Estimator):
    """Base class; see the module docstring.

    A scikit-learn estimator (``get_params``, ``set_params``, ``clone``); each subclass
    declares its parameters' allowed values in ``_parameter_constraints``, checked by ``fit``.

    Attributes (after ``fit``)
    --------------------------
    interactions_ : Interactions
    segment_names_ : ndarray of str, shape (n_segments,)
    popularity_ : ndarray of shape (n_segments + 1, n_products); last row overall buyers.
    """

    name: str = "base"
    label: str = "Base"
    summary: str = ""
    """How the model chooses, in one plain sentence for the page.  Read it from an instance:
    models whose sentence names a parameter (user-kNN, hybrid) build it from their own values."""

    def fit(self, interactions: Interactions) -> Recommender:
        """Learn from ``interactions`` (not modified); returns ``self``."""
        self._validate_params()
        if not isinstance(interactions, Interactions):
            raise TypeError("fit expects an Interactions object (see core.recs.interactions.build_interactions).")
        if interactions.n_products == 0:
            raise OmnimixError("The product catalogue is empty: load products before asking for recommendations.")
        self.interactions_ = interactions
        self.segment_names_, self.popularity_ = interactions.segment_popularity()
        self._fit(interactions)
        return self

    # ---- subclass hooks ------------------------------------------------------------------
    def _fit(self, interactions: Interactions) -> None:
        raise NotImplementedError

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _explain(self, row: int, items: np.ndarray) -> list[str]:
        raise NotImplementedError

    # ---- shared machinery ----------------------------------------------------------------
    def _check_fitted(self) -> None:
        check_is_fitted(self, "interactions_")

    def _popular_scores(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Segment popularity for each row (overall when the segment is unknown); also whether it was by segment."""
        seg = self.interactions_.segments[rows]
        pos = np.searchsorted(self.segment_names_, seg)
        by_segment = seg != C.NO_SEGMENT
        pos = np.where(by_segment, pos, self.popularity_.shape[0] - 1)
        return self.popularity_[pos].astype(np.float64), by_segment

    def batch_scores(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores for ``rows`` with cold-start rows replaced by popularity.

        Returns
        -------
        scores : ndarray of shape (len(rows), n_products)
        model_made : ndarray of bool, shape (len(rows), n_products); False where popularity filled in.
        """
        self._check_fitted()
        rows = np.asarray(rows)
        scores = np.asarray(self._scores(rows), dtype=np.float64)
        # Cold start: without history every model hands over to (segment) popularity, so the
        # label "popular in your segment" is true whatever the model.
        scores[~self.interactions_.has_history(rows)] = 0.0
        pop, _ = self._popular_scores(rows)
        made = scores > 0
        # Popularity only breaks ties among items the model gave no score, so lists are always full.
        tiny = 1e-9 * np.where(made.any(axis=1), np.min(np.where(made, scores, np.inf), axis=1), 1.0)
        pop_norm = pop / np.maximum(pop.max(axis=1, keepdims=True), 1.0)
        return scores + tiny[:, None] * pop_norm, made

    def top_items(self, rows: np.ndarray, n: int, *, exclude_seen: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Top-``n`` product indices per row, best first, in batches.

        Ties go to the lower product index (:func:`~core.recs.linalg.top_k`), so a shorter
        list is always the start of a longer one: the evaluation ranks once at its largest k.

        Returns
        -------
        items : ndarray of int, shape (len(rows), min(n, n_products))
        scores : ndarray of float, same shape
        model_made : ndarray of bool, same shape
        """
        self._check_fitted()
        n = min(check_n(n), self.interactions_.n_products)
        rows = np.asarray(rows, dtype=np.int64)
        items = np.empty((rows.shape[0], n), dtype=np.int64)
        vals = np.empty((rows.shape[0], n))
        made = np.empty((rows.shape[0], n), dtype=bool)
        for lo in range(0, rows.shape[0], BATCH):
            r = rows[lo:lo + BATCH]
            s, m = self.batch_scores(r)
            if exclude_seen:
                hide_bought(s, self.interactions_.bought[r])
            items[lo:lo + BATCH] = top_k(s, n)[1].reshape(r.shape[0], n)
            vals[lo:lo + BATCH] = np.take_along_axis(s, items[lo:lo + BATCH], axis=1)
            made[lo:lo + BATCH] = np.take_along_axis(m, items[lo:lo + BATCH], axis=1)
        return items, vals, made

    def recommend(self, customer_ids: list[str] | str, n: int = 10, *, exclude_seen: bool = True) -> pd.DataFrame:
        """Ranked recommendations with scores and an explanation for each.

        Parameters
        ----------
        customer_ids : str or list of str
        n : int, default=10
            Items per customer (fewer when the catalogue minus bought items is smaller).
        exclude_seen : bool, default=True
            Leave out products the customer already bought.

        Returns
        -------
        DataFrame with ``customer_id``, ``rank`` (1 = best), ``product_id``, ``name``,
        ``category``, ``brand``, ``price``, ``price_tier``, ``score``, ``source`` and
        ``explanation`` (:data:`RECOMMEND_COLUMNS`); no rows for an empty ``customer_ids``.
        """
        self._check_fitted()
        n = check_n(n)
        inter = self.interactions_
        rows = inter.customer_rows(customer_ids)
        items, vals, made = self.top_items(rows, n, exclude_seen=exclude_seen)
        history = inter.has_history(rows)
        frames = []
        for i, row in enumerate(rows):
            keep = np.isfinite(vals[i])
            it, sc, md = items[i][keep], vals[i][keep], made[i][keep] & history[i]
            seg = inter.segments[row]
            fallback = explain.popular_in_segment(seg) if seg != C.NO_SEGMENT else (
                explain.POPULAR_OVERALL if not history[i] else explain.POPULAR_OVERALL_MODEL)
            reasons = np.array(self._explain(int(row), it[md]) if md.any() else [], dtype=object)
            text = np.full(it.shape[0], fallback, dtype=object)
            text[md] = reasons
            source = np.where(md, SOURCE_MODEL, SOURCE_SEGMENT if seg != C.NO_SEGMENT else SOURCE_OVERALL)
            frame = inter.products.iloc[it][PRODUCT_COLUMNS].reset_index(drop=True)
            frame.insert(0, C.RANK, np.arange(1, it.shape[0] + 1))
            frame.insert(0, C.CUSTOMER, str(inter.customers[C.CUSTOMER].iloc[row]))
            frames.append(frame.assign(**{C.SCORE: sc, C.SOURCE: source, C.EXPLANATION: text}))
        if not frames:  # no customers asked for: pd.concat cannot build an empty frame from nothing
            return self._empty_recommendations()
        return pd.concat(frames, ignore_index=True)

    def _empty_recommendations(self) -> pd.DataFrame:
        """A frame with the columns and dtypes of :meth:`recommend` and no rows."""
        products = self.interactions_.products.iloc[:0][PRODUCT_COLUMNS].reset_index(drop=True)
        text = pd.Series([], dtype=str)
        frame = products.assign(**{C.SCORE: np.zeros(0), C.SOURCE: text, C.EXPLANATION: text})
        frame.insert(0, C.RANK, np.zeros(0, dtype=np.int64))
        frame.insert(0, C.CUSTOMER, text)
        return frame
