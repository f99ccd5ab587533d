"""Scoring the hybrid's weight search on validation: NDCG@k of ranked lists, and the top-k of any blend.

:class:`BlendSearch` ranks a few candidate products per customer instead of the whole catalogue
and proves, row by row, that the result is the whole catalogue's top-k (else ranks that row
whole), so :func:`core.recs.tuning.choose_weights` tries dozens of blends at a fraction of the
cost with the same lists.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from core.recs import columns as C
from core.recs.interactions import Interactions
from core.recs.linalg import hide_bought, top_k

K = 10
"""List length of the validation NDCG."""


def ndcg_at_k(items: np.ndarray, users: np.ndarray, truth: pd.DataFrame, n_products: int) -> float:
    """Mean NDCG of ranked ``items`` (shape (len(users), k)) against ``truth``, as :mod:`core.recs.metrics` defines it."""
    k = items.shape[1]
    keys = truth[C.CUSTOMER_IDX].to_numpy(np.int64) * n_products + truth[C.PRODUCT_IDX].to_numpy(np.int64)
    hit = np.isin(users[:, None].astype(np.int64) * n_products + items, keys)
    dcg = (hit / np.log2(np.arange(2, k + 2))[None, :]).sum(axis=1)
    n_rel = truth.groupby(C.CUSTOMER_IDX).size().reindex(users).fillna(0).to_numpy(int)
    discounts = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))])
    ideal = discounts[np.minimum(n_rel, k)]
    return float(np.mean(np.divide(dcg, ideal, out=np.zeros_like(dcg), where=ideal > 0)))


def _ranked(scores: np.ndarray, users: np.ndarray, inter: Interactions, k: int) -> np.ndarray:
    """Top-``k`` of each row of ``scores`` with the customer's bought products left out, ties to the lower index.

    The plain ranking of a blend; the weight search ranks candidates only (:class:`BlendSearch`)
    and comes back here for the rows where it cannot prove its list is the top.
    """
    scores = np.array(scores, dtype=np.float32)
    return top_k(hide_bought(scores, inter.bought[users]), k)[1].reshape(users.size, k)


class NDCG:
    """:func:`ndcg_at_k` of fixed ``users`` and ``truth``, with the truth's keys and ideal DCG computed once."""

    def __init__(self, users: np.ndarray, truth: pd.DataFrame, n_products: int, k: int = K):
        self.users, self.n, self.k = users.astype(np.int64), n_products, k
        keys = truth[C.CUSTOMER_IDX].to_numpy(np.int64) * n_products + truth[C.PRODUCT_IDX].to_numpy(np.int64)
        self.keys = np.unique(keys)
        n_rel = truth.groupby(C.CUSTOMER_IDX).size().reindex(users).fillna(0).to_numpy(int)
        self.discount = np.log2(np.arange(2, k + 2))
        discounts = np.concatenate([[0.0], np.cumsum(1.0 / self.discount)])
        self.ideal = discounts[np.minimum(n_rel, k)]

    def __call__(self, items: np.ndarray) -> float:
        """Mean NDCG of ``items`` (shape (len(users), k)), the same float as :func:`ndcg_at_k`."""
        keys = self.users[:, None] * self.n + items
        pos = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
        hit = self.keys[pos] == keys if self.keys.size else np.zeros(keys.shape, dtype=bool)
        return self._mean(hit / self.discount[None, :])

    def of_scores(self, scores_of: Callable[[np.ndarray], np.ndarray], *, batch: int = 512) -> float:
        """Mean NDCG of the top-``k`` lists of ``scores_of(users[lo:hi])``, without ranking the rows.

        ``scores_of`` returns a dense block (one row per customer, one column per product; ``-inf``
        for products left out).  A truth product sits at rank ``r`` of its row's list, where ``r``
        counts the products that outrank it: a higher score, or the same score and a lower index,
        as :func:`~core.recs.linalg.top_k` breaks ties.  It is a hit when ``r < k``.  The result is
        the same float as calling this object on the ranked lists, for a fraction of the
        ranking's cost (a few truth products per row instead of a partition of the whole row).
        """
        order = np.argsort(self.users, kind="stable")
        sorted_users = self.users[order]
        customer, product = np.divmod(self.keys, self.n)
        at = np.minimum(np.searchsorted(sorted_users, customer), max(sorted_users.size - 1, 0))
        known = sorted_users[at] == customer if sorted_users.size else np.zeros(customer.size, dtype=bool)
        row, product = order[at[known]], product[known]
        terms = np.zeros((self.users.size, self.k))
        columns = np.arange(self.n)
        for lo in range(0, self.users.size, batch):
            block = np.asarray(scores_of(self.users[lo:lo + batch]))
            mine = (row >= lo) & (row < lo + batch)
            r, p = row[mine] - lo, product[mine]
            for start in range(0, r.size, batch):  # a few truth rows at a time: each is a copy of a block row
                rr, pp = r[start:start + batch], p[start:start + batch]
                rows, own = block[rr], block[rr, pp][:, None]
                rank = (rows > own).sum(axis=1) + ((rows == own) & (columns[None, :] < pp[:, None])).sum(axis=1)
                hit = rank < self.k
                terms[rr[hit] + lo, rank[hit]] = 1.0 / self.discount[rank[hit]]
        return self._mean(terms)

    def _mean(self, terms: np.ndarray) -> float:
        dcg = terms.sum(axis=1)
        return float(np.mean(np.divide(dcg, self.ideal, out=np.zeros_like(dcg), where=self.ideal > 0)))


