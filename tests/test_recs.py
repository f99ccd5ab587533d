"""Recommenders on tiny hand-checked data: known neighbours → known top items and reasons."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.errors import OmnimixError
from core.recs import MODELS, ContentBased, Hybrid, ItemKNN, MostPopular, SegmentPopular, UserKNN, make_model
from core.recs.interactions import build_interactions, price_tiers
from core.recs.item_knn import item_cosine

PRODUCTS = pd.DataFrame({
    "product_id": ["P0", "P1", "P2", "P3"],
    "name": ["Red running shoe", "Blue running shoe", "Green tea", "Black tea"],
    "category": ["Shoes", "Shoes", "Tea", "Tea"],
    "brand": ["Run", "Run", "Leaf", "Leaf"],
    "price": [50.0, 60.0, 5.0, 6.0],
    "description": ["a shoe for running", "a shoe for running", "loose leaf tea", "loose leaf tea"],
})
PRODUCTS["price_tier"] = price_tiers(PRODUCTS)
CUSTOMERS = pd.DataFrame({
    "customer_id": ["c0", "c1", "c2", "c3", "c4", "c5", "c6"],
    "acquisition_channel": ["web", "web", "store", "store", "store", "tv", "web"],
})
# (customer, product, kind, channel): c0, c1 bought P0+P1 online; c2 bought the teas in store;
# c3 bought P0 in store; c4 and c5 have no history; c6 only viewed P2.
EVENTS = [(0, 0, "purchase", "web"), (0, 1, "purchase", "web"), (1, 0, "purchase", "web"), (1, 1, "purchase", "web"),
          (2, 2, "purchase", "store"), (2, 3, "purchase", "store"), (3, 0, "purchase", "store"), (6, 2, "view", "web")]
LOG = pd.DataFrame(EVENTS, columns=["customer_idx", "product_idx", "kind", "channel"]).assign(
    ts=pd.Timestamp("2024-01-01"))
LN2 = math.log(2)


@pytest.fixture(scope="module")
def inter():
    return build_interactions(LOG, PRODUCTS, CUSTOMERS)


def test_matrix_is_sparse_log_weighted_and_segments_follow_channels(inter):
    assert inter.matrix.format == "csr" and inter.matrix.shape == (7, 4)
    assert inter.matrix[0, 0] == pytest.approx(LN2)
    assert inter.matrix[6, 2] == pytest.approx(math.log1p(0.1))  # a view weighs 0.1
    assert inter.bought[6, 2] == 0 and inter.bought[2, 3] == 1
    # Dominant order channel; no orders → acquisition channel if customers buy there, else none.
    assert list(inter.segments) == ["web", "web", "store", "store", "store", "no purchases yet", "web"]


def test_price_tiers_are_terciles_within_category():
    products = pd.DataFrame({"category": ["A"] * 3 + ["B"] * 2, "price": [1.0, 2.0, 3.0, 7.0, 7.0]})
    assert list(price_tiers(products)) == ["budget", "mid", "premium", "mid", "mid"]


def test_item_cosine_known_values(inter):
    sim = item_cosine(inter.matrix, n_neighbours=10).toarray()
    assert sim[0, 1] == pytest.approx(2 / math.sqrt(6), rel=1e-5)  # P0 (c0,c1,c3) vs P1 (c0,c1)
    # P2 was bought by c2 (ln 2) and viewed by c6 (ln 1.1); P3 only bought by c2.
    assert sim[2, 3] == pytest.approx(LN2 / math.hypot(LN2, math.log1p(0.1)), rel=1e-5)
    assert sim[0, 2] == 0 and sim[0, 0] == 0


def test_item_cosine_keeps_n_neighbours(inter):
    sim = item_cosine(inter.matrix, n_neighbours=1).toarray()
    # P0's only neighbour is P1; P2's is P3 (their one shared buyer); zeros are not stored.
    assert np.count_nonzero(sim, axis=1).tolist() == [1, 1, 1, 1]
    assert sim[0].argmax() == 1 and sim[2].argmax() == 3 and sim[3].argmax() == 2


def test_item_knn_top_item_score_and_reason(inter):
    recs = ItemKNN(n_neighbours=10).fit(inter).recommend("c3", 2)
    assert recs["product_id"].tolist()[0] == "P1"
    assert recs["score"].iloc[0] == pytest.approx(LN2 * 2 / math.sqrt(6), rel=1e-5)
    assert recs["explanation"].iloc[0] == "because you bought Red running shoe"
    assert "P0" not in recs["product_id"].tolist()  # already bought
    # The second slot has no item-kNN score: popularity in the segment fills it, labelled so.
    assert recs["source"].iloc[1] == "segment popularity"
    assert recs["explanation"].iloc[1] == "popular in your segment (store shoppers)"


def test_item_knn_explains_views(inter):
    recs = ItemKNN().fit(inter).recommend("c6", 1)
    assert recs["product_id"].iloc[0] == "P3"
    assert recs["explanation"].iloc[0] == "similar to items you viewed (Green tea)"


def test_user_knn_uses_similar_customers(inter):
    recs = UserKNN(n_neighbours=2).fit(inter).recommend("c3", 1)
    assert recs["product_id"].iloc[0] == "P1"
    # Neighbours c0 and c1 (cosine 1/√2 each) both bought P1 with weight ln 2.
    assert recs["score"].iloc[0] == pytest.approx(2 * LN2 / math.sqrt(2), rel=1e-5)
    assert recs["explanation"].iloc[0] == "bought by 2 of the 2 customers who shop most like you"


def test_content_prefers_same_text(inter):
    recs = ContentBased().fit(inter).recommend("c3", 3)
    assert recs["product_id"].iloc[0] == "P1"
    assert recs["explanation"].iloc[0] == "because you bought Red running shoe"
    assert recs["score"].iloc[0] > recs["score"].iloc[1]


def test_popularity_overall_and_segment(inter):
    overall = MostPopular().fit(inter).recommend("c2", 4)
    assert overall["product_id"].tolist() == ["P0", "P1"]  # P0 has 3 buyers, P1 2; c2 bought the teas
    assert overall["explanation"].iloc[0] == "popular with all customers"
    seg = SegmentPopular().fit(inter).recommend("c3", 3)
    # Store buyers: c2 (P2, P3) and c3 (P0): the teas lead, P1 (no store buyer) comes last.
    assert set(seg["product_id"].iloc[:2]) == {"P2", "P3"} and seg["product_id"].iloc[2] == "P1"
    assert seg["explanation"].iloc[0] == "popular in your segment (store shoppers)"


@pytest.mark.parametrize("name", list(MODELS))
def test_cold_start_is_labelled(inter, name):
    model = make_model(name).fit(inter)
    by_segment = model.recommend("c4", 2)  # no history, acquired in store
    # Store buyers: c2 (P2, P3) and c3 (P0): three products tied at one buyer, P1 has none.
    assert set(by_segment["product_id"]) < {"P0", "P2", "P3"}
    assert set(by_segment["explanation"]) == {"popular in your segment (store shoppers)"}
    overall = model.recommend("c5", 2)  # no history, acquired on tv: no segment
    assert overall["product_id"].tolist() == ["P0", "P1"]
    assert set(overall["explanation"]) == {"popular with all customers (no purchase history yet)"}
    assert set(overall["source"]) == {"overall popularity"}


def test_hybrid_with_one_component_ranks_like_it(inter):
    alone = ItemKNN().fit(inter).recommend(["c3", "c6"], 2)
    blended = Hybrid(weights={"item_knn": 1.0}).fit(inter).recommend(["c3", "c6"], 2)
    assert blended["product_id"].tolist() == alone["product_id"].tolist()
    assert blended["explanation"].tolist()[0] == "because you bought Red running shoe"
    default = Hybrid().fit(inter).recommend("c3", 1)
    assert default["product_id"].iloc[0] == "P1"


def test_exclude_seen_toggle(inter):
    model = MostPopular().fit(inter)
    assert model.recommend("c0", 1, exclude_seen=False)["product_id"].iloc[0] == "P0"
    # Only the two unbought products remain (P2 and P3 tie at one buyer each).
    assert set(model.recommend("c0", 4)["product_id"]) == {"P2", "P3"}


@pytest.mark.parametrize("bad", [0, -3, 2.5, "10"])
def test_bad_n_is_a_clear_error(inter, bad):
    with pytest.raises(OmnimixError, match="n \\(number of recommendations\\) must be a positive whole number"):
        ItemKNN().fit(inter).recommend("c0", bad)


def test_unknown_customer_and_model_and_unfitted(inter):
    with pytest.raises(OmnimixError, match="Customer id 'zz' is not in the customers table"):
        MostPopular().fit(inter).recommend(["c0", "zz"], 3)
    with pytest.raises(OmnimixError, match="Unknown model 'svd'; choose from popular"):
        make_model("svd")
    with pytest.raises(OmnimixError, match="not fitted"):
        ItemKNN().recommend("c0", 3)
    with pytest.raises(OmnimixError, match="Unknown hybrid component 'svd'"):
        Hybrid(weights={"svd": 1.0}).fit(inter)


def test_empty_catalogue_is_a_clear_error():
    with pytest.raises(OmnimixError, match="product catalogue is empty"):
        build_interactions(LOG.iloc[:0], PRODUCTS.iloc[:0], CUSTOMERS)


def test_fit_returns_self_and_does_not_modify_input(inter):
    before = inter.matrix.copy()
    model = ItemKNN()
    assert model.fit(inter) is model
    assert (inter.matrix != before).nnz == 0
    assert model.get_params() == {"n_neighbours": 100}


def test_user_neighbours_are_remembered(inter):
    model = UserKNN(n_neighbours=2).fit(inter)
    first = model.neighbours(np.array([3, 0]))
    assert model.neighbours(np.array([3, 0])) is first
    # c3 (bought P0) is closest to c0 and c1 (P0 and P1 each): cosine 1/sqrt(2).
    assert sorted(first[0].indices.tolist()) == [0, 1]
    assert first[0].data == pytest.approx([1 / math.sqrt(2)] * 2, rel=1e-5)


def test_hybrid_from_fitted_matches_a_fresh_fit(inter):
    fitted = {name: make_model(name).fit(inter) for name in ("item_knn", "user_knn", "content", "popular_segment")}
    reused = Hybrid.from_fitted(fitted).recommend(["c0", "c3", "c6"], 3)
    fresh = Hybrid().fit(inter).recommend(["c0", "c3", "c6"], 3)
    pd.testing.assert_frame_equal(reused, fresh)
    with pytest.raises(OmnimixError, match="needs a fitted 'content' model"):
        Hybrid.from_fitted({k: v for k, v in fitted.items() if k != "content"})


def test_is_kind_on_categorical_and_plain_columns():
    from core.recs.interactions import is_kind

    plain = pd.DataFrame({"kind": ["view", "purchase", "cart", "purchase"]})
    assert is_kind(plain, "purchase").tolist() == [False, True, False, True]
    assert is_kind(plain.astype("category"), "purchase").tolist() == [False, True, False, True]
    assert not is_kind(plain, "refund").any()


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "3"])
def test_every_count_argument_is_checked_the_same_way(inter, bad):
    from core.recs.evaluate import evaluate
    from core.recs.metrics import ndcg_at_k
    from core.recs.split import time_split

    checks = {
        "n (number of recommendations)": lambda: MostPopular().fit(inter).recommend("c0", bad),
        "k": lambda: ndcg_at_k(pd.DataFrame(columns=["customer_id", "product_id"]),
                               pd.DataFrame(columns=["customer_id", "product_id", "rank"]), k=bad),
        "holdout_weeks": lambda: time_split(LOG, holdout_weeks=bad),
        "max_customers": lambda: evaluate(LOG, PRODUCTS, CUSTOMERS, max_customers=bad),
    }
    for what, call in checks.items():
        with pytest.raises(OmnimixError) as err:
            call()
        assert str(err.value) == f"{what} must be a positive whole number, got {bad!r}."
    from core.recs.checks import check_positive_int

    assert type(check_positive_int(np.int64(3), "k")) is int


@pytest.mark.parametrize("name", list(MODELS))
def test_get_params_are_the_constructor_parameters_only(inter, name):
    import inspect

    model = make_model(name)
    wanted = {p for p in inspect.signature(type(model).__init__).parameters if p != "self"}
    assert set(model.get_params()) == wanted
    model.fit(inter)
    model.recommend(["c0", "c3"], 2)  # user-kNN remembers neighbours here
    assert set(model.get_params()) == wanted
    assert type(model)(**model.get_params()).get_params() == model.get_params()


def test_recommend_for_no_customers_is_an_empty_frame(inter):
    from core.recs.base import RECOMMEND_COLUMNS

    model = ItemKNN().fit(inter)
    empty = model.recommend([], 5)
    assert empty.empty and empty.columns.tolist() == RECOMMEND_COLUMNS
    # Same columns and dtypes as a non-empty answer, so callers can concatenate the two.
    pd.testing.assert_series_equal(empty.dtypes, model.recommend("c3", 2).dtypes)


def test_summaries_follow_the_parameters():
    assert UserKNN().summary == "What the 50 customers with the most similar history bought."
    assert "the 20 customers" in UserKNN(n_neighbours=20).summary
    assert Hybrid().summary == "A weighted blend: 60% item-kNN, 20% user-kNN, 10% content-based, 10% popular in segment."
    assert Hybrid(weights={"item_knn": 3, "content": 1, "user_knn": 0}).summary == (
        "A weighted blend: 75% item-kNN, 25% content-based.")
    # Every model has a sentence for the page.
    assert all(make_model(name).summary.endswith(".") for name in MODELS)


def test_top_lists_are_prefixes_of_longer_lists(inter):
    # Ties go to the lower product index (tests/test_recs_topk.py), so the evaluation ranks once at its largest k and cuts shorter lists from that ranking.
    for name in MODELS:
        model = make_model(name).fit(inter)
        rows = np.arange(inter.n_customers)
        longest = model.top_items(rows, 4, exclude_seen=False)[0]
        for n in (1, 2, 3):
            assert (model.top_items(rows, n, exclude_seen=False)[0] == longest[:, :n]).all(), (name, n)
