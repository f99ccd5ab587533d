"""core.overview.queries against a hand-built database whose every expected value is computed by hand.

Current period: Mon 2024-03-04 .. Sun 2024-03-17 (14 days); previous: 2024-02-19 .. 2024-03-03.

order  customer  when                 channel  lines                      revenue
o1     c1        2024-03-04 10:00     web      2 x p1 @10 + 1 x p3 @5     25
o2     c1        2024-03-06 12:00     app      1 x p2 @25                 25
o3     c1        2024-03-12 09:00     store    1 x p1 @10                 10
o4     c2        2024-03-05 08:00     web      2 x p2 @20 (discounted)    40
o5     c2        2024-03-14 18:00     web      4 x p3 @5                  20
o6     c3        2024-03-17 23:30     store    1 x p2 @25                 25  (last day, inclusive)
o7     c3        2024-03-10 11:00     app      (no lines)                  0  (still an order)
o8     c4        2024-02-20 10:00     web      3 x p1 @10                 30  previous period
o9     c5        2024-03-03 23:59     store    2 x p2 @25                 50  previous period (day before start)
o10    c5        2024-03-18 00:00     web      1 x p1 @10                 10  after the range

Current: revenue 145, 7 orders, 3 buyers (c1 web/app/store, c2 web, c3 app/store).
Previous: revenue 80, 2 orders, 2 buyers.
"""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.filters import Filters, data_start, previous_period_gap
from core.overview import queries
from core.store import reads
from core.store.schema import STANDARD_CHANNELS, create_schema

D = dt.date
CURRENT = Filters(D(2024, 3, 4), D(2024, 3, 17))
WEB_APP = Filters(D(2024, 3, 4), D(2024, 3, 17), ("web", "app"))
NO_CHANNELS = Filters(D(2024, 3, 4), D(2024, 3, 17), ())

CUSTOMERS = [(f"c{i}", D(2023, 1, i)) for i in range(1, 6)]
PRODUCTS = [("p1", "Mug", "home", 10.0), ("p2", "Lamp", "home", 25.0), ("p3", "Card", "paper", 5.0)]
ORDERS = [
    ("o1", "c1", "2024-03-04 10:00", "web"),
    ("o2", "c1", "2024-03-06 12:00", "app"),
    ("o3", "c1", "2024-03-12 09:00", "store"),
    ("o4", "c2", "2024-03-05 08:00", "web"),
    ("o5", "c2", "2024-03-14 18:00", "web"),
    ("o6", "c3", "2024-03-17 23:30", "store"),
    ("o7", "c3", "2024-03-10 11:00", "app"),
    ("o8", "c4", "2024-02-20 10:00", "web"),
    ("o9", "c5", "2024-03-03 23:59", "store"),
    ("o10", "c5", "2024-03-18 00:00", "web"),
]
ITEMS = [
    ("o1", "p1", 2, 10.0),
    ("o1", "p3", 1, 5.0),
    ("o2", "p2", 1, 25.0),
    ("o3", "p1", 1, 10.0),
    ("o4", "p2", 2, 20.0),
    ("o5", "p3", 4, 5.0),
    ("o6", "p2", 1, 25.0),
    ("o8", "p1", 3, 10.0),
    ("o9", "p2", 2, 25.0),
    ("o10", "p1", 1, 10.0),
]
EVENTS = [
    # current: 4 views (web 2, app 2), 3 purchases (web 2, store 1); c4 bought without viewing
    ("c1", "p1", "web", "view", "2024-03-04 09:50"),
    ("c1", "p2", "app", "view", "2024-03-06 11:50"),
    ("c1", "p1", "web", "purchase", "2024-03-04 10:00"),
    ("c2", "p2", "app", "view", "2024-03-05 07:00"),
    ("c3", "p2", "web", "view", "2024-03-08 20:00"),
    ("c3", "p2", "web", "cart", "2024-03-08 20:05"),
    ("c3", "p2", "store", "purchase", "2024-03-17 23:30"),
    ("c4", "p3", "web", "purchase", "2024-03-06 10:00"),
    ("c5", "p1", "web", "view", "2024-03-20 10:00"),
    # previous: 2 views, 1 purchase
    ("c4", "p1", "web", "view", "2024-02-20 09:00"),
    ("c4", "p1", "web", "purchase", "2024-02-20 10:00"),
    ("c5", "p2", "store", "view", "2024-02-25 12:00"),
]
SPEND = [
    ("2024-02-19", "search", 70.0),
    ("2024-02-26", "search", 140.0),
    ("2024-03-04", "search", 70.0),
    ("2024-03-04", "social", 35.0),
    ("2024-03-11", "search", 140.0),
    ("2024-03-11", "tv", 0.0),
    ("2024-03-18", "search", 700.0),
]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    create_schema(con)
    con.executemany("INSERT INTO customers VALUES (?, ?, 'north', '25-34', 'search')", [list(c) for c in CUSTOMERS])
    con.executemany("INSERT INTO products VALUES (?, ?, ?, NULL, ?, NULL)", [list(p) for p in PRODUCTS])
    con.executemany("INSERT INTO orders VALUES (?, ?, ?::TIMESTAMP, ?)", [list(o) for o in ORDERS])
    con.executemany("INSERT INTO order_items VALUES (?, ?, ?, ?)", [list(i) for i in ITEMS])
    con.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?::TIMESTAMP)", [list(e) for e in EVENTS])
    con.executemany("INSERT INTO marketing_spend VALUES (?::DATE, ?, ?, NULL, NULL)", [list(s) for s in SPEND])
    yield con
    con.close()


