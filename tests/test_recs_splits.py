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
from core.recs.segment_privacy import private_segment_views
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


def test_per_segment_view_splits_history_and_new_customers_and_counts_add_up(sample):
    ev = evaluate(*sample, k=10, holdout_weeks=8, models=["item_knn", "popular_segment"], tune_params=False)
    seg, seg_hist = ev.by_segment.set_index(["model", "segment"]), ev.by_segment_history
    assert set(seg_hist["history"]) == {"with history", "new"}
    # Per model and segment the two groups' counts add up to the segment's, and the segment's
    # figure is their customer-weighted mean.
    sums = seg_hist.groupby(["model", "segment"])["customers"].sum()
    assert sums.reindex(seg.index).eq(seg["customers"]).all()
    weighted = (seg_hist["ndcg"] * seg_hist["customers"]).groupby([seg_hist["model"], seg_hist["segment"]]).sum()
    assert np.allclose((weighted / sums).reindex(seg.index), seg["ndcg"])
    # Per model the "with history" counts over segments give by_history's count.
    warm = seg_hist[seg_hist["history"] == "with history"].groupby("model")["customers"].sum()
    hist = ev.by_history[ev.by_history["history"] == "with history"].set_index("model")["customers"]
    assert warm.eq(hist.reindex(warm.index)).all()
    # New customers get their segment's popular list from every model: same figures per segment.
    new = seg_hist[seg_hist["history"] == "new"].pivot(index="segment", columns="model", values="ndcg")
    assert np.allclose(new["item_knn"], new["popular_segment"])


def test_per_segment_views_hide_small_groups_and_what_gives_them_away():
    # A's 30 new customers are too few. The new group's total is shown (by_history), so the next
    # smallest new group (C's 55) goes too; A's and C's segment totals would give them away
    # (total minus customers with a history), so they go; customers with a history all stay.
    hist = pd.DataFrame({"model": "m", "segment": ["A", "B", "C"] * 2,
                         "history": ["with history"] * 3 + ["new"] * 3,
                         "customers": [100, 80, 60, 30, 70, 55]})
    seg = pd.DataFrame({"model": "m", "segment": ["A", "B", "C"], "customers": [130, 150, 115]})
    for frame in (hist, seg):
        for col in ("precision", "recall", "ndcg", "map", "hit_rate"):
            frame[col] = 0.5
    seg_out, hist_out = private_segment_views(seg, hist)
    assert hist_out["customers_hidden"].tolist() == [None, None, None, "small", None, "complement"]
    assert seg_out["customers_hidden"].tolist() == ["complement", None, "complement"]
    assert hist_out["customers"].tolist()[:3] == [100, 80, 60] and hist_out["ndcg"].isna().tolist() == [
        False, False, False, True, False, True]
    assert seg_out["ndcg"].isna().tolist() == [True, False, True]
    # Nothing small: nothing hidden.
    big_seg, big_hist = private_segment_views(seg, hist.assign(customers=[100, 80, 60, 90, 70, 55]))
    assert big_seg["customers"].notna().all() and big_hist["customers"].notna().all()


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
    seg_hist = pd.DataFrame(out["by_segment_history"])
    assert {"segment", "history", "customers", "customers_hidden"} <= set(seg_hist.columns)
    shown = seg_hist[seg_hist["customers_hidden"].isna()]
    assert shown["customers"].ge(50).all() and set(seg_hist["history"]) <= {"with history", "new"}
    assert seg_hist.groupby("model")["customers"].sum().le(300).all()
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


def test_published_stratified_split_keeps_floor_of_three_quarters_per_user():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from recs_quality import stratified_split

    # Users with 4, 5 and 2 ratings keep floor(0.75 n) = 3, 3 and 1 (rank (i + 1) / n <= 0.75).
    log = pd.DataFrame({"customer_idx": [0] * 4 + [1] * 5 + [2] * 2, "product_idx": list(range(11))})
    train, test = stratified_split(log, ratio=0.75, seed=42)
    assert train.groupby("customer_idx").size().tolist() == [3, 3, 1]
    assert sorted(train.index.tolist() + test.index.tolist()) == list(range(11))
    # The same rows as the published steps: numpy's global seed, one draw per row in file order,
    # sort by (user, draw), keep the first floor(0.75 n) of each user.
    np.random.seed(42)
    ref = log.assign(draw=np.random.rand(len(log))).sort_values(["customer_idx", "draw"])
    ref["rank"] = (ref.groupby("customer_idx").cumcount() + 1) / ref.groupby("customer_idx")["customer_idx"].transform("size")
    assert sorted(train.index) == sorted(ref.index[ref["rank"] <= 0.75])
    other, _ = stratified_split(log, ratio=0.75, seed=7)
    assert sorted(other.index) != sorted(train.index)
