"""User-kNN: score products by what the most similar customers (cosine) interacted with."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from core.recs import explain
from core.recs.base import Recommender
from core.recs.interactions import Interactions

ROWS_PER_PRODUCT = 64
"""Customers whose similarities to everyone are computed in one sparse product."""
MEMO_SIZE = 64
"""Batches of neighbours remembered (64 × 512 customers × 50 neighbours: about 13 MB)."""


def top_k_sparse_rows(sim: sp.spmatrix, k: int, *, exclude: np.ndarray) -> sp.csr_matrix:
    """The ``k`` largest positive entries of each row of ``sim``, leaving out column ``exclude[i]`` in row ``i``.

    One ``argpartition`` per row over its stored values: the rows are a few thousand
    customers long out of tens of thousands, so this beats densifying them.
    """
    sim = sp.csr_matrix(sim)
    indptr, idx, data = sim.indptr, sim.indices, sim.data
    keep = []
    for i in range(sim.shape[0]):
        lo, hi = indptr[i], indptr[i + 1]
        vals = np.where(idx[lo:hi] == exclude[i], 0, data[lo:hi])
        top = np.argpartition(vals, hi - lo - k)[hi - lo - k:] if hi - lo > k else np.arange(hi - lo)
        keep.append(lo + top[vals[top] > 0])
    lengths = np.fromiter((len(x) for x in keep), dtype=np.int64, count=len(keep))
    cols = np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)
    out = sp.csr_matrix((data[cols], idx[cols], np.concatenate([[0], np.cumsum(lengths)])), shape=sim.shape)
    out.sort_indices()
    return out


class UserKNN(Recommender):
    """Customers who shop like you bought this.

    Parameters
    ----------
    n_neighbours : int, default=50
        Most similar customers whose interactions are summed (weighted by similarity).

    Attributes
    ----------
    normalised_ : csr_matrix of shape (n_customers, n_products), rows with unit L2 norm.
    """

    name = "user_knn"
    label = "User-kNN"
    summary = "What the 50 customers with the most similar history bought."

    def __init__(self, *, n_neighbours: int = 50):
        self.n_neighbours = n_neighbours

    def _fit(self, interactions: Interactions) -> None:
        m = interactions.matrix
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        self.normalised_ = sp.csr_matrix(sp.diags(inv.astype(np.float32)) @ m)
        self.normalised_t_ = sp.csr_matrix(self.normalised_.T)
        # Neighbours of recent batches: the hybrid and the evaluation ask again for the same rows.
        self._memo: dict[bytes, sp.csr_matrix] = {}

    def neighbours(self, rows: np.ndarray) -> sp.csr_matrix:
        """Similarity of each row to its ``n_neighbours`` nearest other customers, shape (len(rows), n_customers).

        Similarities are computed :data:`ROWS_PER_PRODUCT` rows at a time (the sparse product
        is cheapest in small blocks) and each row is cut to its top values with ``argpartition``
        on its stored values only.  Results of the last :data:`MEMO_SIZE` calls are kept.
        """
        rows = np.asarray(rows, dtype=np.int64)
        key = rows.tobytes()
        if key in self._memo:
            return self._memo[key]
        parts = [top_k_sparse_rows(self.normalised_[rows[lo:lo + ROWS_PER_PRODUCT]] @ self.normalised_t_,
                                   self.n_neighbours, exclude=rows[lo:lo + ROWS_PER_PRODUCT])
                 for lo in range(0, rows.shape[0], ROWS_PER_PRODUCT)]
        out = sp.csr_matrix(sp.vstack(parts, format="csr")) if parts else sp.csr_matrix((0, self.normalised_.shape[0]))
        if len(self._memo) >= MEMO_SIZE:
            try:  # drop the oldest; another session's thread may have just done it
                self._memo.pop(next(iter(self._memo)))
            except (StopIteration, KeyError, RuntimeError):
                pass
        self._memo[key] = out
        return out

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return (self.neighbours(rows) @ self.interactions_.matrix).toarray()

    def _explain(self, row: int, items: np.ndarray) -> list[str]:
        neigh = self.neighbours(np.array([row])).indices
        bought = np.asarray((self.interactions_.bought[neigh][:, items] > 0).sum(axis=0)).ravel()
        return [explain.similar_customers(int(b), len(neigh)) for b in bought]
