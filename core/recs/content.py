"""Content-based: TF-IDF over product name, category, brand and description.

A customer's profile is the interaction-weighted mean of the TF-IDF vectors of the products
in their history (purchases weigh 1, carts 0.3, views 0.1 before the ``log1p``), so it is
dominated by what they bought; products are scored by cosine similarity to the profile.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from core.estimator import Interval
from core.recs import columns as C
from core.recs import explain
from core.recs.base import Recommender
from core.recs.interactions import Interactions


def product_text(products: pd.DataFrame) -> pd.Series:
    """Name, category (twice: it is the strongest signal), brand and description as one string."""
    return (products[C.NAME].fillna("") + " " + products[C.CATEGORY].fillna("") + " " + products[C.CATEGORY].fillna("")
            + " " + products[C.BRAND].fillna("") + " " + products[C.DESCRIPTION].fillna(""))


class ContentBased(Recommender):
    """Products whose text resembles the customer's history.

    Parameters
    ----------
    max_features : int or None, default=5000
        Vocabulary size of the TF-IDF (None: every term).

    Attributes
    ----------
    tfidf_ : csr_matrix of shape (n_products, n_terms), rows with unit L2 norm.
    """

    name = "content"
    label = "Content-based"
    summary = "Products whose name, category, brand and description resemble the customer's history."
    _parameter_constraints = {"max_features": [Interval(int, 1, None), None]}

    def __init__(self, *, max_features: int = 5000):
        self.max_features = max_features

    def _fit(self, interactions: Interactions) -> None:
        text = product_text(interactions.products)
        if not text.str.strip().any():
            self.tfidf_ = sp.csr_matrix((interactions.n_products, 1), dtype=np.float64)
            return
        vec = TfidfVectorizer(max_features=self.max_features, sublinear_tf=True, token_pattern=r"(?u)\b[\w&-]+\b")
        self.tfidf_ = sp.csr_matrix(vec.fit_transform(text))

    def profiles(self, rows: np.ndarray) -> sp.csr_matrix:
        """Weighted mean TF-IDF of each row's history, L2-normalised, shape (len(rows), n_terms)."""
        return sp.csr_matrix(normalize(self.interactions_.matrix[rows] @ self.tfidf_))

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return (self.profiles(rows) @ self.tfidf_.T).toarray()

    def _explain(self, row: int, items: np.ndarray) -> list[str]:
        inter = self.interactions_
        hist = inter.matrix[row]
        sim = (self.tfidf_[hist.indices] @ self.tfidf_[items].T).toarray()
        return explain.top_reasons(hist, inter.bought[row], sim, inter.products[C.NAME].to_numpy())
