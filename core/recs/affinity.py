"""Brand and category affinity: the popular products of the brand lines and categories a customer keeps choosing.

A classic retail signal.  A customer's **line share** for a brand line (one brand within one
category) is the share of the distinct products they bought, carted or viewed that belong to
it; their **category share** likewise per category.  A product's **share within its line**
is the share of all customers' (customer, product) touches of that line that went to it, and
likewise within its category.  The score of product ``j`` (line ``l``, category ``c``) is

    line_weight · line_share(l) · share_in_line(j)  +  (1 − line_weight) · category_share(c) · share_in_category(j)

i.e. an estimate of "the chance the customer's next product is j" if they pick a line (or a
category) as often as they did, then a product in it as everyone else does.  With
``concentration`` γ above 1 the shares are raised to the power γ and renormalised first, so the
lines a customer chose most weigh more than their plain share: two products of one line and one
of another say more about the first than 2 : 1 (a posterior over a favourite line concentrates
that way).  γ is chosen on validation (:func:`core.recs.tuning.choose_concentration`).  Every product
touched counts once (a view as much as a purchase): on the generated sample that ranked
better on validation than the log1p-weighted matrix the other models use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.estimator import Interval
from core.recs import columns as C
from core.recs.base import Recommender
from core.recs.interactions import Interactions


def _groups(labels: pd.Series) -> tuple[np.ndarray, sp.csr_matrix]:
    """Group code of each product and the products × groups one-hot matrix."""
    codes, names = pd.factorize(labels, sort=True)
    one_hot = sp.csr_matrix((np.ones(codes.shape[0], dtype=np.float32), (np.arange(codes.shape[0]), codes)),
                            shape=(codes.shape[0], len(names)))
    return codes, one_hot


def _share_within(touches: np.ndarray, codes: np.ndarray, one_hot: sp.csr_matrix) -> np.ndarray:
    """Each product's share of its group's touches (0 in a group nobody touched)."""
    totals = np.asarray(one_hot.T @ touches).ravel()[codes]
    return np.divide(touches, totals, out=np.zeros_like(touches), where=totals > 0)


def _concentrated(shares: np.ndarray, gamma: float) -> np.ndarray:
    """Each row's shares to the power ``gamma``, renormalised to sum to 1 (rows of zeros stay 0; 1: unchanged)."""
    if gamma == 1.0:
        return shares
    # Only the groups touched are raised: 0 ** 0 would give an untouched group a share.
    powered = np.power(shares, gamma, out=np.zeros_like(shares), where=shares > 0)
    total = powered.sum(axis=1, keepdims=True)
    return np.divide(powered, total, out=np.zeros_like(powered), where=total > 0)


class BrandAffinity(Recommender):
    """Recommend the popular products of the customer's favourite brand lines and categories.

    Parameters
    ----------
    line_weight : float, default=0.9
        Weight of the brand-line term (the rest goes to the category term), between 0 and 1.
    concentration : float, default=1.0
        Exponent γ of the line and category shares before they are renormalised to sum to 1
        (1: the plain shares; higher: the customer's most chosen lines count more), at least 0.

    Attributes
    ----------
    line_of_ : ndarray of int, shape (n_products,)
        Brand line (category and brand) of each product.
    category_of_ : ndarray of int, shape (n_products,)
    share_in_line_ : ndarray of float, shape (n_products,)
    share_in_category_ : ndarray of float, shape (n_products,)
    """

    name = "brand_affinity"
    label = "Brand affinity"
    summary = ("The products most chosen by everyone within the brands and categories the customer keeps "
               "choosing (bought, carted or viewed).")
    _parameter_constraints = {"line_weight": [Interval(float, 0.0, 1.0)], "concentration": [Interval(float, 0.0, None)]}

    def __init__(self, *, line_weight: float = 0.9, concentration: float = 1.0):
        self.line_weight = line_weight
        self.concentration = concentration

    def _fit(self, interactions: Interactions) -> None:
        products = interactions.products
        self._touched = sp.csr_matrix((interactions.matrix > 0).astype(np.float32))
        touches = np.asarray(self._touched.sum(axis=0), dtype=np.float64).ravel()
        self.line_of_, self._line_hot = _groups(products[C.CATEGORY].astype(str) + " | " + products[C.BRAND].astype(str))
        self.category_of_, self._category_hot = _groups(products[C.CATEGORY].astype(str))
        self.share_in_line_ = _share_within(touches, self.line_of_, self._line_hot)
        self.share_in_category_ = _share_within(touches, self.category_of_, self._category_hot)

    def _group_shares(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row's line shares and category shares, dense (len(rows), n_lines / n_categories)."""
        x = self._touched[rows]
        size = np.maximum(np.asarray(x.sum(axis=1)).ravel(), 1.0)[:, None]
        return (x @ self._line_hot).toarray() / size, (x @ self._category_hot).toarray() / size

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        lines, categories = (_concentrated(shares, float(self.concentration)) for shares in self._group_shares(rows))
        w = float(self.line_weight)
        return (w * lines[:, self.line_of_] * self.share_in_line_
                + (1.0 - w) * categories[:, self.category_of_] * self.share_in_category_)

    def _explain(self, row: int, items: np.ndarray) -> list[str]:
        lines, categories = self._group_shares(np.array([row]))
        n = int(self._touched[row].nnz)
        products = self.interactions_.products
        out = []
        for item in items:
            line_count = round(lines[0, self.line_of_[item]] * n)
            brand, category = products[C.BRAND].iat[item], products[C.CATEGORY].iat[item]
            if line_count > 0:
                verb = "often choose" if line_count > 1 else "chose"  # "often" from two products on
                out.append(f"you {verb} {brand} in {category} ({line_count} of your {n} products)")
            else:
                cat_count = round(categories[0, self.category_of_[item]] * n)
                out.append(f"popular in {category}, a category you shop ({cat_count} of your {n} products)")
        return out
