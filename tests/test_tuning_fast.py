"""The hybrid weight search's fast ranking (core.recs.blend_search.BlendSearch) against a plain reference.

The reference is the search as it was before the fast path: every candidate blend summed over
the whole catalogue and ranked with ``np.argpartition`` (ties in any order).  The fast path must
choose the same weights; its per-component NDCGs may differ only where single components tie
exactly (many zeros), which the plain ranking orders arbitrarily and the fast one by product index.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

from core.recs import blend_search as B
from core.recs import tuning as T
from core.recs.ease import EASE
from core.recs.hybrid import COMPONENTS, row_max_scaled


def _plain_ranked(scores, users, inter, k):
    scores = np.array(scores, dtype=np.float32)
    seen = inter.bought[users]
    scores[np.repeat(np.arange(users.size), np.diff(seen.indptr)), seen.indices] = -np.inf
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _plain_choose_weights(val, models, ranked=_plain_ranked):
    """The weight search as before the fast path (core/recs/tuning.py at f4f8f88): whole catalogue, ``ranked``."""
    n = val.interactions.n_products
    scaled = {name: row_max_scaled(np.asarray(m._scores(val.users), dtype=np.float64)).astype(np.float32)
              for name, m in models.items()}

    def quality(weights):
        blend = sum(w * scaled[name] for name, w in weights.items() if w > 0)
        return B.ndcg_at_k(ranked(blend, val.users, val.interactions, B.K), val.users, val.truth, n)

    return T.greedy_weights(list(scaled), quality)  # the same search, ranking each blend the plain way


@pytest.fixture(scope="module")
def fitted(small_db):
    from core.recs.evaluate import load_data
    from core.recs.split import time_split
    from core.store.db import open_db

    with open_db(small_db, read_only=True) as con:
        log, products, customers = load_data(con)
    train = time_split(log, holdout_weeks=8).train
    val = T.validation_split(train, products, customers)
    _, _, ease = T.choose_l2(val)
    models = {name: ease if name == EASE.name else cls().fit(val.interactions) for name, cls in COMPONENTS.items()}
    return val, models


def test_fast_search_chooses_the_plain_searchs_weights(fitted):
    val, models = fitted
    weights, best, alone = T.choose_weights(val, models)
    ref_weights, ref_best, ref_alone = _plain_choose_weights(val, models)
    assert weights == ref_weights
    assert best == ref_best
    # The same search ranking whole rows with ties to the lower index agrees to the last bit.
    exact = _plain_choose_weights(val, models, ranked=B._ranked)
    assert (weights, best, alone) == exact
    assert set(alone) == set(ref_alone)


def test_candidates_rank_as_whole_rows_with_and_without_fallback(fitted):
    val, models = fitted
    scaled = {name: row_max_scaled(np.asarray(m._scores(val.users), dtype=np.float64)).astype(np.float32)
              for name, m in models.items()}
    rng = np.random.default_rng(3)
    trials = [{name: float(rng.choice(T.WEIGHT_STEPS)) for name in scaled} for _ in range(12)]
    trials = [w for w in trials if any(v > 0 for v in w.values())] + [{name: 1.0} for name in scaled]
    for m in (B.K, 20, B.CANDIDATES):
        search = B.BlendSearch(scaled, val.users, val.interactions, B.K, m=m)
        for w in trials:
            blend = sum(v * scaled[name] for name, v in w.items() if v > 0)
            np.testing.assert_array_equal(search.top(w), B._ranked(blend, val.users, val.interactions, B.K))
        if m == B.K:
            assert search.fallback_rows > 0  # the fallback path was exercised


def _synthetic_shop(n_users: int, n: int, seed: int):
    """Random bought products (5%) of ``n_users`` customers over ``n`` products: (bought, interactions, users)."""
    bought = sp.random(n_users, n, density=0.05, random_state=seed, format="csr")
    bought.data[:] = 1
    return bought, SimpleNamespace(bought=bought, n_products=n), np.arange(n_users)


def test_candidates_with_negative_scores_and_ties():
    """Synthetic blocks: negative scores (as EASE's), many exact ties, bought products left out."""
    rng = np.random.default_rng(0)
    n_users, n = 300, 400
    bought, inter, users = _synthetic_shop(n_users, n, seed=1)
    scaled = {"a": (rng.integers(-8, 9, (n_users, n)) / 8).astype(np.float32),
              "b": rng.normal(size=(n_users, n)).astype(np.float32),
              "c": (rng.random((n_users, n)) < 0.02).astype(np.float32)}
    search = B.BlendSearch(scaled, users, inter, 10, m=16)
    for w in ({"a": 1.0}, {"c": 1.0}, {"a": 0.5, "b": 0.1, "c": 1.0}, {"b": 0.25, "c": 0.0}, {"a": 0.1, "c": 0.25}):
        blend = sum(v * scaled[name] for name, v in w.items() if v > 0)
        got = search.top(w)
        np.testing.assert_array_equal(got, B._ranked(blend, users, inter, 10))
        assert not np.take_along_axis(bought.toarray().astype(bool), got, axis=1).any()


def test_one_component_alone_fills_its_ties_without_ranking_whole_rows():
    """Mostly-zero scores alone: the rows short of candidates above the floor are completed by index, exactly."""
    rng = np.random.default_rng(4)
    n_users, n = 200, 300
    _, inter, users = _synthetic_shop(n_users, n, seed=2)
    scaled = {"sparse": (rng.random((n_users, n)) < 0.01).astype(np.float32) * rng.random((n_users, n)).astype(np.float32),
              "dense": rng.normal(size=(n_users, n)).astype(np.float32)}
    search = B.BlendSearch(scaled, users, inter, 10, m=16)
    got = search.top({"sparse": 1.0})
    np.testing.assert_array_equal(got, B._ranked(scaled["sparse"], users, inter, 10))
    assert search.fallback_rows == 0  # every short row was completed by its ties, none ranked whole
    search.top({"sparse": 0.5})  # another weight: the whole-row fallback, still exact
    assert search.fallback_rows > 0


def test_ndcg_matches_ndcg_at_k(fitted):
    val, models = fitted
    items = models["item_knn"].top_items(val.users, B.K)[0]
    n = val.interactions.n_products
    assert B.NDCG(val.users, val.truth, n)(items) == B.ndcg_at_k(items, val.users, val.truth, n)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ndcg_of_scores_equals_ndcg_of_the_ranked_lists(seed):
    """Ranks counted per truth product: ties (to the lower index), bought products at -inf, unsorted
    customers, truth of customers not scored, rows shorter than the list, batches cutting rows."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_users, n = 120, 40
    scores = (rng.integers(0, 6, (n_users, n)) / 5).astype(np.float64)  # many exact ties
    scores[rng.random((n_users, n)) < 0.2] = -np.inf
    scores[0, 3:] = -np.inf  # three products left: the list ends in -inf entries
    users = rng.permutation(n_users + 30)[:n_users]
    pairs = np.unique(np.c_[rng.integers(0, n_users + 30, 500), rng.integers(0, n, 500)], axis=0)
    truth = pd.DataFrame({"customer_idx": pairs[:, 0], "product_idx": pairs[:, 1]})
    row_of = {u: i for i, u in enumerate(users)}
    truth = truth[truth["customer_idx"].map(lambda u: u in row_of)]
    extra = pd.DataFrame({"customer_idx": [10_000], "product_idx": [1]})  # a customer not scored
    ndcg = B.NDCG(users, pd.concat([truth, extra]), n, B.K)
    lists = B.top_k(scores, B.K)[1].reshape(n_users, B.K)
    by_user = lambda rows: scores[[row_of[u] for u in rows]]  # noqa: E731
    for batch in (7, 512):
        assert ndcg.of_scores(by_user, batch=batch) == ndcg(lists)
    assert ndcg(lists) > 0


def test_ease_points_are_scored_as_their_ranked_lists(fitted):
    val, models = fitted
    n = val.interactions.n_products
    from core.recs.ease_search import unbought_scores

    ease = models[EASE.name].with_pop_exponent(0.1)
    ranked = B.ndcg_at_k(ease.top_items(val.users, B.K)[0], val.users, val.truth, n)
    assert B.NDCG(val.users, val.truth, n).of_scores(unbought_scores(ease), batch=100) == ranked


def test_catalogue_shorter_than_the_list():
    """Six products, lists of ten: every product is ranked (the plain argpartition could not)."""
    rng = np.random.default_rng(5)
    bought = sp.csr_matrix((rng.random((20, 6)) < 0.2).astype(np.float32))
    inter = SimpleNamespace(bought=bought, n_products=6)
    users = np.arange(20)
    scaled = {"a": rng.random((20, 6)).astype(np.float32), "b": rng.random((20, 6)).astype(np.float32)}
    got = B.BlendSearch(scaled, users, inter, 10).top({"a": 1.0, "b": 0.5})
    assert got.shape == (20, 6)
    np.testing.assert_array_equal(got, B._ranked(scaled["a"] + 0.5 * scaled["b"], users, inter, 6))


def test_weights_use_a_larger_validation_sample_than_ease(small_db):
    """EASE's points are scored on a sample of the customers the hybrid's weights are chosen on."""
    from core.recs.evaluate import load_data
    from core.recs.split import time_split
    from core.store.db import open_db

    with open_db(small_db, read_only=True) as con:
        log, products, customers = load_data(con)
    train = time_split(log, holdout_weeks=8).train
    val = T.validation_split(train, products, customers, max_customers=10_000)
    small = val.sample(40, random_state=3)
    assert small.users.size == 40 and np.isin(small.users, val.users).all()
    assert set(small.truth["customer_idx"]) == set(small.users) and small.interactions is val.interactions
    np.testing.assert_array_equal(small.users, val.sample(40, random_state=3).users)  # seeded
    assert val.sample(val.users.size + 1) is val
    tuning = T.tune(train, products, customers, max_customers=40, weight_customers=120, ease_grid={"l2": (100.0, 500.0)})
    assert (tuning.ease_customers, tuning.customers) == (40, min(120, val.users.size))
    assert tuning.as_dict()["ease_validation_customers"] == 40
