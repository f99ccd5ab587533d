"""The one top-k of core.recs against plain per-row references, and the L2 normalisation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from core.recs.linalg import l2_normalise, top_k


def top_k_sparse_rows(sim: sp.spmatrix, k: int, *, exclude: np.ndarray) -> sp.csr_matrix:
    """The ``k`` largest positive entries of each row of ``sim``, leaving out column ``exclude[i]`` in row ``i``.

    The simple per-row oracle for user-kNN's use of :func:`top_k` (``axis=0``,
    ``positive=True``); ties at the k-th value are broken arbitrarily here, so the data below
    avoid them.
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


def reference(scores: np.ndarray, k: int, *, positive: bool) -> list[list[int]]:
    """Per row: indices by descending score, ties to the lower index, the first k (positive ones only)."""
    out = []
    for row in scores:
        ranked = sorted(range(row.size), key=lambda j, row=row: (-row[j], j))
        out.append([j for j in ranked if row[j] > 0 or not positive][:k])
    return out


def test_oracle_leaves_out_self_and_zeros():
    m = sp.csr_matrix(np.array([[0.1, 0.5, 0.3, 0.9], [0.0, 0.2, 0.0, 0.0], [0.4, 0.0, 0.7, 0.6]], dtype=np.float32))
    out = top_k_sparse_rows(m, 2, exclude=np.array([3, 0, 2]))
    assert np.allclose(out.toarray(), [[0, 0.5, 0.3, 0], [0, 0.2, 0, 0], [0.4, 0, 0, 0.6]])


@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("k", [1, 2, 3, 5, 8, 12])
def test_top_k_matches_a_full_sort_with_ties(axis, positive, k):
    rng = np.random.default_rng(k)
    scores = rng.integers(-1, 3, size=(30, 8)).astype(np.float32)  # few levels: many ties, some <= 0
    scores[0, :3] = -np.inf
    along = scores if axis == 1 else scores.T
    group, index, values = top_k(scores, k, axis=axis, positive=positive)
    want = reference(along, k, positive=positive)
    got = [index[group == g].tolist() for g in range(along.shape[0])]
    assert got == want
    assert (np.diff(group) >= 0).all()
    assert values.tolist() == [along[g, i] for g, i in zip(group, index, strict=True)]


def test_top_k_lists_are_prefixes_of_longer_lists():
    scores = np.random.default_rng(0).integers(0, 3, size=(40, 8)).astype(float)
    longest = top_k(scores, 8)[1].reshape(40, 8)
    for n in range(1, 8):
        assert (top_k(scores, n)[1].reshape(40, n) == longest[:, :n]).all()


@pytest.mark.parametrize("n", [40, 7])  # 40 >= 2k uses the chunk-maximum floor; 7 < 2k does not
def test_top_k_by_column_matches_the_sparse_row_oracle(n):
    rng = np.random.default_rng(n)
    sim = rng.random((n, 9)).astype(np.float32)
    sim[rng.random(sim.shape) < 0.4] = 0  # zeros are never neighbours
    exclude = rng.integers(0, n, size=9)
    want = top_k_sparse_rows(sp.csr_matrix(sim.T), 4, exclude=exclude)
    masked = sim.copy()
    masked[exclude, np.arange(9)] = 0
    row, customer, value = top_k(masked, 4, axis=0, positive=True)
    got = sp.csr_matrix((value, (row, customer)), shape=(9, n))
    assert (got != want).nnz == 0


@pytest.mark.parametrize("axis", [0, 1])
def test_l2_normalise_gives_unit_rows_or_columns_and_keeps_empty_ones(axis):
    m = sp.csr_matrix(np.array([[3.0, 0.0, 0.0], [4.0, 0.0, 2.0]]))
    out = l2_normalise(m, axis=axis)
    assert out.dtype == np.float32 and out.has_sorted_indices
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=axis)).ravel())
    want = [1.0, 0.0, 1.0] if axis == 0 else [1.0, 1.0]
    np.testing.assert_allclose(norms, want, rtol=1e-6)
    if axis == 0:
        np.testing.assert_allclose(out.toarray()[:, 0], [0.6, 0.8], rtol=1e-6)