def kpi_dict(df: pd.DataFrame, column: str = "value") -> dict[str, float]:
    return dict(zip(df["metric"], df[column], strict=True))


def assert_kpis(actual: dict[str, float], expected: dict[str, float]) -> None:
    assert set(actual) == set(expected)
    for name, value in expected.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(actual[name]), name
        else:
            assert actual[name] == pytest.approx(value), name


def test_database_summary(con):
    summary = reads.database_summary(con)
    assert summary["rows"]["orders"] == 10
    assert summary["rows"]["order_items"] == 10
    assert summary["rows"]["events"] == len(EVENTS)
    assert summary["rows"]["channels"] == len(STANDARD_CHANNELS)
    assert summary["rows"]["truth_personas"] == 0
    assert (summary["first_order"], summary["last_order"]) == (D(2024, 2, 20), D(2024, 3, 18))


def test_database_summary_leaves_out_missing_tables():
    con = duckdb.connect(":memory:")
    create_schema(con, truth=False)
    summary = reads.database_summary(con)
    assert "truth_personas" not in summary["rows"]
    assert summary["first_order"] is None and summary["last_order"] is None


def test_sales_channels_are_those_with_orders(con):
    # marketplace and social are declared sales channels, but this data has no order in them
    assert reads.sales_channels(con) == ["app", "store", "web"]
    assert reads.sales_channels_without_orders(con) == ["marketplace", "social"]


def test_kpis_current_previous_and_change(con):
    df = queries.kpis(con, CURRENT)
    assert list(df["metric"]) == list(queries.KPI_DEFINITIONS)
    assert_kpis(
        kpi_dict(df),
        {
            "revenue": 145.0,
            "orders": 7.0,
            "customers": 3.0,
            "aov": 145 / 7,
            "conversion_rate": 3 / 4,  # purchase events / view events
            "spend": 245.0,
            "roas": 145 / 245,
        },
    )
    assert_kpis(
        kpi_dict(df, "previous"),
        {
            "revenue": 80.0,
            "orders": 2.0,
            "customers": 2.0,
            "aov": 40.0,
            "conversion_rate": 0.5,
            "spend": 210.0,
            "roas": 80 / 210,
        },
    )
    change = kpi_dict(df, "change_pct")
    assert change["revenue"] == pytest.approx(81.25)
    assert change["orders"] == pytest.approx(250.0)
    assert change["customers"] == pytest.approx(50.0)
    assert change["aov"] == pytest.approx((145 / 7 - 40) / 40 * 100)
    assert kpi_dict(df, "change")["conversion_rate"] == pytest.approx(0.25)


def test_channel_filter_applies_to_sales_not_to_spend_or_roas(con):
    values = kpi_dict(queries.kpis(con, WEB_APP))
    assert_kpis(
        values,
        {
            "revenue": 110.0,  # o1 + o2 + o4 + o5 + o7
            "orders": 5.0,
            "customers": 3.0,
            "aov": 22.0,
            "conversion_rate": 2 / 4,  # the store purchase is outside the filter
            "spend": 245.0,
            "roas": 145 / 245,  # blended: all sales channels over all spend
        },
    )
    assert kpi_dict(queries.kpis(con, WEB_APP), "previous")["revenue"] == pytest.approx(30.0)


