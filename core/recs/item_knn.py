"""Item-kNN: cosine similarity between products' customer vectors, top-k neighbours kept.

Steps: normalise columns (:func:`~core.recs.linalg.l2_normalise`), the sparse product
``Xᵀ X`` a block of products at a time, prune each row to its ``n_neighbours`` largest
values (:func:`~core.recs.linalg.top_k`).  A customer's score for product ``j`` is
``Σ_i r_ui · s_ij`` over the products ``i`` in their history.

Why not ``implicit``: on the 50k-customer sample (720k customer × product cells) this fit
takes about as long as ``implicit.nearest_neighbours.CosineRecommender`` (ratio 0.8-1.0,
``benchmarks/bench_recs.py``), so the dependency would buy nothing; it stays an optional
``bench`` extra for that comparison.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from core.estimator import Interval
from core.recs import columns as C
from core.recs import explain
from core.recs.base import Recommender
from core.recs.interactions import Interactions
from core.recs.linalg import l2_normalise, top_k

BLOCK_CELLS = 2_000_000
"""Cells of one dense block (8 MB of float32): rows are densified this many cells at a time."""


def item_cosine(matrix: sp.spmatrix, *, n_neighbours: int) -> sp.csr_matrix:
    """Items × items cosine similarity of the columns of ``matrix``: top-``n_neighbours`` per row, zero diagonal.

    ``Xᵀ X`` is computed a block of products at a time and each block is pruned at once, so
    the full similarity matrix (often more than half full) is never materialised.  Ties at
    the ``n_neighbours``-th value go to the lower product index; zero similarities are not
    kept.
    """
    xn = l2_normalise(matrix, axis=0)
    xt = sp.csr_matrix(xn.T)
    n = xn.shape[1]
    step = max(1, BLOCK_CELLS // max(n, 1))
    rows, cols, vals = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.float32)]
    for lo in range(0, n, step):
        block = (xt[lo:lo + step] @ xn).toarray()
        block[np.arange(block.shape[0]), lo + np.arange(block.shape[0])] = 0  # an item is not its own neighbour
        row, col, val = top_k(block, n_neighbours, positive=True)
        rows.append(lo + row)
        cols.append(col)
        vals.append(val)
    out = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    out.sort_indices()
    return out


class ItemKNN(Recommender):
    """Recommend products similar to what the customer bought, carted or viewed.

    Parameters
    ----------
    n_neighbours : int, default=100
        Neighbours kept per product, at least 1.

    Attributes
    ----------
    similarity_ : csr_matrix of shape (n_products, n_products)
    """

    name = "item_knn"
    label = "Item-kNN"
    summary = "Products often bought or viewed by the same customers as the ones this customer chose."
    _parameter_constraints = {"n_neighbours": [Interval(int, 1, None)]}

    def __init__(self, *, n_neighbours: int = 100):
        self.n_neighbours = n_neighbours

    def _fit(self, interactions: Interactions) -> None:
        self.similarity_ = item_cosine(interactions.matrix, n_neighbours=self.n_neighbours)

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return (self.interactions_.matrix[rows] @ self.similarity_).toarray()

    def _explain(self, row: int, items: np.ndarray) -> list[str]:
        inter = self.interactions_
        hist = inter.matrix[row]
        sim = self.similarity_[hist.indices][:, items].toarray()
        return explain.top_reasons(hist, inter.bought[row], sim, inter.products[C.NAME].to_numpy())
