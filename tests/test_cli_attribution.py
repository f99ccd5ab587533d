"""``omnimix attribution``: JSON of every model per channel with its error against the truth, and one-sentence errors."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.store.schema import create_schema

SIM_CHANNELS = ("email", "search", "social", "tv")
SIM_LIFT = np.array([0.10, 0.05, 0.15, 0.30])  # order chance each touch of a channel adds


def synthetic_db(path, n_customers: int = 3000, seed: int = 1) -> None:
    """A database where each touch raises a customer's order chance by a known amount per channel.

    Customers get 1-4 touches over 60 days; they order (within 3 days of the last touch) with
    probability 1 - prod(1 - lift of each touch). The truth table holds the lifts' expected
    orders per channel (sum of lifts of the channel's touches), enough for error figures.
    """
    rng = np.random.default_rng(seed)
    n_touch = rng.integers(1, 5, n_customers)
    cust = np.repeat(np.arange(n_customers), n_touch)
    channel = rng.integers(0, len(SIM_CHANNELS), len(cust))
    start = pd.Timestamp("2024-03-01")
    ts = start + pd.to_timedelta(rng.uniform(0, 60, len(cust)), unit="D")
    order_p = 1 - np.exp(np.bincount(cust, weights=np.log1p(-SIM_LIFT[channel]), minlength=n_customers))
    buys = rng.random(n_customers) < order_p
    last = pd.Series(ts).groupby(cust).max().to_numpy()
    order_ts = last + pd.to_timedelta(rng.uniform(0.01, 3, n_customers), unit="D")
    ids = np.array([f"c{i:05d}" for i in range(n_customers)])
    con = duckdb.connect(str(path))
    create_schema(con)
    customers = pd.DataFrame({"customer_id": ids, "signup_date": pd.Timestamp("2024-01-01").date()})
    con.register("customers_df", customers)
    con.execute("INSERT INTO customers SELECT customer_id, signup_date, NULL, NULL, NULL FROM customers_df")
    con.execute("INSERT INTO products VALUES ('p1', 'Product', 'cat', NULL, 10, NULL)")
    orders = pd.DataFrame({"order_id": [f"o{i:05d}" for i in np.flatnonzero(buys)], "customer_id": ids[buys],
                           "order_ts": order_ts[buys], "channel": np.where(np.arange(buys.sum()) % 2, "web", "app"),
                           "price": rng.uniform(20, 80, buys.sum()).round(2)})
    con.register("orders_df", orders)
    con.execute("INSERT INTO orders SELECT order_id, customer_id, order_ts, channel FROM orders_df")
    con.execute("INSERT INTO order_items SELECT order_id, 'p1', 1, price FROM orders_df")
    touches = pd.DataFrame({"customer_id": ids[cust], "touch_ts": ts, "channel": np.array(SIM_CHANNELS)[channel]})
    con.register("touches_df", touches)
    con.execute("INSERT INTO touchpoints (customer_id, touch_ts, channel, engaged) "
                "SELECT customer_id, touch_ts, channel, true FROM touches_df")
    incremental = np.bincount(channel, weights=SIM_LIFT[channel], minlength=len(SIM_CHANNELS))
    truth = pd.DataFrame({"channel": SIM_CHANNELS, "touches": np.bincount(channel, minlength=len(SIM_CHANNELS)),
                          "incremental_orders": incremental, "incremental_share": incremental / incremental.sum()})
    con.register("truth_df", truth)
    con.execute("INSERT INTO truth_channel_incremental SELECT * FROM truth_df")
    con.close()


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("attribution") / "sim.duckdb"
    synthetic_db(path)
    return path


def run_json(capsys, *argv: str) -> dict:
    assert main(["attribution", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_every_model_per_channel_with_its_error(sim_db, capsys):
    out = run_json(capsys, "--db", str(sim_db))
    assert list(out["models"]) == ["last_click", "last_non_direct", "first_click", "linear", "time_decay",
                                   "position_based", "markov", "shapley"]
    assert out["has_truth"] and out["truth_scope"] == "full" and out["lookback_days"] == 30
    for name, m in out["models"].items():
        rows = {r["channel"]: r for r in m["channels"]}
        assert set(rows) == set(SIM_CHANNELS)
        assert sum(r["orders"] for r in rows.values()) == pytest.approx(out["orders_with_touches"]), name
        assert sum(r["order_share"] for r in rows.values()) == pytest.approx(1.0)
        assert all(r["customers_hidden"] is None for r in rows.values())
        assert 0 <= m["error"] < 1 and out["errors"][name] == m["error"]
    assert out["orders_with_touches"] <= out["orders_in_period"]
    # tv lifts the order chance most, brand search least: the data-driven models see it, last click does not
    assert out["errors"]["markov"] < out["errors"]["last_click"]
    assert "generator_truth" not in out["reconciliation"]  # no truth_weekly_revenue in this database


def test_models_lookback_and_filters(sim_db, capsys):
    out = run_json(capsys, "--db", str(sim_db), "--models", "last_click,markov", "--lookback-days", "1",
                   "--channels", "web", "--start", "2024-03-01", "--end", "2024-04-15")
    assert list(out["models"]) == ["last_click", "markov"] and out["lookback_days"] == 1
    assert out["truth_scope"].startswith("indicative")
    full = run_json(capsys, "--db", str(sim_db), "--models", "last_click")
    assert out["orders_with_touches"] < full["orders_with_touches"]


def test_text_output(sim_db, capsys):
    assert main(["attribution", "--db", str(sim_db), "--models", "linear"]) == 0
    text = capsys.readouterr().out
    assert "Linear" in text and "truth (incremental orders)" in text and "error" in text


@pytest.mark.parametrize(("argv", "message"), [
    (["--lookback-days", "0"], "--lookback-days must be a positive number of days (got 0)."),
    (["--models", "last_click,nope"], "--models names unknown model(s) nope; choose from last_click,"),
    (["--half-life-days", "-1"], "--half-life-days must be a positive"),
])
def test_bad_options_are_one_sentence(sim_db, capsys, argv, message):
    assert main(["attribution", "--db", str(sim_db), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_database_without_touchpoints(tmp_path, capsys):
    path = tmp_path / "empty.duckdb"
    with duckdb.connect(str(path)) as con:
        create_schema(con)
    assert main(["attribution", "--db", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert "no touchpoints" in err and err.count("\n") == 1