def test_spend_counts_straddling_weeks_pro_rata(con):
    # Wed 03-06 .. Tue 03-12: 5 days of week 03-04 (105 EUR) and 2 days of week 03-11 (140 EUR).
    values = kpi_dict(queries.kpis(con, Filters(D(2024, 3, 6), D(2024, 3, 12))))
    assert values["spend"] == pytest.approx(105 * 5 / 7 + 140 * 2 / 7)


def test_kpis_without_dates_have_no_previous_period(con):
    df = queries.kpis(con, Filters())
    values = kpi_dict(df)
    assert values["revenue"] == pytest.approx(145 + 80 + 10)
    assert values["spend"] == pytest.approx(1155.0)
    assert df["previous"].isna().all() and df["change_pct"].isna().all()


def test_previous_period_before_the_data_is_missing_not_zero(con):
    # The data starts on 2024-02-19 (first spend week); 02-26 .. 03-17 compares with 02-05 .. 02-25,
    # which is mostly before it: a change against it would be a made-up growth.
    late = Filters(D(2024, 2, 26), D(2024, 3, 17))
    df = queries.kpis(con, late)
    assert kpi_dict(df)["revenue"] == pytest.approx(145.0 + 50.0)  # o9 on 03-03 is inside
    assert df[["previous", "change", "change_pct"]].isna().all().all()
    assert data_start(con) == D(2024, 2, 19)
    assert previous_period_gap(late, D(2024, 2, 19)) == (
        "no full previous period in the data (2024-02-05 – 2024-02-25 starts before the first data on 2024-02-19)")
    assert previous_period_gap(CURRENT, D(2024, 2, 19)) is None  # starts on the first day: complete
    assert previous_period_gap(Filters(), D(2024, 2, 19)) is not None


def test_empty_filter_gives_zeros_and_nan_ratios(con):
    values = kpi_dict(queries.kpis(con, NO_CHANNELS))
    assert values["revenue"] == 0 and values["orders"] == 0 and values["customers"] == 0
    assert math.isnan(values["aov"]) and math.isnan(values["conversion_rate"])
    assert queries.channel_share(con, NO_CHANNELS).empty
    assert queries.channel_timeseries(con, NO_CHANNELS).empty
    assert queries.channel_pair_overlap(con, NO_CHANNELS).empty
    groups = queries.customers_by_channel_count(con, NO_CHANNELS)
    assert list(groups["customers"]) == [0, 0, 0]


def test_weekly_timeseries_fills_missing_channel_weeks_with_zero(con):
    df = queries.channel_timeseries(con, CURRENT)
    got = {(p.date(), c): (r, o) for p, c, r, o in df[["period", "channel", "revenue", "orders"]].itertuples(index=False)}
    w1, w2 = D(2024, 3, 4), D(2024, 3, 11)
    assert got == {
        (w1, "app"): (25.0, 2),
        (w1, "store"): (0.0, 0),
        (w1, "web"): (65.0, 2),
        (w2, "app"): (0.0, 0),
        (w2, "store"): (35.0, 2),
        (w2, "web"): (20.0, 1),
    }


@pytest.mark.parametrize(
    ("grain", "n_periods", "first"),
    [("day", 14, D(2024, 3, 4)), ("week", 2, D(2024, 3, 4)), ("month", 1, D(2024, 3, 1))],
)
def test_timeseries_grains(con, grain, n_periods, first):
    df = queries.channel_timeseries(con, CURRENT, grain=grain)
    assert df["period"].nunique() == n_periods
    assert df["period"].min().date() == first
    assert df["revenue"].sum() == pytest.approx(145.0)
    assert df["orders"].sum() == 7


def test_timeseries_rejects_unknown_grain(con):
    with pytest.raises(ValueError, match="day, week, month"):
        queries.channel_timeseries(con, CURRENT, grain="hour")


def test_timeseries_shows_selected_channel_without_sales_as_zero(con):
    df = queries.channel_timeseries(con, Filters(D(2024, 3, 4), D(2024, 3, 17), ("web", "marketplace")))
    assert set(df["channel"]) == {"web", "marketplace"}
    assert df.loc[df["channel"] == "marketplace", "revenue"].sum() == 0


