"""User-kNN's blocked neighbour search against a plain per-customer reference on small random data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.recs import UserKNN
from core.recs import user_knn as U
from core.recs.interactions import build_interactions, price_tiers

N_CUSTOMERS, N_PRODUCTS, K = 120, 15, 5


@pytest.fixture(scope="module")
def data():
    """One purchase per (customer, product) pair, so every stored weight is ln 2 and many cosines tie."""
    rng = np.random.default_rng(3)
    products = pd.DataFrame({
        "product_id": [f"P{i}" for i in range(N_PRODUCTS)], "name": [f"Item {i}" for i in range(N_PRODUCTS)],
        "category": ["A", "B", "C"] * (N_PRODUCTS // 3), "brand": ["x"] * N_PRODUCTS,
        "price": np.arange(1.0, N_PRODUCTS + 1), "description": [""] * N_PRODUCTS,
    })
    products["price_tier"] = price_tiers(products)
    customers = pd.DataFrame({"customer_id": [f"c{i}" for i in range(N_CUSTOMERS)], "acquisition_channel": "web"})
    # Customers 0-109 buy 1-4 products (popular ones more often); 110-119 have no history.
    pairs = {(c, int(p)) for c in range(110)
             for p in rng.choice(N_PRODUCTS, size=rng.integers(1, 5), replace=False, p=np.linspace(2, 1, N_PRODUCTS) / 22.5)}
    log = pd.DataFrame(sorted(pairs), columns=["customer_idx", "product_idx"]).assign(
        kind="purchase", channel="web", ts=pd.Timestamp("2024-01-01"))
    inter = build_interactions(log, products, customers)
    binary = np.zeros((N_CUSTOMERS, N_PRODUCTS))
    binary[tuple(np.array(sorted(pairs)).T)] = 1.0
    return inter, binary


def reference_neighbours(binary: np.ndarray, row: int, k: int) -> tuple[list[int], list[float]]:
    """Cosine to every other customer, best first, ties to the lower index, positive ones only."""
    norms = np.sqrt(binary.sum(axis=1))
    if norms[row] == 0:
        return [], []
    cos = binary @ binary[row] / np.where(norms > 0, norms, 1.0) / norms[row]
    cos[row] = 0.0
    order = sorted((c for c in range(len(cos)) if cos[c] > 0), key=lambda c: (-cos[c], c))[:k]
    return sorted(order), [cos[c] for c in sorted(order)]


def check_against_reference(model: UserKNN, binary: np.ndarray, rows: np.ndarray) -> None:
    got = model.neighbours(rows)
    assert got.shape == (rows.size, N_CUSTOMERS)
    for i, row in enumerate(rows):
        want_cols, want_vals = reference_neighbours(binary, int(row), K)
        assert got[i].indices.tolist() == want_cols, f"customer {row}"
        assert got[i].data == pytest.approx(want_vals, rel=1e-5)


def test_blocked_dense_search_matches_reference(data, monkeypatch):
    inter, binary = data
    # Blocks of 32 rows: several blocks (searched on threads) through the dense product.
    monkeypatch.setattr(U, "ROWS_PER_BLOCK", 32)
    model = UserKNN(n_neighbours=K).fit(inter)
    check_against_reference(model, binary, np.arange(N_CUSTOMERS)[::-1].copy())


def test_small_batches_use_the_sparse_product_and_agree(data):
    inter, binary = data
    model = UserKNN(n_neighbours=K).fit(inter)
    for row in (0, 7, 55, 115):
        check_against_reference(model, binary, np.array([row]))


def test_ties_go_to_the_lower_customer_index(data):
    inter, binary = data
    model = UserKNN(n_neighbours=K).fit(inter)
    norms = np.sqrt(binary.sum(axis=1)).clip(1e-12)
    cos = binary @ binary.T / norms[:, None] / norms[None, :]
    np.fill_diagonal(cos, 0)
    kth = -np.sort(-cos, axis=1)[:, K - 1]
    # Rows where customers tied at the k-th similarity do not all fit in the k slots.
    straddling = np.flatnonzero(((cos >= kth[:, None]).sum(axis=1) > K) & (kth > 0))
    assert straddling.size >= 5, "the fixture should have ties across the cut"
    for row in straddling[:5]:
        assert model.neighbours(np.array([row])).indices.tolist() == reference_neighbours(binary, int(row), K)[0]


def test_scores_are_neighbour_weighted_interactions(data, monkeypatch):
    inter, binary = data
    monkeypatch.setattr(U, "ROWS_PER_BLOCK", 32)
    model = UserKNN(n_neighbours=K).fit(inter)
    rows = np.arange(0, N_CUSTOMERS, 3)
    want = np.zeros((rows.size, N_PRODUCTS))
    for i, row in enumerate(rows):
        cols, vals = reference_neighbours(binary, int(row), K)
        want[i] = np.dot(vals, binary[cols] * np.log(2)) if cols else 0.0
    assert model._scores(rows) == pytest.approx(want, rel=1e-5, abs=1e-7)
