"""Time split without leakage, recommenders beat popularity on a generated sample, and the CLI."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.generator import generate_into
from core.recs.evaluate import evaluate, predict_holdout, score
from core.recs.interactions import build_interactions, load_catalogue, load_customers, load_log
from core.recs.split import holdout_truth, time_split
from core.store.db import init_db


@pytest.fixture(scope="module")
def sample():
    con = duckdb.connect()
    generate_into(con, n_customers=3000, seed=11)
    data = load_log(con), load_catalogue(con), load_customers(con)
    con.close()
    return data


def test_time_split_has_no_leakage(sample):
    log, products, customers = sample
    split = time_split(log, holdout_weeks=6)
    assert split.train["ts"].max() < split.cutoff <= split.test["ts"].min()
    assert len(split.train) + len(split.test) == len(log)
    inter = build_interactions(split.train, products, customers)
    # Every purchase line in training is one before the cutoff, and none after it.
    buys = log[log["kind"] == "purchase"]
    assert inter.bought.sum() == (buys["ts"] < split.cutoff).sum()
    truth = holdout_truth(split, inter.bought)
    assert len(truth) > 100
    assert np.all(np.asarray(inter.bought[truth["customer_idx"], truth["product_idx"]]).ravel() == 0)
    # Products first touched after the cutoff are invisible to training.
    first_seen = log.groupby("product_idx")["ts"].min()
    late = first_seen[first_seen >= split.cutoff].index
    assert inter.matrix[:, late].nnz == 0
    # A customer whose first order is after the cutoff has no training purchases at all.
    first_buy = buys.groupby("customer_idx")["ts"].min()
    newcomers = first_buy[first_buy >= split.cutoff].index
    assert len(newcomers) > 0 and inter.bought[newcomers].nnz == 0


def test_split_rejects_bad_weeks(sample):
    from core.errors import OmnimixError

    with pytest.raises(OmnimixError, match="holdout_weeks must be a positive whole number, got 0"):
        time_split(sample[0], holdout_weeks=0)
    with pytest.raises(OmnimixError, match="holds out all purchases"):
        time_split(sample[0], holdout_weeks=500)


def test_knn_and_hybrid_beat_popularity(sample):
    ev = evaluate(*sample, k=10, holdout_weeks=8)
    m = ev.metrics.set_index("model")
    for model in ("item_knn", "hybrid"):
        for metric in ("ndcg", "recall"):
            assert m.loc[model, metric] > m.loc["popular", metric] * 1.2, (model, metric)
    assert set(ev.by_segment["model"]) == set(m.index)
    assert ev.by_segment.groupby("model")["customers"].sum().eq(ev.info["customers"]).all()
    fair = ev.fairness.groupby(["model", "dimension"])[["rec_share", "catalogue_share", "sales_share"]].sum()
    assert np.allclose(fair.to_numpy(), 1.0)


def test_hybrid_reusing_components_scores_like_a_fresh_one(sample):
    shared = evaluate(*sample, k=10, holdout_weeks=8).metrics.set_index("model")
    alone = evaluate(*sample, k=10, holdout_weeks=8, models=["hybrid"]).metrics.set_index("model")
    cols = ["precision", "recall", "ndcg", "map", "hit_rate", "coverage", "novelty", "diversity"]
    assert np.allclose(shared.loc["hybrid", cols].to_numpy(float), alone.loc["hybrid", cols].to_numpy(float))


def test_metrics_at_each_k_from_one_ranking_equal_separate_evaluations(sample):
    preds = predict_holdout(*sample, max_k=20, holdout_weeks=8, max_customers=400)
    timing = ["fit_seconds", "recommend_seconds"]
    for k in (5, 10, 20):
        cut, alone = score(preds, k=k), evaluate(*sample, k=k, holdout_weeks=8, max_customers=400)
        pd.testing.assert_frame_equal(cut.metrics.drop(columns=timing), alone.metrics.drop(columns=timing))
        pd.testing.assert_frame_equal(cut.by_segment, alone.by_segment)
        pd.testing.assert_frame_equal(cut.fairness, alone.fairness)
        assert cut.info == alone.info and cut.held_out_customers == alone.held_out_customers > 400
    from core.errors import OmnimixError

    with pytest.raises(OmnimixError, match="k=21 is longer than the ranked lists"):
        score(preds, k=21)


def test_baseline_always_included(sample):
    ev = evaluate(*sample, k=5, holdout_weeks=4, models=["item_knn"], max_customers=200)
    assert ev.metrics["model"].tolist() == ["popular", "item_knn"]
    assert ev.info["customers"] == 200


def test_cli_recommend_json(small_db, capsys):
    con = duckdb.connect(str(small_db), read_only=True)
    cid = con.execute("SELECT customer_id FROM orders GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    con.close()
    assert main(["recommend", "--db", str(small_db), "--customer", cid, "--model", "item_knn", "--n", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    recs = pd.DataFrame(out["recommendations"])
    assert out["customer_id"] == cid and len(recs) == 5 and recs["rank"].tolist() == [1, 2, 3, 4, 5]
    assert recs["score"].is_monotonic_decreasing
    assert recs["explanation"].str.len().gt(0).all() and {"category", "price"} <= set(recs.columns)


def test_cli_evaluate_json(small_db, capsys):
    args = ["evaluate-recs", "--db", str(small_db), "--k", "10", "--holdout-weeks", "6", "--max-customers", "300"]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["k"] == 10 and out["holdout_weeks"] == 6 and out["customers"] == 300
    assert [m["model"] for m in out["metrics"]][0] == "popular"
    assert {"precision", "recall", "ndcg", "map", "hit_rate", "coverage", "novelty", "diversity"} <= set(out["metrics"][0])


@pytest.mark.parametrize(("args", "message"), [
    (["--customer", "NOPE"], "Customer id 'NOPE' is not in the customers table"),
    (["--customer", "NOPE", "--n", "0"], "must be a positive whole number, got 0"),
    (["--customer", "NOPE", "--model", "svd"], "Unknown model 'svd'"),
])
def test_cli_errors_are_one_sentence(small_db, capsys, args, message):
    assert main(["recommend", "--db", str(small_db), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_cli_empty_catalogue(tmp_path, capsys):
    db = init_db(tmp_path / "empty.duckdb")
    assert main(["recommend", "--db", str(db), "--customer", "C1"]) == 2
    assert "product catalogue is empty" in capsys.readouterr().err
    assert main(["evaluate-recs", "--db", str(db)]) == 2
    assert "product catalogue is empty" in capsys.readouterr().err


def test_small_segments_are_hidden():
    from core.recs.evaluate import private_by_segment

    table = pd.DataFrame({"model": ["popular"] * 2, "segment": ["web", "tv"], "customers": [120, 7],
                          "precision": [0.1, 0.5], "recall": [0.2, 0.9], "ndcg": [0.3, 0.8], "map": [0.1, 0.7],
                          "hit_rate": [0.4, 1.0]})
    out = private_by_segment(table)
    assert out["customers"].iloc[0] == 120 and pd.isna(out["customers"].iloc[1])
    assert out["customers_hidden"].tolist() == [None, "small"]
    assert out.loc[0, "recall"] == 0.2 and out.iloc[1][["precision", "recall", "ndcg", "map", "hit_rate"]].isna().all()


@pytest.mark.parametrize(("args", "message"), [
    (["--k", "0"], "k must be a positive whole number, got 0"),
    (["--holdout-weeks", "0"], "holdout_weeks must be a positive whole number, got 0"),
    (["--holdout-weeks", "900"], "holds out all purchases"),
    (["--max-customers", "0"], "max_customers must be a positive whole number, got 0"),
])
def test_cli_evaluate_errors_are_one_sentence(small_db, capsys, args, message):
    assert main(["evaluate-recs", "--db", str(small_db), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_metric_labels_name_the_list_length():
    from core.recs.metric_labels import metric_label

    assert metric_label("ndcg", 10) == "NDCG@10" and metric_label("hit_rate", 5) == "Hit rate@5"
    assert metric_label("coverage", 10) == "Catalogue coverage" and metric_label("ndcg") == "NDCG@k"


def test_cli_lists_every_recommender_without_importing_them():
    import subprocess
    import sys

    from core.commands.recs import MODEL_NAMES
    from core.recs import MODELS

    assert MODEL_NAMES == tuple(MODELS)
    # `omnimix --help` builds every command's parser; none of them may pull in scikit-learn.
    code = "import sys; from core.cli import build_parser; build_parser(); print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
