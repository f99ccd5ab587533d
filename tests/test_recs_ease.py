"""EASE against its closed form, its explanations and large-catalogue guard, and λ chosen without the test weeks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from core.errors import InvalidParameterError, OmnimixError
from core.recs import EASE, MODELS
from core.recs.ease import ease_weights, gram
from core.recs.interactions import build_interactions
from tests.test_recs import CUSTOMERS, LOG, PRODUCTS


@pytest.fixture(scope="module")
def recs_sample(small_db):
    """Log, catalogue and customers of the shared 2,000-customer sample."""
    import duckdb

    from core.recs.interactions import load_catalogue, load_customers, load_log

    con = duckdb.connect(str(small_db), read_only=True)
    try:
        return load_log(con), load_catalogue(con), load_customers(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def inter():
    return build_interactions(LOG, PRODUCTS, CUSTOMERS)


def test_two_products_by_hand():
    # G = [[a, c], [c, b]]: (G + λI)⁻¹ = [[b+λ, −c], [−c, a+λ]] / det, so B_01 = −P_01 / P_11 = c / (a + λ).
    x = sp.csr_matrix(np.array([[1.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]))
    a, b, c, lam = 4.0, 3.0, 2.0, 2.0
    assert np.array_equal(gram(x), [[a, c], [c, b]])
    w = ease_weights(gram(x), lam)
    assert w[0, 1] == pytest.approx(c / (a + lam)) and w[1, 0] == pytest.approx(c / (b + lam))
    assert w[0, 0] == 0 and w[1, 1] == 0


def test_closed_form_on_a_random_tiny_matrix():
    x = sp.random(40, 7, density=0.3, random_state=3, format="csr")
    g = (x.T @ x).toarray()
    p = np.linalg.inv(g + 3.0 * np.eye(7))
    expected = np.eye(7) - p @ np.diag(1 / np.diag(p))
    assert np.allclose(ease_weights(gram(x), 3.0), expected, atol=1e-5)
    before = gram(x).copy()
    g32 = gram(x)
    ease_weights(g32, 3.0)
    assert np.array_equal(g32, before)  # the input Gram matrix is left alone


def test_model_scores_are_history_times_weights_and_reasons_name_the_products(inter):
    model = EASE(l2=1.0).fit(inter)
    assert model.weights_.shape == (4, 4) and model.weights_.dtype == np.float32 and not model.restricted_
    expected = ease_weights(gram(inter.matrix), 1.0)
    assert np.allclose(model.weights_, expected)
    scores = model._scores(np.array([3]))  # c3 bought P0 only
    assert np.allclose(scores, inter.matrix[3].toarray() @ expected)
    recs = model.recommend("c3", 3)
    assert "P0" not in set(recs["product_id"])  # already bought
    assert recs["product_id"].iloc[0] == "P1"  # P0's buyers (c0, c1) also bought P1
    assert recs["explanation"].iloc[0] == "because you bought Red running shoe"
    assert recs["source"].iloc[0] == "model"
    cold = model.recommend("c4", 2)  # no history: segment popularity, as every model
    assert cold["source"].eq("segment popularity").all()


def test_large_catalogue_guard_keeps_the_most_bought(inter):
    model = EASE(l2=1.0, max_products=2).fit(inter)
    # P0 has three customers, P1 two, P2 two (c2 bought, c6 viewed): ties go to the lower index.
    assert model.restricted_ and model.products_.tolist() == [0, 1] and model.weights_.shape == (2, 2)
    assert "only the 2 most-bought are used" in model.summary and "4 products" in model.summary
    recs = model.recommend("c2", 4)  # bought P2 and P3, which EASE does not model
    assert recs["source"].ne("model").all()
    assert EASE(l2=1.0).fit(inter).summary.count("most-bought") == 0


def test_parameters_are_checked_and_cloned(inter):
    assert clone(EASE(l2=250.0, max_products=9)).get_params() == {"l2": 250.0, "max_products": 9, "dropout": 0.0,
                                                                 "user_exponent": 0.0, "pop_exponent": 0.0,
                                                                 "lowpass_rank": 0, "lowpass_weight": 0.0, "l2_interactions": 0.0}
    with pytest.raises(InvalidParameterError, match="l2 must be a number of at least 0.001; got 0"):
        EASE(l2=0).fit(inter)
    with pytest.raises(InvalidParameterError, match="max_products"):
        EASE(max_products=0).fit(inter)
    with pytest.raises(OmnimixError, match=r"Gram matrix given to EASE is \(3, 3\)"):
        EASE().fit(inter, gram_matrix=np.eye(3, dtype=np.float32))
    assert MODELS["ease"] is EASE


def _moved_test_purchases(log: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """``log`` with every purchase on or after ``cutoff`` moved to another product."""
    late = (log["ts"] >= cutoff).to_numpy() & (log["kind"] == "purchase").to_numpy()
    moved = log.copy()
    n_products = int(log["product_idx"].max()) + 1
    moved.loc[late, "product_idx"] = ((moved.loc[late, "product_idx"] + 7) % n_products).astype("int32")
    return moved


def test_l2_and_weights_are_chosen_without_the_test_weeks(recs_sample):
    from core.recs.evaluate import evaluate
    from core.recs.split import time_split

    log, products, customers = recs_sample
    cutoff = time_split(log, holdout_weeks=8).cutoff
    args = dict(k=10, holdout_weeks=8, max_customers=300)
    ev = evaluate(log, products, customers, models=["ease", "hybrid"], **args)
    moved = evaluate(_moved_test_purchases(log, cutoff), products, customers, models=["ease", "hybrid"], **args)
    tuned, tuned_moved = ev.info["tuning"], moved.info["tuning"]
    assert tuned["validation_cutoff"] < cutoff and tuned["validation_customers"] > 0
    for key in ("l2", "ease_params", "ease_ndcg", "hybrid_weights", "l2_ndcg", "hybrid_ndcg", "component_ndcg",
                "validation_cutoff"):
        assert tuned[key] == tuned_moved[key], key
    assert len(tuned["l2_ndcg"]) >= 2 and tuned["l2"] == float(max(tuned["l2_ndcg"].items(), key=lambda kv: kv[1])[0])
    # The test weeks did change: the scores on them differ.
    a, b = ev.metrics.set_index("model")["ndcg"], moved.metrics.set_index("model")["ndcg"]
    assert not np.isclose(a["ease"], b["ease"])


def test_tuned_l2_moves_with_the_training_data(recs_sample):
    """The choice is not a constant: fewer training customers (smaller Gram entries) prefer another λ or score differently."""
    from core.recs.split import time_split
    from core.recs.tuning import tune

    log, products, customers = recs_sample
    train = time_split(log, holdout_weeks=8).train
    full = tune(train, products, customers, hybrid=False)
    half = tune(train[train["customer_idx"] % 2 == 0], products, customers, hybrid=False)
    assert full.l2_ndcg != half.l2_ndcg
