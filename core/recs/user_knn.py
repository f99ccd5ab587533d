"""User-kNN: score products by what the most similar customers (cosine) interacted with."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from core.estimator import Interval
from core.recs import explain
from core.recs.base import Recommender
from core.recs.interactions import Interactions
from core.recs.linalg import l2_normalise, top_k

ROWS_PER_BLOCK = 256
"""Customers whose similarities to everyone are computed in one product (256 × 50k float32: 51 MB)."""
SPARSE_BELOW = 16
"""Batches smaller than this use a sparse × sparse product (one customer's page view stays a few ms)."""
WORKERS = max(1, min(2, os.cpu_count() or 1))
"""Blocks searched at once: scipy's sparse × dense product and numpy release the GIL, so two
threads use both cores of a small server; the result does not depend on it."""
MEMO_SIZE = 64
"""Batches of neighbours remembered (64 × 512 customers × 50 neighbours: about 13 MB)."""


class UserKNN(Recommender):
    """Customers who shop like you bought this.

    Parameters
    ----------
    n_neighbours : int, default=50
        Most similar customers whose interactions are summed (weighted by similarity), at least 1.

    Attributes
    ----------
    normalised_ : csr_matrix of shape (n_customers, n_products), float32 rows with unit L2 norm.
    """

    name = "user_knn"
    label = "User-kNN"
    _parameter_constraints = {"n_neighbours": [Interval(int, 1, None)]}

    @property
    def summary(self) -> str:
        return f"What the {self.n_neighbours:,} customers with the most similar history bought."

    def __init__(self, *, n_neighbours: int = 50):
        self.n_neighbours = n_neighbours

    def _fit(self, interactions: Interactions) -> None:
        self.normalised_ = l2_normalise(interactions.matrix, axis=1)
        self.normalised_t_ = sp.csr_matrix(self.normalised_.T)
        # Neighbours of recent batches: the hybrid and the evaluation ask again for the same rows.
        self._memo: dict[bytes, sp.csr_matrix] = {}

    def similarities(self, rows: np.ndarray) -> np.ndarray:
        """Cosine similarity of every customer to each of ``rows``, dense, shape (n_customers, len(rows)).

        Large batches multiply the sparse matrix by the batch as a dense (n_products, len(rows))
        block: more multiplications than a sparse × sparse product, but streamed and vectorised,
        and it skips scipy's extra pass that sizes a sparse result (a third of the time), which
        here would hold a third of all customers per row anyway.  Both add the same float32
        products, so the values agree to float32 rounding.
        """
        block = self.normalised_[rows]
        if rows.shape[0] < SPARSE_BELOW:
            return (block @ self.normalised_t_).toarray().T
        return self.normalised_ @ np.ascontiguousarray(block.toarray().T)

    def neighbours(self, rows: np.ndarray) -> sp.csr_matrix:
        """Similarity of each row to its ``n_neighbours`` nearest other customers, shape (len(rows), n_customers).

        Similarities are computed :data:`ROWS_PER_BLOCK` rows at a time and cut to their top
        positive values by :func:`~core.recs.linalg.top_k` (ties to the lower customer index,
        so the result does not depend on the block size).  Results of the last
        :data:`MEMO_SIZE` calls are kept.
        """
        rows = np.asarray(rows, dtype=np.int64)
        key = rows.tobytes()
        if key in self._memo:
            return self._memo[key]
        blocks = [rows[lo:lo + ROWS_PER_BLOCK] for lo in range(0, rows.shape[0], ROWS_PER_BLOCK)]

        n = self.normalised_.shape[0]

        def search(block: np.ndarray) -> sp.csr_matrix:
            sim = self.similarities(block)
            sim[block, np.arange(block.shape[0])] = 0  # a customer is not their own neighbour
            row, customer, value = top_k(sim, self.n_neighbours, axis=0, positive=True)
            out = sp.csr_matrix((value, (row, customer)), shape=(block.shape[0], n))
            out.sort_indices()
            return out

        if len(blocks) > 1 and WORKERS > 1:
            with ThreadPoolExecutor(WORKERS) as pool:
                parts = list(pool.map(search, blocks))
        else:
            parts = [search(b) for b in blocks]
        out = sp.csr_matrix(sp.vstack(parts, format="csr")) if parts else sp.csr_matrix((0, n))
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
