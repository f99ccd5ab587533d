"""Customers with a history and new ones reported apart; the per-customer random split; the CLI carrying both."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.errors import OmnimixError
from core.recs.evaluate import evaluate
from core.recs.interactions import build_interactions, load_catalogue, load_customers, load_log
from core.recs.split import random_split, time_split


@pytest.fixture(scope="module")
def sample(small_db):
    con = duckdb.connect(str(small_db), read_only=True)
    try:
        return load_log(con), load_catalogue(con), load_customers(con)
    finally:
        con.close()


def test_history_and_new_customers_add_up_and_new_ones_get_popularity(sample):
    log, products, customers = sample
    ev = evaluate(*sample, k=10, holdout_weeks=8, models=["item_knn", "popular_segment"], tune_params=False)
    info, hist = ev.info, ev.by_history
    assert info["customers_with_history"] > 0 and info["new_customers"] > 0
    assert info["customers_with_history"] + info["new_customers"] == info["customers"]
    assert set(hist["history"]) == {"with history", "new"}
    assert hist.groupby("model")["customers"].sum().eq(info["customers"]).all()
    # The split is the models' own cold-start test: no interaction at all before the cutoff.
    split = time_split(log, holdout_weeks=8)
    before = set(split.train["customer_idx"].unique())
    truth_users = set(split.test.loc[split.test["kind"] == "purchase", "customer_idx"].unique())
    assert info["new_customers"] <= len(truth_users - before)
    # New customers get (segment) popularity from every model, so item-kNN ties segment popularity on them.
    new = hist[hist["history"] == "new"].set_index("model")
    assert np.isclose(new.loc["item_knn", "ndcg"], new.loc["popular_segment", "ndcg"])
    warm = hist[hist["history"] == "with history"].set_index("model")
    assert warm.loc["item_knn", "ndcg"] > 1.2 * warm.loc["popular", "ndcg"]
    # The overall figure is the customer-weighted mean of the two groups.
    m = ev.metrics.set_index("model")
    for model in ("item_knn", "popular"):
        part = hist[hist["model"] == model]
        assert np.isclose((part["ndcg"] * part["customers"]).sum() / part["customers"].sum(), m.loc[model, "ndcg"])


def test_random_split_is_reproducible_by_seed_and_holds_out_a_share(sample):
    log = sample[0]
    a, b, c = (random_split(log, test_share=0.25, seed=s) for s in (3, 3, 4))
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert len(a.train) == len(b.train) and not a.truth.equals(c.truth)
    buys = log[log["kind"] == "purchase"][["customer_idx", "product_idx"]].drop_duplicates()
    per_customer = buys.groupby("customer_idx").size()
    held = a.truth.groupby("customer_idx").size().reindex(per_customer.index, fill_value=0)
    expected = np.minimum(np.floor(0.25 * per_customer + 0.5), per_customer - 1)
    assert held.eq(expected).all()
    # Nothing of a held-out pair stays in training (not even a view), everything else does.
    key = a.train["customer_idx"].astype(np.int64) * 100_000 + a.train["product_idx"]
    truth_key = a.truth["customer_idx"].astype(np.int64) * 100_000 + a.truth["product_idx"]
    assert not key.isin(truth_key).any()
    all_key = log["customer_idx"].astype(np.int64) * 100_000 + log["product_idx"]
    assert len(a.train) == (~all_key.isin(truth_key)).sum()
    with pytest.raises(OmnimixError, match="test_share must be a number between 0 and 1"):
        random_split(log, test_share=1.0)


def test_random_split_evaluation_by_seed(sample):
    args = dict(k=10, split="random", test_share=0.25, models=["item_knn"], max_customers=300, tune_params=False)
    one, same, other = (evaluate(*sample, random_state=s, **args) for s in (1, 1, 2))
    cols = ["precision", "recall", "ndcg", "map", "hit_rate", "coverage", "novelty", "diversity"]
    pd.testing.assert_frame_equal(one.metrics[cols], same.metrics[cols])
    assert not np.allclose(one.metrics[cols].to_numpy(float), other.metrics[cols].to_numpy(float))
    assert one.info["split"] == "random" and one.info["cutoff"] is None and one.info["test_share"] == 0.25
    assert one.info["new_customers"] == 0  # every held-out product's buyer keeps at least one in training
    inter_rows = build_interactions(random_split(sample[0], test_share=0.25, seed=1).train, *sample[1:]).matrix
    assert inter_rows.nnz == one.info["train_interactions"]


def test_cli_evaluate_json_carries_both_groups_and_the_tuning(small_db, capsys):
    args = ["evaluate-recs", "--db", str(small_db), "--k", "10", "--max-customers", "300", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["split"] == "time" and out["customers_with_history"] + out["new_customers"] == out["customers"] == 300
    hist = pd.DataFrame(out["by_history"])
    assert set(hist["history"]) == {"with history", "new"} and "ease" in set(hist["model"])
    assert hist.groupby("model")["customers"].sum().eq(300).all()
    assert out["tuning"]["l2"] in (50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0)
    assert abs(sum(out["tuning"]["hybrid_weights"].values()) - 1) < 1e-9
    assert main([*args, "--split", "random", "--test-share", "0.25", "--seed", "5"]) == 0
    rand = json.loads(capsys.readouterr().out)
    assert rand["split"] == "random" and rand["test_share"] == 0.25 and rand["cutoff"] is None
    assert main(args[:-1]) == 0
    text = capsys.readouterr().out
    assert "Customers with history (" in text and "Customers new (" in text and "EASE λ =" in text


def test_cli_random_split_errors_are_one_sentence(small_db, capsys):
    assert main(["evaluate-recs", "--db", str(small_db), "--split", "random", "--test-share", "1.5"]) == 2
    err = capsys.readouterr().err
    assert "test_share must be a number between 0 and 1" in err and "Traceback" not in err
