"""Market insight numbers against a hand-built database small enough to check by hand.

The fixture (period 2024-01-01 – 2024-04-30; one product line per order, revenue in EUR):

=====  =======================================================  ===========  ===========
cust   orders (channel date revenue)                            first order  acquisition
=====  =======================================================  ===========  ===========
c1     web 01-05 10, web 02-10 20, app 03-15 30                 Jan, web     search
c2     app 01-20 10                                             Jan, app     search
c3     web 02-03 40, store 02-20 10                             Feb, web     search
c4     app 2023-12-10 25 (before the period), app 02-05 15      Dec 2023     search
c5     web 03-05 10, web 04-02 10, web 04-30 5                  Mar, web     (none)
=====  =======================================================  ===========  ===========

The last order is on 2024-04-30, so the January cohort is observed for months 0-3,
February for 0-2 and March for 0-1.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import OmnimixError
from core.filters import Filters
from core.insight import (
    anomaly_weeks,
    channel_journeys,
    cohort_table,
    funnel_comparison,
    funnel_table,
    multichannel_value,
    readings,
    weekly_channel_revenue,
)
from core.insight.anomalies import robust_z, seasonal_expectation
from core.insight.base import order_lines_clause
from core.insight.journeys import NO_REPEAT
from core.privacy import COMPLEMENT, MIN_GROUP_SIZE, SMALL, count_columns, flag_column
from core.store.db import init_db, open_db

PERIOD = Filters(dt.date(2024, 1, 1), dt.date(2024, 4, 30), None)
CUSTOMERS = [("c1", "search"), ("c2", "search"), ("c3", "search"), ("c4", "search"), ("c5", None)]
ORDERS = [  # order_id, customer, timestamp, channel, revenue
    ("o1", "c1", "2024-01-05 10:00", "web", 10), ("o2", "c1", "2024-02-10 10:00", "web", 20),
    ("o3", "c1", "2024-03-15 10:00", "app", 30), ("o4", "c2", "2024-01-20 10:00", "app", 10),
    ("o5", "c3", "2024-02-03 10:00", "web", 40), ("o6", "c3", "2024-02-20 10:00", "store", 10),
    ("o7", "c4", "2023-12-10 10:00", "app", 25), ("o8", "c4", "2024-02-05 10:00", "app", 15),
    ("o9", "c5", "2024-03-05 10:00", "web", 10), ("o10", "c5", "2024-04-02 10:00", "web", 10),
    ("o11", "c5", "2024-04-30 10:00", "web", 5),
]
EVENTS = [  # customer, channel, type, timestamp
    # selected period: web 4 views (3 shoppers), 2 carts (2), 1 purchase (1)
    ("c1", "web", "view", "2024-01-05 09:00"), ("c1", "web", "view", "2024-02-10 09:00"),
    ("c2", "web", "view", "2024-01-19 09:00"), ("c3", "web", "view", "2024-02-03 09:00"),
    ("c1", "web", "cart", "2024-01-05 09:30"), ("c2", "web", "cart", "2024-01-19 09:30"),
    ("c1", "web", "purchase", "2024-01-05 10:00"),
    # app: 2 views (2 shoppers), 1 cart, no purchase
    ("c1", "app", "view", "2024-03-15 09:00"), ("c2", "app", "view", "2024-01-20 09:00"),
    ("c2", "app", "cart", "2024-01-20 09:30"),
    # previous period (2023-09-02 – 2023-12-31): web 1 view, 1 cart, 1 purchase
    ("c4", "web", "view", "2023-12-09 09:00"), ("c4", "web", "cart", "2023-12-09 09:30"),
    ("c4", "web", "purchase", "2023-12-09 10:00"),
    # after the period: ignored
    ("c1", "web", "view", "2024-05-02 09:00"),
]


def flagged(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with each hidden count replaced by its flag (SMALL or COMPLEMENT), to compare cells.

    Also checks the privacy representation: a count column stays numeric and a flagged cell
    is a missing value, never text.
    """
    out = df.copy()
    for c in count_columns(df):
        reasons = df[flag_column(c)]
        assert pd.api.types.is_numeric_dtype(df[c]), f"{c} must stay a number column"
        assert df.loc[reasons.notna(), c].isna().all(), f"hidden cells of {c} must be missing values"
        out[c] = [r if r is not None else v for v, r in zip(df[c], reasons, strict=True)]
    return out


