"""`omnimix clv`: JSON consistent with fit_clv, holdout metrics, the customers CSV and bad input (exit 2)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.cli import main
from core.clv.model import fit_clv
from core.clv.value import TIERS
from core.commands.clv import EXPORT_COLUMNS
from core.store.db import init_db


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["clv", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def direct(small_db: Path):
    with duckdb.connect(str(small_db), read_only=True) as con:
        return fit_clv(con, horizon_weeks=26, discount_monthly=0.02)


def test_json_matches_fit_clv_and_writes_the_customers(small_db: Path, direct, tmp_path: Path, capsys):
    out_csv = tmp_path / "customers.csv"
    code, out, err = run(capsys, "--db", str(small_db), "--horizon-weeks", "26", "--discount", "0.02",
                         "--out", str(out_csv), "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert {"model", "params", "spend_params", "cutoff", "horizon_weeks", "discount_monthly", "totals",
            "tiers"} <= set(payload)
    # --model auto (the default): the models are compared on the last 26 weeks and the winner is used.
    assert payload["model"] == direct.model_name and payload["model_choice"] == direct.choice
    assert payload["holdout"]["weeks"] == 26 and set(payload["holdout"]["compared"]) == {"BG/NBD", "MBG/NBD",
                                                                                         "Pareto/NBD"}
    assert payload["params"] == pytest.approx(direct.params)
    assert payload["spend_params"] == pytest.approx(direct.spend_params, rel=1e-9)
    assert payload["cutoff"] == direct.cutoff.isoformat() and payload["horizon_weeks"] == 26
    customers = direct.customers
    totals = payload["totals"]
    assert totals["customers"] == len(customers)
    assert totals["expected_orders"] == pytest.approx(customers["expected_orders"].sum())
    assert totals["expected_revenue"] == pytest.approx((customers["expected_orders"]
                                                        * customers["expected_order_value"]).sum(), rel=1e-4)
    assert totals["clv"] == pytest.approx(customers["clv"].sum(), rel=1e-4)
    assert [t["tier"] for t in payload["tiers"]] == list(TIERS)
    assert {t["tier"]: t["customers"] for t in payload["tiers"]} == direct.tier_counts  # all well above 50
    assert sum(t["customers"] for t in payload["tiers"]) == len(customers)

    rows = pd.read_csv(out_csv, dtype={"customer_id": str})
    assert list(rows.columns) == EXPORT_COLUMNS and len(rows) == len(customers) == payload["rows_written"]
    assert rows["customer_id"].is_unique
    assert rows["clv"].sum() == pytest.approx(totals["clv"])
    assert [p.name for p in tmp_path.iterdir()] == ["customers.csv"]  # the temporary file is gone


def test_holdout_metrics(small_db: Path, capsys):
    code, out, err = run(capsys, "--db", str(small_db), "--holdout-weeks", "12", "--json")
    assert code == 0, err
    holdout = json.loads(out)["holdout"]
    assert holdout["weeks"] == 12
    assert {"mae", "total_predicted", "total_actual", "total_error_pct", "auc", "by_frequency"} <= set(holdout)
    assert holdout["total_error_pct"] == pytest.approx(
        (holdout["total_predicted"] - holdout["total_actual"]) / holdout["total_actual"] * 100)
    assert 0.5 < holdout["auc"] <= 1
    rows = holdout["by_frequency"]
    assert rows[0]["frequency"] == "0" and {"customers", "customers_hidden", "predicted", "actual"} <= set(rows[0])
    with duckdb.connect(str(small_db), read_only=True) as con:
        direct = fit_clv(con, holdout_weeks=12)
    assert holdout["total_predicted"] == pytest.approx(direct.holdout["total_predicted"])
    assert holdout["total_actual"] == direct.holdout["total_actual"]


def test_a_named_model_skips_the_comparison(small_db: Path, capsys):
    code, out, err = run(capsys, "--db", str(small_db), "--model", "mbgnbd", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["model"] == "MBG/NBD" and "holdout" not in payload and set(payload["params"]) == {"r", "alpha", "a", "b"}
    code, out, err = run(capsys, "--db", str(small_db), "--model", "bgnbd", "--holdout-weeks", "12", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["model"] == "BG/NBD" and payload["holdout"]["weeks"] == 12
    assert payload["holdout"]["mae"] == payload["holdout"]["compared"]["BG/NBD"]["mae"]


def test_text_output_names_the_units(small_db: Path, capsys):
    code, out, err = run(capsys, "--db", str(small_db), "--holdout-weeks", "8")
    assert code == 0, err
    assert "52 weeks" in out and "€" in out and "Churn-risk tiers:" in out and "Holdout (8 weeks" in out
    for tier in TIERS:
        assert f"  {tier} " in out


def test_channel_filter_changes_the_customers(small_db: Path, capsys):
    everyone = json.loads(run(capsys, "--db", str(small_db), "--json")[1])["totals"]["customers"]
    code, out, err = run(capsys, "--db", str(small_db), "--channels", "web,app", "--json")
    assert code == 0, err
    assert 0 < json.loads(out)["totals"]["customers"] < everyone


@pytest.mark.parametrize(("argv", "message"), [
    (("--horizon-weeks", "0"), "--horizon-weeks must be a positive number of weeks (got 0)."),
    (("--horizon-weeks", "-4"), "--horizon-weeks must be a positive number of weeks (got -4)."),
    (("--discount", "-0.01"), "--discount must be a monthly rate of 0 or more"),
    (("--holdout-weeks", "0"), "--holdout-weeks must be a positive number of weeks (got 0)."),
    (("--cutoff", "yesterday"), "--cutoff must be a date written YYYY-MM-DD (got 'yesterday')."),
    (("--cutoff", "2031-01-01"), "The cutoff 2031-01-01 is outside the data"),
    (("--cutoff", "2001-01-01"), "The cutoff 2001-01-01 is outside the data"),
    (("--holdout-weeks", "500"), "A holdout of 500 weeks is longer than the history allows"),
    (("--channels", "teleshop"), "Unknown sales channel(s) teleshop"),
])
def test_bad_input_is_one_sentence_with_exit_code_2(small_db: Path, capsys, argv, message):
    code, out, err = run(capsys, "--db", str(small_db), *argv)
    assert code == 2 and out == ""
    assert err.startswith(f"omnimix: {message}") and err.count("\n") == 1


def test_too_little_history(tmp_path: Path, capsys):
    db = init_db(tmp_path / "few.duckdb")
    day = dt.datetime(2024, 3, 1, 12)
    with duckdb.connect(str(db)) as con:
        for i in range(20):
            con.execute("INSERT INTO customers VALUES (?, DATE '2024-01-01', NULL, NULL, NULL)", [f"C{i}"])
            con.execute("INSERT INTO orders VALUES (?, ?, ?, 'web')", [f"O{i}", f"C{i}", day + dt.timedelta(days=i)])
        con.execute("INSERT INTO orders VALUES ('O99', 'C1', ?, 'web')", [day + dt.timedelta(days=40)])
    code, out, err = run(capsys, "--db", str(db))
    assert code == 2 and out == ""
    assert err.startswith("omnimix: Hardly anyone bought twice") and err.count("\n") == 1


def test_cutoff_fits_on_earlier_orders_only(small_db: Path, capsys):
    code, out, err = run(capsys, "--db", str(small_db), "--cutoff", "2024-12-29", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["cutoff"] == "2024-12-29"
    with duckdb.connect(str(small_db), read_only=True) as con:
        buyers = con.execute("SELECT count(DISTINCT customer_id) FROM orders WHERE order_ts < DATE '2024-12-30'").fetchone()[0]
    assert payload["totals"]["customers"] == buyers
