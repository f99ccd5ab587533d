"""Item-kNN: cosine similarity between products' customer vectors, top-k neighbours kept.

Steps (each a small function): normalise columns, the sparse product ``Xᵀ X`` a block of
products at a time, prune each row to its ``n_neighbours`` largest values.  A customer's
score for product ``j`` is ``Σ_i r_ui · s_ij`` over the products ``i`` in their history.

Why not ``implicit``: on the 50k-customer sample (720k customer × product cells) this fit
takes about as long as ``implicit.nearest_neighbours.CosineRecommender`` (ratio 0.8-1.0,
``benchmarks/bench_recs.py``), so the dependency would buy nothing; it stays an optional
``bench`` extra for that comparison.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from core.recs import columns as C
from core.recs import explain
from core.recs.base import Recommender
from core.recs.interactions import Interactions


def normalise_columns(matrix: sp.spmatrix) -> sp.csr_matrix:
    """``matrix`` with every non-empty column scaled to unit L2 norm (empty columns stay zero)."""
    m = sp.csr_matrix(matrix, dtype=np.float32)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=0)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(m @ sp.diags(inv.astype(np.float32)))


BLOCK_CELLS = 2_000_000
"""Cells of one dense block (8 MB of float32): rows are densified this many cells at a time."""


def top_k_dense(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of the ``k`` largest entries of each row of a dense block.

    Returns
    -------
    cols, vals : ndarrays of shape (n_rows, min(k, n_cols)), in no particular order within a row.
    """
    k = min(k, block.shape[1])
    if k < block.shape[1]:
        cols = np.argpartition(-block, k - 1, axis=1)[:, :k]
    else:
        cols = np.broadcast_to(np.arange(block.shape[1]), block.shape)
    return cols, np.take_along_axis(block, cols, axis=1)


def assemble_rows(parts: list[tuple[int, np.ndarray, np.ndarray]], shape: tuple[int, int]) -> sp.csr_matrix:
    """CSR from per-block (first row, cols, vals) triples, dropping zero values."""
    if not parts:
        return sp.csr_matrix(shape, dtype=np.float32)
    rows = np.concatenate([lo + np.repeat(np.arange(c.shape[0]), c.shape[1]) for lo, c, _ in parts])
    cols = np.concatenate([c.ravel() for _, c, _ in parts])
    vals = np.concatenate([v.ravel() for _, _, v in parts])
    keep = vals != 0
    out = sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=shape)
    out.sort_indices()
    return out


def item_cosine(matrix: sp.spmatrix, *, n_neighbours: int) -> sp.csr_matrix:
    """Items × items cosine similarity of the columns of ``matrix``: top-``n_neighbours`` per row, zero diagonal.

    ``Xᵀ X`` is computed a block of products at a time and each block is pruned at once, so
    the full similarity matrix (often more than half full) is never materialised.
    """
    xn = normalise_columns(matrix)
    xt = sp.csr_matrix(xn.T)
    n = xn.shape[1]
    step = max(1, BLOCK_CELLS // max(n, 1))
    parts = []
    for lo in range(0, n, step):
        block = (xt[lo:lo + step] @ xn).toarray()
        block[np.arange(block.shape[0]), lo + np.arange(block.shape[0])] = 0  # an item is not its own neighbour
        parts.append((lo, *top_k_dense(block, n_neighbours)))
    return assemble_rows(parts, (n, n))


class ItemKNN(Recommender):
    """Recommend products similar to what the customer bought, carted or viewed.

    Parameters
    ----------
    n_neighbours : int, default=100
        Neighbours kept per product.

    Attributes
    ----------
    similarity_ : csr_matrix of shape (n_products, n_products)
    """

    name = "item_knn"
    label = "Item-kNN"
    summary = "Products often bought or viewed by the same customers as the ones this customer chose."

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