def build_fixture(path: Path) -> Path:
    """Write the database described in the module docstring."""
    init_db(path)
    with open_db(path) as con:
        con.execute("INSERT INTO products VALUES ('p1', 'Mug', 'home', NULL, 10.0, NULL)")
        con.executemany("INSERT INTO customers VALUES (?, DATE '2023-11-01', NULL, NULL, ?)", CUSTOMERS)
        con.executemany("INSERT INTO orders VALUES (?, ?, ?::TIMESTAMP, ?)", [o[:4] for o in ORDERS])
        con.executemany("INSERT INTO order_items VALUES (?, 'p1', 1, ?)", [(o[0], float(o[4])) for o in ORDERS])
        con.executemany("INSERT INTO events VALUES (?, 'p1', ?, ?, ?::TIMESTAMP)", EVENTS)
    return path


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    path = build_fixture(tmp_path_factory.mktemp("insight") / "tiny.duckdb")
    with open_db(path, read_only=True) as connection:
        yield connection


def rows(df: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(r) for r in df[columns].itertuples(index=False)]


# ---- cohorts ----------------------------------------------------------------------------------


def test_month_cohorts_retention_and_revenue_per_customer(con):
    df = cohort_table(con, PERIOD, min_group=1)
    got = rows(df, ["cohort", "months_since", "cohort_size", "customers_observed", "active_customers", "revenue"])
    assert got == [
        ("2024-01", 0, 2, 2, 2, 20.0), ("2024-01", 1, 2, 2, 1, 20.0), ("2024-01", 2, 2, 2, 1, 30.0),
        ("2024-01", 3, 2, 2, 0, 0.0),
        ("2024-02", 0, 1, 1, 1, 50.0), ("2024-02", 1, 1, 1, 0, 0.0), ("2024-02", 2, 1, 1, 0, 0.0),
        ("2024-03", 0, 1, 1, 1, 10.0), ("2024-03", 1, 1, 1, 1, 15.0),
    ]
    jan = df[df["cohort"] == "2024-01"]
    assert jan["retention"].tolist() == [1.0, 0.5, 0.5, 0.0]
    assert jan["revenue_per_customer"].tolist() == [10.0, 10.0, 15.0, 0.0]
    assert jan["cumulative_revenue_per_customer"].tolist() == [10.0, 20.0, 35.0, 35.0]


def test_acquisition_cohorts_use_each_customers_own_observed_months(con):
    df = cohort_table(con, PERIOD, by="acquisition", min_group=1)
    # search = c1, c2 (January) and c3 (February, observed to month 2 only)
    assert rows(df, ["cohort", "months_since", "customers_observed", "active_customers", "revenue"]) == [
        ("search", 0, 3, 3, 70.0), ("search", 1, 3, 1, 20.0), ("search", 2, 3, 1, 30.0), ("search", 3, 2, 0, 0.0),
        ("unknown", 0, 1, 1, 10.0), ("unknown", 1, 1, 1, 15.0),
    ]
    assert df.loc[df["cohort"] == "search", "retention"].tolist() == pytest.approx([1, 1 / 3, 1 / 3, 0])


def test_cohorts_follow_the_channel_filter_and_month_limit(con):
    web = cohort_table(con, Filters(PERIOD.start, PERIOD.end, ("web",)), min_group=1, max_months=2)
    # c2 never bought on the web; c1's March order was in the app
    assert rows(web[web["cohort"] == "2024-01"], ["months_since", "cohort_size", "active_customers"]) == [
        (0, 1, 1), (1, 1, 1), (2, 1, 0)]
    assert web["months_since"].max() == 2


def test_small_cohorts_are_hidden_and_the_lone_one_is_protected(con):
    df = flagged(cohort_table(con, PERIOD, min_group=2))
    label = SMALL
    feb_mar = df[df["cohort"].isin(["2024-02", "2024-03"])]
    assert (feb_mar["cohort_size"] == label).all() and feb_mar["retention"].isna().all()
    jan = df[df["cohort"] == "2024-01"].set_index("months_since")
    assert jan.loc[0, "cohort_size"] == 2 and jan.loc[0, "retention"] == 1.0
    # months 1-2: one active customer -> hidden; running totals stop at the first hidden month
    assert (jan.loc[1:2, "active_customers"] == label).all()
    assert jan.loc[1:, ["cumulative_revenue_per_customer"]].isna().all().all()
    assert jan.loc[1:2, ["retention", "revenue", "revenue_per_customer"]].isna().all().all()
    # month 3: nobody came back; zero describes nobody and stays visible
    assert jan.loc[3, "active_customers"] == 0 and jan.loc[3, "retention"] == 0.0
    # by acquisition channel exactly one cohort (unknown, 1 customer) is small: search is hidden too
    acq = flagged(cohort_table(con, PERIOD, by="acquisition", min_group=2))
    assert set(acq.loc[acq["cohort"] == "unknown", "cohort_size"]) == {label}
    assert set(acq.loc[acq["cohort"] == "search", "cohort_size"]) == {COMPLEMENT}
    assert acq[["retention", "revenue", "revenue_per_customer"]].isna().all().all()


