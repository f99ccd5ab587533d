"""EASE's options (EDLAE dropout, user-degree weights, popularity penalty) and their choice on validation only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from core.errors import InvalidParameterError
from core.recs import EASE
from core.recs.blend_search import ndcg_at_k
from core.recs.ease import ease_weights, gram, lowpass_basis, lowpass_weights, ridge, user_weights
from core.recs.ease_search import L2_GRID, choose_ease, greedy_walk
from core.recs.interactions import build_interactions
from tests.test_recs import CUSTOMERS, LOG, PRODUCTS
from tests.test_recs_ease import recs_sample  # noqa: F401  (module fixture)

X = sp.csr_matrix(np.array([[1.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]))
"""G = [[4, 2], [2, 3]] (see test_recs_ease.test_two_products_by_hand)."""


@pytest.fixture(scope="module")
def inter():
    return build_interactions(LOG, PRODUCTS, CUSTOMERS)


def test_defaults_are_plain_ease(inter):
    model = EASE()
    assert model.get_params() == {"l2": 500.0, "dropout": 0.0, "user_exponent": 0.0, "pop_exponent": 0.0,
                                  "lowpass_rank": 0, "lowpass_weight": 0.0, "l2_interactions": 0.0,
                                  "max_products": 10_000}
    fitted = EASE(l2=1.0).fit(inter)
    assert np.array_equal(fitted.weights_, ease_weights(gram(inter.matrix), 1.0))
    assert np.allclose(fitted._scores(np.arange(inter.matrix.shape[0])), inter.matrix.toarray() @ fitted.weights_)
    assert "dropout" not in fitted.summary and "held back" not in fitted.summary and "weigh less" not in fitted.summary
    options = EASE(l2=1.0, user_exponent=0.5, pop_exponent=0.1).fit(inter).summary
    assert "customers with many products weigh less: count^−0.5" in options
    assert "popular products held back: customers^−0.1" in options and "))" not in options


def test_dropout_by_hand():
    # EDLAE: λ_j = λ + p/(1−p)·G_jj.  B_01 = c / (a + λ_0), B_10 = c / (b + λ_1) with G = [[a, c], [c, b]].
    a, b, c, lam, p = 4.0, 3.0, 2.0, 2.0, 0.5
    lam0, lam1 = lam + p / (1 - p) * a, lam + p / (1 - p) * b  # 6 and 5
    assert np.allclose(ridge(gram(X), lam, p), [lam0, lam1])
    w = ease_weights(gram(X), ridge(gram(X), lam, p))
    assert w[0, 1] == pytest.approx(c / (a + lam0)) and w[1, 0] == pytest.approx(c / (b + lam1))  # 0.2 and 0.25
    assert w[0, 0] == 0 and w[1, 1] == 0
    assert ridge(gram(X), lam, 0.0) == lam  # no dropout: the scalar ridge of plain EASE


def test_dropout_in_the_model_matches_the_closed_form(inter):
    model = EASE(l2=1.0, dropout=0.75).fit(inter)
    g = inter.matrix.T.toarray() @ inter.matrix.toarray()
    p = np.linalg.inv(g + np.diag(1.0 + 3.0 * np.diag(g)))
    expected = np.eye(4) - p @ np.diag(1 / np.diag(p))
    assert np.allclose(model.weights_, expected, atol=1e-5)
    assert "dropout 0.75" in model.summary


def test_user_weights_by_hand():
    # Degrees 2, 1, 2, 1, 1 and row sums the same (0/1): raw weights d^-1 = .5, 1, .5, 1, 1.
    # Σ s² = 4+1+4+1+1 = 11, Σ raw·s² = 2+1+2+1+1 = 7, so every weight is scaled by 11/7.
    w = user_weights(X, 1.0)
    assert np.allclose(w, np.array([0.5, 1, 0.5, 1, 1]) * 11 / 7)
    dense = X.toarray()
    assert np.allclose(gram(X, user_exponent=1.0), dense.T @ np.diag(w) @ dense, atol=1e-6)
    assert gram(X, user_exponent=1.0).sum() == pytest.approx(gram(X).sum())  # λ keeps its scale
    assert np.array_equal(user_weights(sp.csr_matrix((2, 2)), 0.5), [0.0, 0.0])  # empty rows


def test_popularity_penalty_divides_the_scores_and_keeps_the_reasons(inter):
    plain = EASE(l2=1.0).fit(inter)
    penalised = EASE(l2=1.0, pop_exponent=0.5).fit(inter)
    customers = np.diff(sp.csc_matrix(inter.matrix).indptr)  # P0: 3, P1: 2, P2: 2, P3: 1
    assert penalised.item_customers_.tolist() == customers.tolist() == [3, 2, 2, 1]
    rows = np.arange(inter.matrix.shape[0])
    assert np.allclose(penalised._scores(rows), plain._scores(rows) / np.sqrt(customers + 1.0)[None, :])
    assert np.array_equal(penalised.weights_, plain.weights_)
    copy = plain.with_pop_exponent(0.5)
    assert np.allclose(copy._scores(rows), penalised._scores(rows)) and plain.pop_exponent == 0.0
    assert penalised.recommend("c3", 1)["explanation"].iloc[0] == plain.recommend("c3", 1)["explanation"].iloc[0]


def test_options_are_checked_and_cloned(inter):
    params = {"l2": 250.0, "dropout": 0.5, "user_exponent": 0.5, "pop_exponent": 0.1, "lowpass_rank": 2,
              "lowpass_weight": 0.25, "l2_interactions": 1000.0, "max_products": 9}
    assert clone(EASE(**params)).get_params() == params
    for bad in ({"dropout": 1.0}, {"dropout": -0.1}, {"user_exponent": -1.0}, {"pop_exponent": 3.0}):
        with pytest.raises(InvalidParameterError, match=next(iter(bad))):
            EASE(**bad).fit(inter)


def test_greedy_walk_climbs_each_axis_and_stays_put_at_a_peak():
    axes = {"x": (0.0, 1.0, 2.0, 3.0), "y": (0.0, 1.0, 2.0)}
    asked: list[tuple] = []

    def quality(points):
        asked.extend(points)
        return [-((p[0] - 2.0) ** 2) - (p[1] - 1.0) ** 2 for p in points]

    assert greedy_walk(axes, {"x": 0, "y": 0}, quality) == ((2.0, 1.0), 0.0)
    assert (3.0, 1.0) in asked and (0.0, 2.0) not in asked  # neighbours only
    peak = greedy_walk(axes, {"x": 2, "y": 1}, lambda points: [float(p == (2.0, 1.0)) for p in points])
    assert peak[0] == (2.0, 1.0)
    flat = greedy_walk(axes, {"x": 1, "y": 0}, lambda points: [0.0] * len(points))  # ties: the start stays
    assert flat == ((1.0, 0.0), 0.0)


def test_plain_grid_is_todays_lambda_search(recs_sample):  # noqa: F811
    from core.recs.split import time_split
    from core.recs.tuning import choose_l2, validation_split

    log, products, customers = recs_sample
    val = validation_split(time_split(log, holdout_weeks=8).train, products, customers, max_customers=300)
    l2, l2_ndcg, model = choose_l2(val)
    assert model.get_params()["dropout"] == 0.0 and model.l2 == l2
    # The λ search as it was before the options (core/recs/tuning.py at 9a501ef), written out again.
    results: dict[float, float] = {}

    def quality(i: int) -> float:
        if L2_GRID[i] not in results:
            m = EASE(l2=L2_GRID[i]).fit(val.interactions)
            results[L2_GRID[i]] = ndcg_at_k(m.top_items(val.users, 10)[0], val.users, val.truth,
                                            val.interactions.n_products)
        return results[L2_GRID[i]]

    i = (len(L2_GRID) - 1) // 2
    while True:
        here = quality(i)
        better = [j for j in (i - 1, i + 1) if 0 <= j < len(L2_GRID) and quality(j) > here]
        if not better:
            break
        i = max(better, key=lambda j: results[L2_GRID[j]])
    assert (l2, l2_ndcg) == (L2_GRID[i], dict(sorted(results.items())))
    choice = choose_ease([val], {"l2": L2_GRID})  # the other options left out: plain EASE
    assert choice.params == {"l2": l2, "dropout": 0.0, "user_exponent": 0.0, "pop_exponent": 0.0,
                             "lowpass_rank": 0, "lowpass_weight": 0.0,
                             "l2_interactions": float(val.interactions.matrix.nnz)}
    full = choose_ease([val])  # the whole grid: never worse on validation than plain EASE, and its best point
    assert full.ndcg >= max(l2_ndcg.values()) and full.ndcg == max(full.tried.values())
    assert full.tried[tuple(full.params.values())[:6]] == full.ndcg


def test_random_split_tuning_never_reads_the_test_share(recs_sample, monkeypatch):  # noqa: F811
    """The log handed to the tuning holds no held-out (customer, product) pair; its EASE options come from two splits."""
    from core.recs import evaluate as E

    log, products, customers = recs_sample
    seen: list[pd.DataFrame] = []
    real = E.tune

    def spy(train_log, *args, **kwargs):
        seen.append(train_log)
        return real(train_log, *args, max_customers=200, **kwargs)

    monkeypatch.setattr(E, "tune", spy)
    preds = E.predict_holdout(log, products, customers, max_k=10, models=["ease"], split="random", random_state=3,
                              max_customers=200)
    assert len(seen) == 1
    held = preds.truth[["customer_idx", "product_idx"]].drop_duplicates()
    touched = seen[0][["customer_idx", "product_idx"]].drop_duplicates()
    assert held.merge(touched, on=["customer_idx", "product_idx"]).empty
    info = preds.tuning
    assert info["validation_splits"] == 2 and info["ease_params"]["l2"] == info["l2"]
    assert max(info["ease_ndcg"].values()) == max(info["l2_ndcg"].values())


def test_options_with_the_large_catalogue_guard(inter):
    model = EASE(l2=1.0, dropout=0.5, user_exponent=0.5, pop_exponent=0.5, max_products=2).fit(inter)
    assert model.restricted_ and model.products_.tolist() == [0, 1] and model.item_customers_.tolist() == [3, 2]
    x = inter.matrix[:, [0, 1]]
    g = gram(x, user_exponent=0.5)
    assert np.allclose(model.weights_, ease_weights(g, ridge(g, 1.0, 0.5)))
    scores = model._scores(np.array([3]))
    assert scores.shape == (1, 4) and scores[0, 2] == scores[0, 3] == 0
    assert np.allclose(scores[0, :2], (x[3] @ model.weights_) / np.sqrt([4.0, 3.0]))
    assert "only the 2 most-bought are used" in model.summary


def test_lowpass_by_hand():
    # GF-CF: R̃ = D_U^-½ X D_I^-½ has top singular value 1 with right vector ∝ √d (d: column sums 4, 3), so the
    # rank-1 low-pass term D_I^-½ v vᵀ D_I^½ is d_j / Σd: [[., 3/7], [4/7, .]].  Plain EASE, λ = 2, G = [[4, 2], [2, 3]]:
    # B_01 = 2 / (4 + 2) = 1/3, B_10 = 2 / (3 + 2) = 2/5.
    v, d = lowpass_basis(X, 1)
    assert d.tolist() == [4.0, 3.0] and v.shape == (2, 1)
    assert np.allclose(np.abs(v[:, 0]), np.array([2.0, np.sqrt(3.0)]) / np.sqrt(7.0))
    b = ease_weights(gram(X), 2.0)
    assert np.allclose(b, [[0, 1 / 3], [2 / 5, 0]])
    w = lowpass_weights(b, (v, d), 1, 0.5)
    assert np.allclose(w, [[0, 0.5 / 3 + 0.5 * 3 / 7], [0.5 * 2 / 5 + 0.5 * 4 / 7, 0]])
    assert w.dtype == np.float32 and np.array_equal(lowpass_weights(b, (v, d), 1, 0.0), b)
    one = lowpass_basis(X[:, :1], 4)  # one product: no singular vector to keep, the term is 0
    assert one[0].shape == (1, 0) and np.array_equal(lowpass_weights(np.zeros((1, 1), np.float32), one, 4, 0.5), [[0.0]])


def test_lowpass_in_the_model(inter):
    plain = EASE(l2=1.0).fit(inter)
    assert np.array_equal(EASE(l2=1.0, lowpass_rank=2).fit(inter).weights_, plain.weights_)  # no weight: plain EASE
    model = EASE(l2=1.0, lowpass_rank=2, lowpass_weight=0.25).fit(inter)
    basis = lowpass_basis(inter.matrix, 2)
    expected = lowpass_weights(ease_weights(gram(inter.matrix), 1.0), basis, 2, 0.25)
    assert np.allclose(model.weights_, expected, atol=1e-6)
    rows = np.arange(inter.matrix.shape[0])
    assert np.allclose(model._scores(rows), inter.matrix.toarray() @ model.weights_, atol=1e-6)
    assert "rank-2 low-pass filter at weight 0.25" in model.summary and "low-pass" not in plain.summary
    copy = plain.with_lowpass(2, 0.25, basis)
    assert np.allclose(copy.weights_, model.weights_, atol=1e-6) and plain.lowpass_weight == 0.0
    assert np.array_equal(copy.with_lowpass(2, 0.0, basis).weights_, plain.weights_)


def test_lowpass_is_chosen_on_validation_with_a_canonical_rank(recs_sample):  # noqa: F811
    from core.recs.split import time_split
    from core.recs.tuning import validation_split

    log, products, customers = recs_sample
    val = validation_split(time_split(log, holdout_weeks=8).train, products, customers, max_customers=300)
    grid = {"l2": (100.0, 500.0), "lowpass_rank": (2.0, 4.0), "lowpass_weight": (0.0, 0.25, 0.5)}
    choice = choose_ease([val], grid)
    assert all(point[4] == 0.0 for point in choice.tried if point[5] == 0.0)  # rank ignored without a weight
    assert isinstance(choice.params["lowpass_rank"], int)
    assert choice.tried[tuple(choice.params.values())[:6]] == choice.ndcg == max(choice.tried.values())
    refit = EASE(**choice.params).fit(val.interactions)
    assert np.allclose(refit.weights_, choice.model.weights_, atol=1e-5)


def test_l2_interactions_scales_lambda_to_the_matrix_fitted(inter):
    nnz = inter.matrix.nnz
    assert EASE(l2=3.0).effective_l2(nnz) == 3.0  # default: λ as given
    model = EASE(l2=3.0, l2_interactions=nnz / 3).fit(inter)  # chosen on a matrix a third the size: λ 3 → 1
    assert model.effective_l2(nnz) == pytest.approx(1.0)
    assert np.allclose(model.weights_, ease_weights(gram(inter.matrix), 1.0), atol=1e-6)
    assert np.array_equal(EASE(l2=3.0, l2_interactions=float(nnz)).fit(inter).weights_, EASE(l2=3.0).fit(inter).weights_)
    assert "ridge λ = 1" in model.summary