def test_channel_share(con):
    df = queries.channel_share(con, CURRENT)
    assert list(df["channel"]) == ["web", "store", "app"]
    assert list(df["revenue"]) == pytest.approx([85.0, 35.0, 25.0])
    assert list(df["orders"]) == [3, 2, 2]
    assert list(df["customers"]) == [2, 2, 2]
    assert list(df["revenue_share"]) == pytest.approx([85 / 145, 35 / 145, 25 / 145])
    assert list(df["orders_share"]) == pytest.approx([3 / 7, 2 / 7, 2 / 7])


@pytest.mark.parametrize(
    ("filters", "customers", "revenue"),
    [
        (CURRENT, [1, 1, 1], [60.0, 25.0, 60.0]),  # c2 web; c3 app+store; c1 web+app+store
        (WEB_APP, [2, 1, 0], [60.0, 50.0, 0.0]),  # c2 and c3 (app, 0 EUR) in one; c1 in two
    ],
)
def test_customers_by_channel_count(con, filters, customers, revenue):
    df = queries.customers_by_channel_count(con, filters)
    assert list(df["channels_used"]) == ["1", "2", "3+"]
    assert list(df["customers"]) == customers
    assert list(df["revenue"]) == pytest.approx(revenue)
    expected_rpc = [r / c if c else np.nan for r, c in zip(revenue, customers, strict=True)]
    np.testing.assert_allclose(df["revenue_per_customer"], expected_rpc)
    assert df["customer_share"].sum() == pytest.approx(1.0)


def test_channel_pair_overlap(con):
    df = queries.channel_pair_overlap(con, CURRENT)
    rows = [tuple(r) for r in df[["channel_a", "channel_b", "customers_both", "customers_a", "customers_b"]].itertuples(index=False)]
    assert rows == [("app", "store", 2, 2, 2), ("app", "web", 1, 2, 2), ("store", "web", 1, 2, 2)]
    assert list(df["jaccard"]) == pytest.approx([1.0, 1 / 3, 1 / 3])
    assert list(df["share_of_a"]) == pytest.approx([1.0, 0.5, 0.5])


def test_channel_pair_overlap_top_and_channel_filter(con):
    top = queries.channel_pair_overlap(con, CURRENT, top=1)
    assert len(top) == 1 and (top.loc[0, "channel_a"], top.loc[0, "channel_b"]) == ("app", "store")
    filtered = queries.channel_pair_overlap(con, WEB_APP)
    assert [tuple(r) for r in filtered[["channel_a", "channel_b", "customers_both"]].itertuples(index=False)] == [
        ("app", "web", 1)
    ]


def test_date_filter_moves_everything(con):
    # Only the second week: o3, o5, o6 -> 55 EUR from c1 (store), c2 (web), c3 (store).
    week2 = Filters(D(2024, 3, 11), D(2024, 3, 17))
    values = kpi_dict(queries.kpis(con, week2))
    assert values["revenue"] == pytest.approx(55.0)
    assert values["orders"] == 3 and values["customers"] == 3
    assert values["spend"] == pytest.approx(140.0)
    # Previous week 03-04 .. 03-10: o1, o2, o4, o7 -> 90 EUR.
    assert kpi_dict(queries.kpis(con, week2), "previous")["revenue"] == pytest.approx(90.0)
    assert list(queries.customers_by_channel_count(con, week2)["customers"]) == [3, 0, 0]


def test_the_one_filter_builder_names_its_parameters_and_never_pastes_values(con):
    hostile = "web') OR TRUE --"
    where, params = Filters(D(2024, 3, 4), D(2024, 3, 17), ("web", hostile)).sql("o.order_ts", "o.channel")
    assert where == "TRUE AND o.order_ts >= $start AND o.order_ts < $after_end AND list_contains($channels, o.channel)"
    assert params == {"start": dt.datetime(2024, 3, 4), "after_end": dt.datetime(2024, 3, 18), "channels": ["web", hostile]}
    assert hostile not in where
    assert Filters(channels=("app",)).sql(None, "channel") == ("TRUE AND list_contains($channels, channel)", {"channels": ["app"]})
    assert Filters(D(2024, 3, 4)).sql("ts", None) == ("TRUE AND ts >= $start", {"start": dt.datetime(2024, 3, 4)})
    web_where, web_params = Filters(D(2024, 3, 4), D(2024, 3, 17), ("web",)).sql("o.order_ts", "o.channel")
    (n,) = con.execute(f"SELECT count(*) FROM orders AS o WHERE {where}", params).fetchone()
    (web,) = con.execute(f"SELECT count(*) FROM orders AS o WHERE {web_where}", web_params).fetchone()
    assert n == web > 0  # the hostile name is a value that matches no channel