def test_cohorts_reject_unknown_grouping(con):
    with pytest.raises(OmnimixError, match="not 'week'"):
        cohort_table(con, PERIOD, by="week")


# ---- funnels ----------------------------------------------------------------------------------


def test_funnel_counts_rates_and_drop_off(con):
    df = funnel_table(con, PERIOD, min_group=1)
    assert rows(df, ["channel", "step", "events"]) == [
        ("app", "view", 2), ("app", "cart", 1), ("app", "purchase", 0),
        ("web", "view", 4), ("web", "cart", 2), ("web", "purchase", 1),
    ]
    web = df[df["channel"] == "web"]
    assert web["step_conversion"].tolist() == [1.0, 0.5, 0.5]
    assert web["overall_conversion"].tolist() == [1.0, 0.5, 0.25]
    assert np.isnan(web["drop_off"].iloc[0]) and web["drop_off"].iloc[1:].tolist() == [0.5, 0.5]
    app = df[df["channel"] == "app"]
    assert app["step_conversion"].tolist() == [1.0, 0.5, 0.0] and app["drop_off"].iloc[2] == 1.0


def test_funnel_comparison_uses_the_previous_period_of_equal_length(con):
    df = funnel_comparison(con, PERIOD, min_group=1)
    prev = df[df["period"] == "previous"]
    assert prev["start"].iloc[0] == dt.date(2023, 9, 2) and prev["end"].iloc[0] == dt.date(2023, 12, 31)
    assert rows(prev, ["channel", "step", "events", "overall_conversion"]) == [
        ("web", "view", 1, 1.0), ("web", "cart", 1, 1.0), ("web", "purchase", 1, 1.0)]
    assert len(df[df["period"] == "selected"]) == 6


def test_funnel_steps_with_few_shoppers_hide_their_rates(con):
    df = flagged(funnel_table(con, PERIOD, min_group=2)).set_index(["channel", "step"])
    hidden = SMALL
    assert df.loc[("web", "view"), "events"] == 4 and df.loc[("web", "cart"), "events"] == 2
    assert df.loc[("web", "purchase"), "events"] == hidden  # one shopper
    assert np.isnan(df.loc[("web", "purchase"), "overall_conversion"])
    assert df.loc[("web", "cart"), "overall_conversion"] == 0.5
    assert df.loc[("app", "cart"), "events"] == hidden
    # no purchase at all describes nobody: 0 events and 0% of views stay visible, but the rate per
    # cart divides by the hidden cart step, so it is hidden
    assert df.loc[("app", "purchase"), "events"] == 0 and df.loc[("app", "purchase"), "overall_conversion"] == 0.0
    assert np.isnan(df.loc[("app", "purchase"), "step_conversion"])
    assert np.isnan(df.loc[("app", "cart"), "step_conversion"]) and np.isnan(df.loc[("app", "cart"), "overall_conversion"])


# ---- journeys ---------------------------------------------------------------------------------


def test_channel_journeys_matrix(con):
    df = channel_journeys(con, PERIOD, min_group=1)
    assert rows(df, ["first_channel", "later_channel", "first_customers", "customers", "orders"]) == [
        ("app", NO_REPEAT, 1, 1, 0),
        ("web", "app", 3, 1, 1), ("web", "store", 3, 1, 1), ("web", "web", 3, 2, 3),
    ]
    assert df["share_of_first"].tolist() == pytest.approx([1, 1 / 3, 1 / 3, 2 / 3])


