"""core.clv.summary against a hand-built database, the holdout split without leakage, and fit_clv end to end.

Orders (revenue = Σ quantity × unit price; purchases are counted by day):

customer  day          channel  revenue
c1        2024-01-01   web      20      } one purchase day, revenue 25
c1        2024-01-01   app       5      }
c1        2024-01-15   web      30
c1        2024-01-29   store    20
c2        2024-01-08   web      40
c3        2024-01-22   app      10
c3        2024-02-12   app       0      (no lines, still a purchase; last day of the calibration)
--------  cutoff 2024-02-12 ---------------------------------
c4        2024-02-13   web      12      (first purchase after the cutoff: not in the summary)
c1        2024-02-20   web      50      } one purchase day, revenue 60
c1        2024-02-20   app      10      }
c1        2024-03-11   web      15      (last day of a 4-week holdout)
c2        2024-03-12   web       7      (the day after it; the last order in the data)

At 2024-02-12: c1 frequency 2, recency 28 d = 4 w, T 42 d = 6 w, monetary (30 + 20) / 2 = 25;
c2 0, 0, 5 w, 0; c3 1, 3 w, 3 w, 0.  Web only: c1 1, 2 w, 6 w, 30; c2 as before.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.clv.model import MODELS, ClvResult, choose_model, default_holdout_weeks, fit_clv, fit_models, score
from core.clv.summary import data_end, holdout_actuals, rfm_summary, summaries_with_holdout
from core.clv.value import TIERS
from core.errors import OmnimixError
from core.filters import Filters
from core.store.schema import create_schema

D = dt.date
CUTOFF = D(2024, 2, 12)
ORDERS = [
    ("o1", "c1", "2024-01-01 10:00", "web", [("p1", 2, 10.0)]),
    ("o2", "c1", "2024-01-01 15:00", "app", [("p2", 1, 5.0)]),
    ("o3", "c1", "2024-01-15 09:00", "web", [("p1", 3, 10.0)]),
    ("o4", "c1", "2024-01-29 12:00", "store", [("p1", 1, 10.0), ("p2", 2, 5.0)]),
    ("o5", "c2", "2024-01-08 08:00", "web", [("p1", 4, 10.0)]),
    ("o6", "c3", "2024-01-22 11:00", "app", [("p1", 1, 10.0)]),
    ("o7", "c3", "2024-02-12 23:30", "app", []),
    ("o8", "c4", "2024-02-13 00:00", "web", [("p2", 2, 6.0)]),
    ("o9", "c1", "2024-02-20 10:00", "web", [("p1", 5, 10.0)]),
    ("o10", "c1", "2024-02-20 18:00", "app", [("p2", 2, 5.0)]),
    ("o11", "c1", "2024-03-11 23:59", "web", [("p2", 3, 5.0)]),
    ("o12", "c2", "2024-03-12 08:00", "web", [("p2", 1, 7.0)]),
]


def _database(orders) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    create_schema(con)
    con.executemany("INSERT INTO customers VALUES (?, DATE '2023-12-01', NULL, NULL, NULL)", [[f"c{i}"] for i in range(1, 5)])
    con.executemany("INSERT INTO products VALUES (?, ?, 'home', NULL, 10.0, NULL)", [["p1", "Mug"], ["p2", "Card"]])
    for order_id, customer, ts, channel, lines in orders:
        con.execute("INSERT INTO orders VALUES (?, ?, ?::TIMESTAMP, ?)", [order_id, customer, ts, channel])
        for product, qty, price in lines:
            con.execute("INSERT INTO order_items VALUES (?, ?, ?, ?)", [order_id, product, qty, price])
    return con


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return _database(ORDERS)


def _rows(frame):
    return [tuple(r) for r in frame.itertuples(index=False)]


def test_summary_by_hand(con):
    out = rfm_summary(con, cutoff=CUTOFF)
    assert list(out.columns) == ["customer_id", "frequency", "recency", "T", "monetary_value", "first_purchase"]
    assert _rows(out) == [
        ("c1", 2, 4.0, 6.0, 25.0, D(2024, 1, 1)),
        ("c2", 0, 0.0, 5.0, 0.0, D(2024, 1, 8)),
        ("c3", 1, 3.0, 3.0, 0.0, D(2024, 1, 22)),
    ]


def test_summary_respects_the_channel_filter(con):
    out = rfm_summary(con, cutoff=CUTOFF, filters=Filters(channels=("web",)))
    assert _rows(out) == [("c1", 1, 2.0, 6.0, 30.0, D(2024, 1, 1)), ("c2", 0, 0.0, 5.0, 0.0, D(2024, 1, 8))]


def test_summary_defaults_to_the_last_order_date(con):
    assert data_end(con) == D(2024, 3, 12)
    out = rfm_summary(con).set_index("customer_id")
    assert list(out.index) == ["c1", "c2", "c3", "c4"]
    # c1: days 01-01, 01-15, 01-29, 02-20, 03-11 → 4 repeats of 30, 20, 60, 15
    assert tuple(out.loc["c1", ["frequency", "recency", "T", "monetary_value"]]) == (4, 70 / 7, 71 / 7, 31.25)
    assert tuple(out.loc["c2", ["frequency", "recency", "T", "monetary_value"]]) == (1, 64 / 7, 64 / 7, 7.0)


def test_orders_after_the_cutoff_never_change_the_summary(con):
    before = _database([o for o in ORDERS if o[2] < "2024-02-13"])
    assert rfm_summary(con, cutoff=CUTOFF).equals(rfm_summary(before, cutoff=CUTOFF))


def test_holdout_actuals_by_hand(con):
    out = holdout_actuals(con, cutoff=CUTOFF, weeks=4)
    assert _rows(out) == [("c1", 2, 75.0), ("c2", 0, 0.0), ("c3", 0, 0.0)]
    assert _rows(holdout_actuals(con, cutoff=CUTOFF, weeks=5)) == [("c1", 2, 75.0), ("c2", 1, 7.0), ("c3", 0, 0.0)]
    web = holdout_actuals(con, cutoff=CUTOFF, weeks=4, filters=Filters(channels=("web",)))
    assert _rows(web) == [("c1", 2, 65.0), ("c2", 0, 0.0)]


@pytest.mark.parametrize("call, message", [
    (lambda c: rfm_summary(c, cutoff=D(2023, 12, 31)), "The cutoff 2023-12-31 is outside the data"),
    (lambda c: rfm_summary(c, cutoff=D(2024, 3, 13)), "outside the data, which runs from 2024-01-01 to 2024-03-12"),
    (lambda c: holdout_actuals(c, cutoff=CUTOFF, weeks=0), "at least 1"),
    (lambda c: fit_clv(c, horizon_weeks=0), "The horizon must be a whole number of weeks of at least 1"),
    (lambda c: fit_clv(c, horizon_weeks=-5), "horizon"),
    (lambda c: fit_clv(c, cutoff=D(2025, 1, 1)), "outside the data"),
    (lambda c: fit_clv(c, holdout_weeks=11), "A holdout of 11 weeks is longer than the history allows"),
    (lambda c: fit_clv(c), "Hardly anyone bought twice"),
])
def test_errors_are_one_clear_sentence(con, call, message):
    with pytest.raises(OmnimixError, match=message) as info:
        call(con)
    assert "\n" not in str(info.value)


def test_empty_database_is_named():
    empty = duckdb.connect(":memory:")
    create_schema(empty)
    with pytest.raises(OmnimixError, match="no orders"):
        fit_clv(empty)


@pytest.fixture(scope="module")
def small(small_db) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(small_db), read_only=True)
    yield con
    con.close()


def _check_result(result: ClvResult) -> None:
    frame = result.customers
    numbers = frame[["p_alive", "expected_orders", "expected_order_value", "clv"]].to_numpy()
    assert np.isfinite(numbers).all() and (numbers >= 0).all()
    assert frame["p_alive"].between(0, 1).all()
    assert set(frame["tier"]) <= set(TIERS)
    assert list(result.tier_counts) == list(TIERS) and sum(result.tier_counts.values()) == len(frame)
    assert all(np.isfinite(v) and v > 0 for v in result.params.values())
    assert set(result.spend_params) == {"p", "q", "v"}


@pytest.mark.parametrize("channels", [None, ("web", "app")])
def test_one_scan_equals_the_separate_summaries(small, channels):
    cutoff, weeks = dt.date(2025, 10, 5), 12
    filters = Filters(channels=channels)
    full, calibration, actual = summaries_with_holdout(small, cutoff=cutoff, weeks=weeks, filters=filters)
    pd.testing.assert_frame_equal(full, rfm_summary(small, cutoff=cutoff, filters=filters))
    earlier = cutoff - dt.timedelta(weeks=weeks)
    pd.testing.assert_frame_equal(calibration, rfm_summary(small, cutoff=earlier, filters=filters))
    pd.testing.assert_frame_equal(actual, holdout_actuals(small, cutoff=earlier, weeks=weeks, filters=filters))


def test_the_holdout_ends_at_the_cutoff(small):
    cutoff = dt.date(2025, 6, 29)
    result = fit_clv(small, cutoff=cutoff, holdout_weeks=12)
    h = result.holdout
    assert h["calibration_cutoff"] == cutoff - dt.timedelta(weeks=12) and result.cutoff == cutoff
    assert h["total_actual"] == holdout_actuals(small, cutoff=h["calibration_cutoff"], weeks=12)["orders"].sum()


def test_fit_clv_on_the_small_sample(small):
    result = fit_clv(small)
    _check_result(result)
    # "auto": the models are compared on the last weeks of the data and the winner is used.
    h = result.holdout
    first, last = small.execute("SELECT min(order_ts)::DATE, max(order_ts)::DATE FROM orders").fetchone()
    assert h["weeks"] == default_holdout_weeks(first, last) and set(h["compared"]) == set(MODELS)
    assert result.model_name == choose_model(h["compared"]) and result.model_name in result.choice
    assert result.horizon_weeks == 52 and result.cutoff == data_end(small)
    assert len(result.customers) == len(rfm_summary(small))
    shorter = fit_clv(small, horizon_weeks=26)
    assert shorter.customers["clv"].sum() < result.customers["clv"].sum()


def test_a_named_model_is_used_and_needs_no_holdout(small):
    result = fit_clv(small, model="BG/NBD")
    _check_result(result)
    assert result.model_name == "BG/NBD" and result.holdout is None and result.choice == "BG/NBD, as asked."
    with pytest.raises(OmnimixError, match="Unknown model 'XYZ'; choose one of: auto, BG/NBD"):
        fit_clv(small, model="XYZ")


def test_scoring_reuses_a_fit(small):
    fit = fit_models(small, model="MBG/NBD")
    one, two = score(fit, horizon_weeks=13), score(fit, horizon_weeks=52, discount_monthly=0.0)
    assert one.params == two.params and one.model_name == "MBG/NBD"
    assert (one.customers["expected_orders"] < two.customers["expected_orders"] + 1e-12).all()
    np.testing.assert_allclose(two.customers["clv"], two.customers["expected_orders"]
                               * two.customers["expected_order_value"], rtol=1e-9)


@pytest.mark.parametrize(("compared", "expected"), [
    # the smallest total error wins ...
    ({"BG/NBD": (5.0, 0.5, 0.80), "MBG/NBD": (-9.0, 0.5, 0.80), "Pareto/NBD": (12.0, 0.4, 0.82)}, "BG/NBD"),
    # ... errors within 2 points are a tie broken by the mean absolute error ...
    ({"BG/NBD": (5.0, 0.5, 0.80), "MBG/NBD": (-6.5, 0.4, 0.80), "Pareto/NBD": (12.0, 0.3, 0.82)}, "MBG/NBD"),
    # ... and a model whose "probably active" ranks customers much worse is never chosen (CDNOW, 13 weeks).
    ({"BG/NBD": (10.58, 0.291, 0.344), "MBG/NBD": (15.0, 0.30, 0.79), "Pareto/NBD": (13.19, 0.290, 0.797)},
     "Pareto/NBD"),
    # without a measurable AUC the errors alone decide
    ({"BG/NBD": (1.0, 0.5, float("nan")), "Pareto/NBD": (3.5, 0.4, float("nan"))}, "BG/NBD"),
])
def test_choose_model(compared, expected):
    keys = ("total_error_pct", "mae", "auc")
    assert choose_model({n: dict(zip(keys, v, strict=True)) for n, v in compared.items()}) == expected


def test_fit_clv_with_a_holdout_chooses_a_model(small):
    result = fit_clv(small, holdout_weeks=12, filters=Filters(channels=("web", "app", "store")))
    _check_result(result)
    h = result.holdout
    assert result.model_name in h["compared"] and set(h["compared"]) == {"BG/NBD", "MBG/NBD", "Pareto/NBD"}
    in_channels = rfm_summary(small, cutoff=h["calibration_cutoff"], filters=Filters(channels=("web", "app", "store")))
    assert h["customers"] == len(in_channels) and not h["sampled"]
    assert h["calibration_cutoff"] == data_end(small) - dt.timedelta(weeks=12) and h["weeks"] == 12
    assert h["total_actual"] > 0 and np.isfinite(h["total_error_pct"]) and 0.5 < h["auc"] <= 1
    assert list(h["by_frequency"]["frequency"]) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert set(result.params) == set({"BG/NBD": ["r", "alpha", "a", "b"], "MBG/NBD": ["r", "alpha", "a", "b"],
                                      "Pareto/NBD": ["r", "alpha", "s", "beta"]}[result.model_name])