CANDIDATES = 64
"""Products per component and customer the weight search ranks (:class:`BlendSearch`)."""


class BlendSearch:
    """The top-``k`` of any non-negative blend of fixed score blocks, ranking a few candidates per row.

    A row's candidates are the unbought products scoring above a component's ``m``-th best
    unbought score ``floor_c`` in some component (the union, the same for every blend).  Any
    other product scores at most ``floor_c`` in every component, so its blend is at most ``Σ w_c · floor_c``.
    When a row's ``k``-th best candidate is above that bound (with a margin for float32
    rounding), its top-``k`` among candidates is its top-``k`` of the whole row, ties to the
    lower index as :func:`_ranked` breaks them; the other rows are ranked whole by :func:`_ranked`.
    The blend of a candidate is computed with the same float32 operations in the same order as
    the full blend, so the two agree bit for bit.

    Parameters
    ----------
    scaled : dict of str to ndarray of float32, shape (len(users), n_products) each
    users, inter : the rows scored and their interactions (bought products are left out)
    k : int
    m : int, default :data:`CANDIDATES`
    """

    def __init__(self, scaled: dict[str, np.ndarray], users: np.ndarray, inter: Interactions, k: int = K,
                 m: int = CANDIDATES):
        n = inter.n_products
        k = min(k, n)  # a catalogue shorter than the list: every product ranked
        self.scaled, self.users, self.inter, self.k = scaled, users, inter, k
        m = max(min(m, n), k)
        seen = inter.bought[users]
        seen_rows, seen_cols = np.repeat(np.arange(users.size), np.diff(seen.indptr)), seen.indices
        is_seen = np.zeros((users.size, n), dtype=bool)
        is_seen[seen_rows, seen_cols] = True
        is_cand = np.zeros((users.size, n), dtype=bool)
        self.is_seen = is_seen
        self.floor, self.size = {}, {}
        for name, block in scaled.items():
            self.size[name] = np.abs(block).max(axis=1).astype(np.float64)  # bounds every term's size
            masked = np.array(block, dtype=np.float32)
            masked[is_seen] = -np.inf
            # The m-th best unbought score (-inf when fewer are left): products above it are candidates
            # (fewer than m when it is tied), every other one scores at most it.  np.partition: a
            # fifth of np.argpartition's time.
            floor = np.partition(masked, n - m, axis=1)[:, n - m] if m < n else np.full(users.size, -np.inf)
            is_cand |= masked > floor[:, None]
            self.floor[name] = floor.astype(np.float64)
        rows, cols = np.nonzero(is_cand)  # row by row, products ascending: ties in a blend go to the lower index
        counts = np.bincount(rows, minlength=users.size)
        width = max(int(counts.max(initial=0)), k)
        slot = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
        self.cand = np.zeros((users.size, width), dtype=np.int64)
        self.cand[rows, slot] = cols
        pad = np.ones((users.size, width), dtype=bool)  # after a row's candidates: -inf, ranked last
        pad[rows, slot] = False
        self.values = {}
        for name, block in scaled.items():
            values = np.take_along_axis(block, self.cand, axis=1)
            values[pad] = -np.inf
            self.values[name] = values
        self.fallback_rows = 0

    def top(self, weights: dict[str, float]) -> np.ndarray:
        """Top-``k`` products per row of the blend ``Σ weights[c] · scaled[c]`` (weights >= 0, some > 0)."""
        used = [(name, w) for name, w in weights.items() if w > 0]
        blend = sum(w * self.values[name] for name, w in used)
        _, pos, vals = top_k(blend, self.k)
        pos, vals = pos.reshape(-1, self.k), vals.reshape(-1, self.k)
        bound = sum(w * self.floor[name] for name, w in used)
        margin = 1e-5 * sum(w * self.size[name] for name, w in used)
        ok = vals[:, -1] > bound + margin
        items = np.take_along_axis(self.cand, pos, axis=1)
        if not ok.all():
            rows = np.flatnonzero(~ok)
            if len(used) == 1 and used[0][1] == 1.0:
                rows = self._fill_ties(used[0][0], rows, items, vals)
            self.fallback_rows += rows.size
            full = sum(w * self.scaled[name][rows] for name, w in used)
            items[rows] = _ranked(full, self.users[rows], self.inter, self.k)
        return items

    def _fill_ties(self, name: str, rows: np.ndarray, items: np.ndarray, vals: np.ndarray) -> np.ndarray:
        """Complete ``rows`` of one component alone (weight 1) in place; the rows it cannot complete.

        A row falls back when fewer than ``k`` of its candidates score above the component's floor
        (many equal scores, e.g. zeros).  Alone, every unbought product outside the ones above the
        floor scores at most the floor (candidates of other components included), so the whole
        row's top-``k`` is its ranked candidates above the floor, then the unbought products scoring
        exactly the floor by index: no ranking of the whole row.
        """
        floor = self.floor[name][rows].astype(np.float32)
        n_cand = (vals[rows] > floor[:, None]).sum(axis=1)
        need = self.k - n_cand
        at_floor = (self.scaled[name][rows] == floor[:, None]) & ~self.is_seen[rows]
        count = np.cumsum(at_floor, axis=1)
        done = np.isfinite(floor) & (count[:, -1] >= need)
        take = at_floor & (count <= need[:, None]) & done[:, None]
        r, c = np.nonzero(take)  # row by row, products ascending
        items[rows[r], n_cand[r] + count[r, c] - 1] = c
        return rows[~done]
