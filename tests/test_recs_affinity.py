"""Brand affinity against a hand-computed case, its reasons, its parameter check, and as a hybrid component."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import InvalidParameterError
from core.recs import Hybrid
from core.recs.affinity import BrandAffinity
from core.recs.hybrid import COMPONENTS, row_max_scaled
from core.recs.interactions import build_interactions, price_tiers

PRODUCTS = pd.DataFrame({
    "product_id": ["P0", "P1", "P2", "P3"],
    "name": ["X one", "X two", "Y one", "Z one"],
    "category": ["A", "A", "A", "B"],
    "brand": ["X", "X", "Y", "Z"],
    "price": [1.0, 2.0, 3.0, 4.0],
    "description": ["", "", "", ""],
})
PRODUCTS["price_tier"] = price_tiers(PRODUCTS)
CUSTOMERS = pd.DataFrame({"customer_id": ["c0", "c1", "c2", "c3"], "acquisition_channel": ["web"] * 4})
# c0 bought P0 and viewed P2 (twice: still one product touched); c1 bought P0 and carted P1; c2 bought P3.
EVENTS = [(0, 0, "purchase"), (0, 2, "view"), (0, 2, "view"), (1, 0, "purchase"), (1, 1, "cart"), (2, 3, "purchase")]
LOG = pd.DataFrame(EVENTS, columns=["customer_idx", "product_idx", "kind"]).assign(
    channel="web", ts=pd.Timestamp("2024-01-01"))


@pytest.fixture(scope="module")
def inter():
    return build_interactions(LOG, PRODUCTS, CUSTOMERS)


def test_scores_by_hand(inter):
    # Touches (customers per product): P0 2, P1 1, P2 1, P3 1.  Lines: A|X = {P0, P1} (3 touches),
    # A|Y = {P2}, B|Z = {P3}; category A = {P0, P1, P2} (4 touches), B = {P3}.
    model = BrandAffinity(line_weight=0.9).fit(inter)
    assert np.allclose(model.share_in_line_, [2 / 3, 1 / 3, 1.0, 1.0])
    assert np.allclose(model.share_in_category_, [0.5, 0.25, 0.25, 1.0])
    # c0 touched P0 (line A|X) and P2 (line A|Y): line shares 1/2 and 1/2, category A share 1.
    expected_c0 = [0.9 * 0.5 * 2 / 3 + 0.1 * 0.5, 0.9 * 0.5 * 1 / 3 + 0.1 * 0.25, 0.9 * 0.5 + 0.1 * 0.25, 0.0]
    # c1 touched P0 and P1, both in A|X.
    expected_c1 = [0.9 * 2 / 3 + 0.1 * 0.5, 0.9 / 3 + 0.1 * 0.25, 0.1 * 0.25, 0.0]
    assert np.allclose(model._scores(np.array([0, 1])), [expected_c0, expected_c1])
    assert np.allclose(BrandAffinity(line_weight=0.0).fit(inter)._scores(np.array([2])), [[0, 0, 0, 1.0]])


def test_recommendations_leave_out_bought_products_and_name_the_brand(inter):
    recs = BrandAffinity().fit(inter).recommend("c0", 3)
    # P0 is bought; the viewed P2 (0.475) comes before P1 (0.175); P3 only from popularity.
    assert recs["product_id"].tolist() == ["P2", "P1", "P3"]
    assert recs["explanation"].iloc[0] == "you chose Y in A (1 of your 2 products)"
    assert recs["source"].tolist()[:2] == ["model", "model"] and recs["source"].iloc[2] != "model"
    new = BrandAffinity().fit(inter).recommend("c3", 2)  # no history: popularity, as for every model
    assert (new["source"] != "model").all()


def test_line_weight_is_checked_when_fitting(inter):
    with pytest.raises(InvalidParameterError, match="line_weight"):
        BrandAffinity(line_weight=1.5).fit(inter)


def test_hybrid_blends_it_as_a_component(inter):
    assert COMPONENTS["brand_affinity"] is BrandAffinity
    rows = np.array([0, 1])
    hybrid = Hybrid(weights={"brand_affinity": 1.0, "popular_segment": 1.0}).fit(inter)
    alone = BrandAffinity().fit(inter)
    parts = hybrid.component_scores(rows)
    weight = hybrid.weights_["brand_affinity"]
    assert weight > 0 and np.allclose(parts["brand_affinity"], weight * row_max_scaled(alone._scores(rows)))


def test_recently_viewed_takes_the_last_days_of_the_log_and_leaves_out_bought_products():
    from core.recs.recent import RecentlyViewed

    day = pd.Timestamp("2024-01-01")
    # Log ends on day 10.  c0 viewed P2 on day 9 (recent) and P1 on day 5 (too old); c1 carted P0
    # on day 8 but had bought it on day 2; c2 bought P3 on day 10 (a purchase, not a look).
    log = pd.DataFrame([(0, 2, "view", 9), (0, 1, "view", 5), (1, 0, "purchase", 2), (1, 0, "cart", 8),
                        (2, 3, "purchase", 10)], columns=["customer_idx", "product_idx", "kind", "day"])
    log = log.assign(channel="web", ts=day + pd.to_timedelta(log.pop("day"), unit="D"))
    inter = build_interactions(log, PRODUCTS, CUSTOMERS)
    # c0's view of P2 is 1 day before the end: 1 − 1/3.  A later look counts, not the sum of looks.
    assert np.allclose(inter.recent.toarray(), [[0, 0, 2 / 3, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    again = build_interactions(pd.concat([log, log.iloc[[0]].assign(ts=day + pd.Timedelta(days=7))]),
                               PRODUCTS, CUSTOMERS)
    assert np.isclose(again.recent[0, 2], 2 / 3)
    model = RecentlyViewed().fit(inter)
    assert np.array_equal(model._scores(np.array([0, 1])), inter.recent[[0, 1]].toarray())
    recs = model.recommend("c0", 2)
    assert recs["product_id"].iloc[0] == "P2" and recs["explanation"].iloc[0] == "you looked at it in the last 3 days"
    # Without timestamps nothing is recent.
    assert build_interactions(log.drop(columns="ts"), PRODUCTS, CUSTOMERS).recent is None


# c0 bought P0 and viewed P1 (line A|X) and P2 (line A|Y): line shares 2/3 and 1/3; c1 bought P3.
# Touches: one per product, so each product's share in its line is 1/2 (A|X) or 1, in category A 1/3.
SKEWED = pd.DataFrame([(0, 0, "purchase"), (0, 1, "view"), (0, 2, "view"), (1, 3, "purchase")],
                      columns=["customer_idx", "product_idx", "kind"]).assign(channel="web", ts=pd.Timestamp("2024-01-01"))


def test_concentration_sharpens_the_shares_by_hand():
    inter = build_interactions(SKEWED, PRODUCTS, CUSTOMERS)
    plain = BrandAffinity().fit(inter)._scores(np.array([0]))[0]
    # γ = 1: P0 = 0.9 · 2/3 · 1/2 + 0.1 · 1 · 1/3 = 1/3, and P2 = 0.9 · 1/3 · 1 + 0.1/3 = 1/3: a tie.
    assert np.allclose(plain, [1 / 3, 1 / 3, 1 / 3, 0.0])
    # γ = 2: line shares (4/9, 1/9) renormalised = (0.8, 0.2); the category share (1) stays.
    sharp = BrandAffinity(concentration=2.0).fit(inter)._scores(np.array([0]))[0]
    assert np.allclose(sharp, [0.9 * 0.8 / 2 + 0.1 / 3, 0.9 * 0.8 / 2 + 0.1 / 3, 0.9 * 0.2 + 0.1 / 3, 0.0])
    # γ = 0: every line touched counts the same, and an untouched one (B|Z) still not at all.
    flat = BrandAffinity(concentration=0.0).fit(inter)._scores(np.array([0]))[0]
    assert np.allclose(flat, [0.9 * 0.5 / 2 + 0.1 / 3, 0.9 * 0.5 / 2 + 0.1 / 3, 0.9 * 0.5 + 0.1 / 3, 0.0])
    # The reason still counts the customer's own products, whatever γ.
    recs = BrandAffinity(concentration=2.0).fit(inter).recommend("c0", 2, exclude_seen=False)
    assert recs["explanation"].iloc[0] == "you often choose X in A (2 of your 3 products)"
    with pytest.raises(InvalidParameterError, match="concentration"):
        BrandAffinity(concentration=-1.0).fit(inter)


def test_concentration_is_chosen_on_validation_without_the_test_weeks(small_db):
    import duckdb

    from core.recs.evaluate import evaluate, load_data
    from core.recs.split import time_split
    from core.recs.tuning import CONCENTRATION_GRID

    con = duckdb.connect(str(small_db), read_only=True)
    try:
        log, products, customers = load_data(con)
    finally:
        con.close()
    cutoff = time_split(log, holdout_weeks=8).cutoff
    late = (log["ts"] >= cutoff).to_numpy() & (log["kind"] == "purchase").to_numpy()
    moved = log.copy()
    moved.loc[late, "product_idx"] = ((moved.loc[late, "product_idx"] + 7) % len(products)).astype("int32")
    args = dict(k=10, models=["hybrid"], max_customers=300)
    tuned = evaluate(log, products, customers, **args).info["tuning"]
    tuned_moved = evaluate(moved, products, customers, **args).info["tuning"]
    gamma, tried = tuned["brand_affinity_params"]["concentration"], tuned["concentration_ndcg"]
    assert {float(g) for g in tried} <= set(CONCENTRATION_GRID) and len(tried) >= 2
    assert gamma == float(max(tried.items(), key=lambda kv: kv[1])[0])
    assert (tuned["brand_affinity_params"], tried) == (tuned_moved["brand_affinity_params"],
                                                       tuned_moved["concentration_ndcg"])