def test_journey_cells_below_the_minimum_are_hidden(con):
    # Only first purchases in web: no first channel is hidden, so no complement is needed.
    web_store = Filters(PERIOD.start, PERIOD.end, ("web", "store"))
    df = flagged(channel_journeys(con, web_store, min_group=2)).set_index(["first_channel", "later_channel"])
    assert df.loc[("web", "web"), "customers"] == 2 and df.loc[("web", "web"), "share_of_first"] == pytest.approx(2 / 3)
    assert df.loc[("web", "store"), "customers"] == SMALL
    assert np.isnan(df.loc[("web", "store"), "share_of_first"])


def test_a_lone_hidden_first_channel_takes_the_next_smallest_with_it(con):
    df = flagged(channel_journeys(con, PERIOD, min_group=2)).set_index(["first_channel", "later_channel"])
    assert df.loc[("app", NO_REPEAT), "first_customers"] == SMALL
    # 3 web first-buyers next to the 4 new customers the cohorts show would reveal app's 1.
    assert (df.loc["web", ["first_customers", "customers"]] == COMPLEMENT).all().all()
    assert df[["share_of_first", "orders"]].isna().all().all()


def test_multichannel_value(con):
    df = multichannel_value(con, PERIOD, min_group=1).set_index("group")
    # multi: c1 (web+app, 3 orders, 60) and c3 (web+store, 2 orders, 50); single: c2, c4 (Feb only), c5
    assert df.loc["multi-channel", "customers"] == 2 and df.loc["single-channel", "customers"] == 3
    assert df.loc["multi-channel", "revenue_per_customer"] == 55.0
    assert df.loc["single-channel", "revenue_per_customer"] == pytest.approx(50 / 3)
    assert df.loc["multi-channel", "average_order_value"] == 22.0
    assert df.loc["single-channel", "orders_per_customer"] == pytest.approx(5 / 3)
    assert df.loc["single-channel", "customer_share"] == 0.6
    assert df.loc["multi-channel", "revenue_share"] == pytest.approx(110 / 160)


def test_multichannel_value_hides_both_groups_when_one_is_small(con):
    df = flagged(multichannel_value(con, PERIOD, min_group=3)).set_index("group")
    assert df.loc["multi-channel", "customers"] == SMALL
    # 3 single-channel customers would reveal the 2 others next to the 5 buyers shown on the Overview
    assert df.loc["single-channel", "customers"] == COMPLEMENT
    assert df.drop(columns=["customers", "customers_hidden"]).isna().all().all()


# ---- order-line id range (a speed-up that must not change results) -----------------------------


def test_order_lines_clause_bounds_are_the_windows_smallest_and_largest_order_id(con):
    params: dict = {}
    # February 2024: o2, o5, o6, o8 (ids compare as text)
    clause = order_lines_clause(con, dt.datetime(2024, 2, 1), dt.datetime(2024, 3, 1), params)
    assert clause == " AND i.order_id BETWEEN $first_order AND $last_order"
    assert params == {"first_order": "o2", "last_order": "o8"}
    # the whole history (2023-12-10 – 2024-04-30) leaves nothing to skip
    assert order_lines_clause(con, None, None, params := {}) == "" and params == {}
    assert order_lines_clause(con, dt.datetime(2023, 12, 1), dt.datetime(2024, 5, 1), params) == ""
    # a window without orders: NULL bounds, so no line matches (as the join would find none)
    assert order_lines_clause(con, dt.datetime(2024, 1, 21), dt.datetime(2024, 2, 3), params := {}) != ""
    assert params == {"first_order": None, "last_order": None}


def test_narrow_windows_with_ids_not_growing_with_time_give_the_hand_computed_figures(con):
    # o10/o11 sort before o2 as text and o7 (December) sits inside the range of later orders,
    # so the id range of a window holds lines of other orders: the join must still drop them.
    march = Filters(dt.date(2024, 3, 1), dt.date(2024, 4, 30), None)
    df = cohort_table(con, march, min_group=1)
    assert rows(df, ["cohort", "months_since", "active_customers", "revenue"]) == [
        ("2024-03", 0, 1, 10.0), ("2024-03", 1, 1, 15.0)]
    value = multichannel_value(con, march, min_group=1).set_index("group")
    # c1 (app 30), c5 (web 10 + 10 + 5): both single-channel in March-April
    assert value.loc["single-channel", "customers"] == 2
    assert value.loc["single-channel", "revenue_per_customer"] == 27.5


# ---- the minimum group size everywhere ----------------------------------------------------------


