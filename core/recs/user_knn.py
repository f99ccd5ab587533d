"""User-kNN: score products by what the most similar customers (cosine) interacted with."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from core.recs import explain
from core.recs.base import Recommender
from core.recs.interactions import Interactions

ROWS_PER_BLOCK = 256
"""Customers whose similarities to everyone are computed in one product (256 × 50k float32: 51 MB)."""
SPARSE_BELOW = 16
"""Batches smaller than this use a sparse × sparse product (one customer's page view stays a few ms)."""
WORKERS = max(1, min(2, os.cpu_count() or 1))
"""Blocks searched at once: scipy's sparse × dense product and numpy release the GIL, so two
threads use both cores of a small server; the result does not depend on it."""
MEMO_SIZE = 64
"""Batches of neighbours remembered (64 × 512 customers × 50 neighbours: about 13 MB)."""


def top_k_sparse_rows(sim: sp.spmatrix, k: int, *, exclude: np.ndarray) -> sp.csr_matrix:
    """The ``k`` largest positive entries of each row of ``sim``, leaving out column ``exclude[i]`` in row ``i``.

    The simple per-row reference for :func:`top_k_columns` (tests compare the two); ties at
    the k-th value are broken arbitrarily here.
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


def top_k_columns(sim: np.ndarray, k: int, *, exclude: np.ndarray) -> sp.csr_matrix:
    """The ``k`` largest positive entries of each *column* of a dense ``sim``, leaving out row ``exclude[j]``.

    Parameters
    ----------
    sim : ndarray of shape (n_customers, n_rows)
        Similarities of every customer (rows) to each customer of a batch (columns); modified.
    k : int
    exclude : ndarray of int, shape (n_rows,)

    Returns
    -------
    csr_matrix of shape (n_rows, n_customers), sorted indices.  Ties at the k-th value go to
    the lower customer index, so the result does not depend on the block size.

    Without a per-column sort: the rows are cut into ``k`` chunks, and the smallest of the
    chunks' maxima is at most the k-th largest value (each chunk holds one value at least that
    large), so only entries at or above it are candidates, typically a few hundred per column.
    """
    n, b = sim.shape
    sim[exclude, np.arange(b)] = 0
    floor = np.full(b, np.finfo(sim.dtype).tiny, dtype=sim.dtype)  # only positive similarities count
    if n >= 2 * k and k > 0:
        size = n // k
        floor = np.maximum(floor, sim[:k * size].reshape(k, size, b).max(axis=1).min(axis=0))
    # flatnonzero on the raveled mask is ~10x faster than a 2-D nonzero
    cand_r, cand_c = np.divmod(np.flatnonzero(sim >= floor), b)
    vals = sim[cand_r, cand_c]
    order = np.lexsort((cand_r, -vals, cand_c))  # by column, best first, then lower customer index
    cand_r, cand_c, vals = cand_r[order], cand_c[order], vals[order]
    starts = np.searchsorted(cand_c, np.arange(b))
    keep = np.arange(cand_c.size) - starts[cand_c] < k
    out = sp.csr_matrix((vals[keep], (cand_c[keep], cand_r[keep])), shape=(b, n))
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
    normalised_ : csr_matrix of shape (n_customers, n_products), float32 rows with unit L2 norm.
    """

    name = "user_knn"
    label = "User-kNN"

    @property
    def summary(self) -> str:
        return f"What the {self.n_neighbours:,} customers with the most similar history bought."

    def __init__(self, *, n_neighbours: int = 50):
        self.n_neighbours = n_neighbours

    def _fit(self, interactions: Interactions) -> None:
        # Row norms by hand rather than sklearn's normalize (as content.py uses): normalize
        # rounds half the float32 values one unit differently, which moves ties between
        # neighbours and so user-kNN's evaluation (novelty and fairness on the 50k sample).
        m = sp.csr_matrix(interactions.matrix, dtype=np.float32)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        self.normalised_ = sp.csr_matrix(sp.diags(inv.astype(np.float32)) @ m)
        self.normalised_.sort_indices()
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
        values by :func:`top_k_columns` (ties to the lower customer index).  Results of the
        last :data:`MEMO_SIZE` calls are kept.
        """
        rows = np.asarray(rows, dtype=np.int64)
        key = rows.tobytes()
        if key in self._memo:
            return self._memo[key]
        blocks = [rows[lo:lo + ROWS_PER_BLOCK] for lo in range(0, rows.shape[0], ROWS_PER_BLOCK)]

        def search(block: np.ndarray) -> sp.csr_matrix:
            return top_k_columns(self.similarities(block), self.n_neighbours, exclude=block)

        if len(blocks) > 1 and WORKERS > 1:
            with ThreadPoolExecutor(WORKERS) as pool:
                parts = list(pool.map(search, blocks))
        else:
            parts = [search(b) for b in blocks]
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
