"""Explanation strings shown next to each recommendation, worded in one place."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from core.recs import columns as C
from core.recs.linalg import top_k

POPULAR_OVERALL = "popular with all customers (no purchase history yet)"
POPULAR_OVERALL_MODEL = "popular with all customers"


def segment_label(segment: str) -> str:
    """A segment as people read it: "web shoppers", but "no purchases yet" as it is (not "... shoppers")."""
    return segment if segment == C.NO_SEGMENT else f"{segment} shoppers"


def popular_in_segment(segment: str) -> str:
    return f"popular in your segment ({segment_label(segment)})"


def similar_customers(n_bought: int, n_neighbours: int) -> str:
    if n_bought <= 0:
        return f"viewed by customers who shop like you ({n_neighbours} most similar)"
    return f"bought by {n_bought} of the {n_neighbours} customers who shop most like you"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def because_of(names: list[str], bought: list[bool]) -> str:
    """"because you bought X and Y" when the top reasons were bought, else "similar to items you viewed"."""
    if not names:
        return "similar to items you looked at"
    buys = [n for n, b in zip(names, bought, strict=True) if b]
    if buys:
        return f"because you bought {_join(buys)}"
    return f"similar to items you viewed ({_join(names)})"


def top_reasons(history: sp.csr_matrix, bought_row: sp.csr_matrix, similarity: np.ndarray, names: np.ndarray, *,
                top: int = 2) -> list[str]:
    """Explain each recommended item by the (at most ``top``) history items that contributed most.

    Parameters
    ----------
    history : csr_matrix of shape (1, n_products)
        The customer's interaction weights.
    bought_row : csr_matrix of shape (1, n_products)
        The customer's purchase counts.
    similarity : ndarray of shape (n_history, n_items)
        Similarity of each history item (in ``history.indices`` order) to each recommended item.
    names : ndarray of str, shape (n_products,)
    """
    hist_items = history.indices
    if hist_items.size == 0:
        return [because_of([], [])] * similarity.shape[1]
    contrib = np.asarray(similarity) * history.data[:, None]
    bought = set(bought_row.indices[bought_row.data > 0].tolist())
    item, pos, _ = top_k(contrib, top, axis=0, positive=True)  # per recommended item, best first
    bounds = np.searchsorted(item, np.arange(contrib.shape[1] + 1))
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        best = hist_items[pos[lo:hi]]
        out.append(because_of([str(names[i]) for i in best], [int(i) in bought for i in best]))
    return out