def test_default_minimum_hides_every_group_of_the_tiny_fixture(con):
    label = SMALL
    cohorts = flagged(cohort_table(con, PERIOD))
    assert set(cohorts["cohort_size"]) == {label} and cohorts[["retention", "revenue"]].isna().all().all()
    funnels = flagged(funnel_comparison(con, PERIOD))
    assert set(funnels["events"]) == {label, 0}  # app had no purchase
    assert funnels[["overall_conversion", "step_conversion"]].isna().all().all()
    journeys = flagged(channel_journeys(con, PERIOD))
    assert set(journeys["first_customers"]) == {label} and journeys["share_of_first"].isna().all()
    value = flagged(multichannel_value(con, PERIOD))
    assert set(value["customers"]) == {label} and value["revenue_per_customer"].isna().all()
    weekly = flagged(weekly_channel_revenue(con, PERIOD))
    # weeks without any order (0 buyers, revenue 0) describe nobody and stay visible
    assert set(weekly["buyers"]) == {label, 0} and not weekly["is_anomaly"].any()
    assert weekly.loc[weekly["buyers"] == label, ["revenue", "z_score"]].isna().all().all()
    assert (weekly.loc[weekly["buyers"] == 0, "revenue"] == 0).all()


def test_readings_never_quote_a_hidden_group(con):
    n = MIN_GROUP_SIZE
    said = [
        readings.cohort_retention_reading(cohort_table(con, PERIOD), min_group=n),
        readings.cohort_revenue_reading(cohort_table(con, PERIOD), min_group=n),
        readings.funnel_reading(funnel_comparison(con, PERIOD), min_group=n),
        readings.journey_reading(channel_journeys(con, PERIOD), min_group=n),
        readings.value_reading(multichannel_value(con, PERIOD), min_group=n),
        readings.anomaly_reading(weekly_channel_revenue(con, PERIOD), min_group=n),
    ]
    nothing = "Every group here has fewer than 50 customers, so nothing is shown (privacy rule)."
    assert said == [
        "Retention after the first month is hidden: every cohort-month has fewer than 50 customers (privacy rule).",
        "Revenue per customer after the first month is hidden: every cohort-month has fewer than 50 customers "
        "(privacy rule).",
        "Every group here has fewer than 50 shoppers, so nothing is shown (privacy rule).",
        nothing,
        "Comparing multi- and single-channel customers needs both groups to have at least 50 customers.",
        # 17 complete weeks x 3 channels; the 9 channel-weeks with an order (one buyer each) are hidden
        "None of the 42 channel-weeks shown departed from its seasonal expectation; 9 channel-weeks with fewer "
        "than 50 buyers are hidden.",
    ]


# ---- readings ---------------------------------------------------------------------------------


def test_readings_of_the_visible_figures(con):
    cohorts = cohort_table(con, PERIOD, min_group=1)
    # month 3 is reached by January only; month 2 is the nearest one two cohorts reached
    assert readings.cohort_retention_reading(cohorts, months=3, min_group=1) == (
        "Customers who first bought in January 2024 kept 50% after 2 months, the best of 2 cohorts (median 25%).")
    assert readings.cohort_revenue_reading(cohorts, min_group=1) == (
        "Customers who first bought in February 2024 spent €50 each from their first month to month 2, "
        "the most of 2 cohorts (median €42).")
    assert readings.funnel_reading(funnel_comparison(con, PERIOD, min_group=1), min_group=1) == (
        "web turns 25% of product views into purchases, the best of 2 channels (-75.0 percentage points vs the "
        "previous period); app loses most between cart and purchase (100% drop off).")
    assert readings.journey_reading(channel_journeys(con, PERIOD, min_group=1), min_group=1) == (
        "Of the 3 customers whose first purchase was in web, all bought again; the most common other channel "
        "was app (33% of them).")
    assert readings.value_reading(multichannel_value(con, PERIOD, min_group=1), min_group=1) == (
        "Multi-channel customers spent €55 each in the period, 3.3× as much as single-channel customers (€17).")
    web_store = Filters(PERIOD.start, PERIOD.end, ("web", "store"))
    assert readings.journey_reading(channel_journeys(con, web_store, min_group=2), min_group=2) == (
        "Of the 3 customers whose first purchase was in web, all bought again; 67% bought in web again "
        "(other channels each had fewer than 2 of them, so they are hidden).")
    assert readings.journey_reading(channel_journeys(con, PERIOD, min_group=2), min_group=2) == (
        "Every first channel here is hidden: one has fewer than 2 customers, and the others are hidden with it "
        "so that it cannot be worked out from the total (privacy rule).")


# ---- anomaly weeks ----------------------------------------------------------------------------

SPIKE_WEEK = dt.date(2024, 4, 15)


def weekly_fixture(path: Path, revenue: list[float], start: dt.date = dt.date(2024, 1, 1)) -> Path:
    """One web order (one buyer) per week on Wednesday with the given revenue."""
    init_db(path)
    with open_db(path) as con:
        con.execute("INSERT INTO products VALUES ('p1', 'Mug', 'home', NULL, 10.0, NULL)")
        con.execute("INSERT INTO customers VALUES ('c1', DATE '2023-01-01', NULL, NULL, NULL)")
        orders = [(f"o{i}", dt.datetime.combine(start + dt.timedelta(weeks=i, days=2), dt.time(12))) for i in range(len(revenue))]
        # the data must cover the last week to its Sunday, else that week is left out as incomplete
        orders.append(("last", dt.datetime.combine(start + dt.timedelta(weeks=len(revenue) - 1, days=6), dt.time(12))))
        con.executemany("INSERT INTO orders VALUES (?, 'c1', ?, 'web')", orders)
        con.executemany("INSERT INTO order_items VALUES (?, 'p1', 1, ?)",
                        [(o[0], r) for o, r in zip(orders, [*revenue, 0.0], strict=True)])
    return path


@pytest.mark.parametrize("noise", [0.0, 6.0], ids=["flat", "noisy"])
def test_a_planted_spike_week_is_the_only_anomaly(tmp_path, noise):
    rng = np.random.default_rng(3)
    revenue = list(100 + rng.uniform(-noise, noise, 30))
    revenue[15] = 500.0  # week of 2024-04-15
    with open_db(weekly_fixture(tmp_path / "w.duckdb", revenue), read_only=True) as con:
        weekly = weekly_channel_revenue(con, Filters(), min_group=1)
    assert len(weekly) == 30 and weekly["revenue"].iloc[15] == 500.0
    found = anomaly_weeks(weekly)
    assert found["week"].tolist() == [SPIKE_WEEK] and found["direction"].tolist() == ["above"]
    assert found["expected_revenue"].iloc[0] == pytest.approx(100, abs=noise + 1)
    assert not weekly.attrs["seasonal"]
    text = readings.anomaly_reading(weekly)
    assert text.startswith("1 channel-week departed from the seasonal expectation; the largest: web in the week of "
                           "15 Apr 2024, ")
    # the same spike among too few buyers is not shown, let alone flagged
    with open_db(tmp_path / "w.duckdb", read_only=True) as con:
        hidden = weekly_channel_revenue(con, Filters(), min_group=2)
    assert not hidden["is_anomaly"].any() and hidden["revenue"].isna().all()


def test_weeks_outside_the_period_are_not_returned(tmp_path):
    revenue = [100.0] * 30
    revenue[15] = 500.0
    with open_db(weekly_fixture(tmp_path / "w.duckdb", revenue), read_only=True) as con:
        weekly = weekly_channel_revenue(con, Filters(dt.date(2024, 5, 1), dt.date(2024, 6, 30)), min_group=1)
    assert weekly["week"].min() == dt.date(2024, 5, 6) and not weekly["is_anomaly"].any()


def test_seasonal_expectation_absorbs_a_yearly_peak_but_not_a_one_off():
    rng = np.random.default_rng(0)
    weeks = pd.date_range("2023-01-02", periods=156, freq="7D")
    woy = np.minimum(weeks.isocalendar().week.to_numpy(dtype=int), 52)
    revenue = 1000 * np.exp(rng.normal(0, 0.05, 156))
    revenue[(woy >= 49) & (woy <= 51)] *= 3  # a three-week peak at the same time every year, like Christmas
    revenue[80] *= 2.5  # a one-off
    expected, seasonal = seasonal_expectation(revenue, woy)
    z = robust_z(np.log1p(revenue) - expected)
    assert seasonal
    assert np.flatnonzero(np.abs(z) > 3.5).tolist() == [80]


def test_robust_z_of_a_constant_series_is_zero():
    assert robust_z(np.array([1.0, 1.0, 1.0, np.nan])).tolist()[:3] == [0.0, 0.0, 0.0]
