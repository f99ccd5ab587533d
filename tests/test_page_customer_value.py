"""The Customer value page through AppTest: its figures are core's own, small groups stay hidden.

The page's sections are tabs of which only the open one runs; ``?clv_section=<label>`` opens another.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest
from apptest_pages import open_app_page
from chart_specs import charts, titles, vega_data
from streamlit.testing.v1 import AppTest

from core.acquisition import acquisition_cost
from core.clv.model import fit_clv
from core.clv.value import TIERS
from core.filters import Filters
from core.privacy import MIN_GROUP_SIZE, small_group_label
from dashboard import components
from dashboard.clv import tables

PAGE = "pages/customer_value.py"
SECTION = "clv_section"
RISK_TIERS, AT_RISK, COST, CHECK = "Risk tiers", "Valuable at risk", "Value vs cost", "Model check"
END = dt.date(2025, 12, 28)  # the small sample's last order day: the default cutoff
DEFAULT_START = dt.date(2024, 12, 30)


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if column in df.value.columns)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)


@pytest.fixture(scope="module")
def core_fit(small_db):
    with duckdb.connect(str(small_db), read_only=True) as con:
        return fit_clv(con, cutoff=END, horizon_weeks=52, discount_monthly=0.01, filters=Filters())


@pytest.fixture(scope="module")
def pages(small_db) -> dict[str, AppTest]:
    """The page with each section open (a first visit opens the tiers)."""
    import os

    os.environ["OMNIMIX_DB"] = str(small_db)
    try:
        return {RISK_TIERS: open_app_page(PAGE), **{s: open_app_page(PAGE, {SECTION: s}) for s in (AT_RISK, COST, CHECK)}}
    finally:
        del os.environ["OMNIMIX_DB"]


@pytest.fixture(scope="module")
def page(pages) -> AppTest:
    return pages[RISK_TIERS]


def test_first_visit_runs_only_the_tiers(pages):
    first = pages[RISK_TIERS]
    assert_clean(first)
    assert [t.label for t in first.tabs] == [RISK_TIERS, AT_RISK, COST, CHECK]
    assert [len(t.children) > 0 for t in first.tabs] == [True, False, False, False]
    # CLV distribution, activity heatmap: Vega-Lite, which appears sooner than plotly in a fresh browser
    assert [kind for kind, _, _ in charts(first)] == ["vega", "vega"]
    assert [t.split("<br>")[0] for t in titles(first)] == ["Customers by predicted CLV (EUR, next 52 weeks)",
                                                           "Probably active (% of customers)"]
    columns = [set(d.value.columns) for d in first.dataframe]
    assert any("customer_share" in c for c in columns)
    assert not any(c & {"weeks_since_last", "clv_to_cac", "actual_per_customer"} for c in columns), columns
    assert not any(m.label == "Mean absolute error" for m in first.metric)
    for section, column in ((AT_RISK, "weeks_since_last"), (COST, "clv_to_cac"), (CHECK, "actual_per_customer")):
        other = pages[section]  # the link opens another section, and only that one
        assert_clean(other)
        assert [len(t.children) > 0 for t in other.tabs] == [t.label == section for t in other.tabs]
        assert [column] == [c for d in other.dataframe for c in d.value.columns
                            if c in {"customer_share", "weeks_since_last", "clv_to_cac", "actual_per_customer"}]
        assert metric(other, "Customers scored") == metric(first, "Customers scored")  # the KPIs stay above


def test_headline_figures_are_cores(page, core_fit):
    assert_clean(page)
    assert page.title[0].value == "Customer value"
    customers = core_fit.customers
    assert metric(page, "Customers scored") == f"{len(customers):,}"
    assert metric(page, "Probably active") == f"{(customers['p_alive'] >= 0.5).mean():.0%}"
    assert metric(page, "Expected orders (52 wk)") == f"{customers['expected_orders'].sum():,.0f}"
    card = texts(page.markdown)
    assert core_fit.holdout["weeks"] == 26  # the page's default holdout is the core's
    assert f"**Why this model**: {core_fit.choice}" in card
    assert "2025-12-28" in card and "Gamma-Gamma" in card and "1.0% a month" in card


def test_tier_counts_equal_fit_clv_and_small_tiers_are_hidden(page, core_fit):
    shown = table_with(page, "customer_share").set_index("tier")
    assert list(shown.index) == [t for t in TIERS if core_fit.tier_counts[t] > 0]
    for tier, count in core_fit.tier_counts.items():
        if count == 0:
            continue
        if count < MIN_GROUP_SIZE:
            assert shown.loc[tier, "customers"] == small_group_label()
        elif shown.loc[tier, "customers_hidden"] is None:
            assert int(str(shown.loc[tier, "customers"]).replace(",", "")) == count


def test_valuable_customers_at_risk_are_top_clv_in_risk_tiers(pages, core_fit):
    at_risk = table_with(pages[AT_RISK], "weeks_since_last")
    customers = core_fit.customers.set_index("customer_id")
    threshold = customers["clv"].quantile(tables.VALUABLE_QUANTILE)
    expected = customers[(customers["clv"] >= threshold) & customers["tier"].isin(["at risk", "cooling"])]
    assert len(at_risk) == len(expected) > 0
    assert set(at_risk["customer_id"]) == set(expected.index)
    assert at_risk["clv"].is_monotonic_decreasing


def test_at_risk_download_has_ids_only(sample_env, monkeypatch):
    downloads = {}
    monkeypatch.setattr(components, "download_csv", lambda df, name, **kw: downloads.setdefault(name, df.copy()))
    at = open_app_page(PAGE, {SECTION: AT_RISK})
    assert_clean(at)
    ids = downloads["valuable_customers_at_risk"]
    assert ids.columns.tolist() == ["customer_id"]
    assert ids["customer_id"].tolist() == table_with(at, "weeks_since_last")["customer_id"].tolist()


def test_channel_cac_and_hidden_channels(pages, small_db):
    page = pages[COST]
    value = table_with(page, "clv_to_cac").set_index("channel")
    with duckdb.connect(str(small_db), read_only=True) as con:
        cost = acquisition_cost(con, Filters(DEFAULT_START, END)).set_index("channel")
    assert set(cost.index) <= set(value.index)
    for channel, row in cost.iterrows():
        shown = value.loc[channel]
        if row["new_customers"] < MIN_GROUP_SIZE and row["new_customers"] > 0:
            assert shown["new_customers"] == small_group_label()
            assert pd.isna(shown["cac"]) and pd.isna(shown["clv_to_cac"])
        elif row["has_spend"]:
            assert shown["cac"] == pytest.approx(row["spend"] / row["new_customers"])
            assert shown["clv_to_cac"] == pytest.approx(shown["mean_clv"] / shown["cac"])
        else:
            assert pd.isna(shown["cac"])
    no_spend = [c for c in cost.index if not cost.loc[c, "has_spend"]]
    assert f"No marketing spend in {DEFAULT_START} – {END} for" in texts(page.caption)
    assert all(c in texts(page.caption) for c in no_spend)


def test_holdout_metrics_are_cores(pages, small_db):
    page = pages[CHECK]
    with duckdb.connect(str(small_db), read_only=True) as con:
        check = fit_clv(con, cutoff=END, horizon_weeks=26, holdout_weeks=26, filters=Filters()).holdout
    assert metric(page, "Mean absolute error") == f"{check['mae']:.2f} orders"
    assert metric(page, "Total error") == f"{check['total_error_pct']:+.1f}%"
    assert metric(page, "AUC of 'probably active'") == f"{check['auc']:.2f}"
    by_freq = table_with(page, "actual_per_customer")
    small = check["by_frequency"].query("0 < customers < @MIN_GROUP_SIZE")["frequency"].tolist()
    hidden = by_freq.set_index("frequency").loc[small, "customers"] if small else pd.Series(dtype=object)
    assert (hidden == small_group_label()).all()
    assert "mean absolute error" in texts(page.markdown)


def test_horizon_change_rescores(sample_env, small_db):
    at = open_app_page(PAGE)
    at.select_slider(key="clv_horizon").set_value(26).run()
    assert_clean(at)
    with duckdb.connect(str(small_db), read_only=True) as con:
        fit = fit_clv(con, cutoff=END, horizon_weeks=26, filters=Filters())
    assert metric(at, "Expected orders (26 wk)") == f"{fit.customers['expected_orders'].sum():,.0f}"


def test_controls_come_from_and_go_to_the_url(sample_env, small_db):
    at = open_app_page(PAGE, {"clv_h": "13", "clv_hold": "12", "clv_disc": "2.0", SECTION: CHECK})
    assert_clean(at)
    assert at.select_slider(key="clv_horizon").value == 13 and at.number_input(key="clv_discount").value == 2.0
    with duckdb.connect(str(small_db), read_only=True) as con:
        fit = fit_clv(con, cutoff=END, horizon_weeks=13, discount_monthly=0.02, holdout_weeks=12, filters=Filters())
    assert metric(at, "Expected orders (13 wk)") == f"{fit.customers['expected_orders'].sum():,.0f}"
    assert metric(at, "Mean absolute error") == f"{fit.holdout['mae']:.2f} orders"
    assert f"**Why this model**: {fit.choice}" in texts(at.markdown)
    at.select_slider(key="clv_horizon").set_value(52).run()
    assert "clv_h" not in at.query_params and at.query_params["clv_hold"] == "12"


def test_bad_url_values_fall_back_to_the_defaults(sample_env):
    at = open_app_page(PAGE, {"clv_h": "7", "clv_hold": "abc", "clv_disc": "99"})
    assert_clean(at)
    assert at.select_slider(key="clv_horizon").value == 52 and at.number_input(key="clv_discount").value == 1.0
    assert metric(at, "Expected orders (52 wk)")


def test_tier_charts_show_cores_bands_and_cells_and_hide_small_groups(page, core_fit):
    (_, hist_spec, hist), (_, _, heat) = charts(page)
    bands = tables.clv_histogram(core_fit.customers)
    bars = vega_data(hist)
    shown = bands[bands["customers_hidden"].isna()]
    assert 0 < len(shown) < len(bands)  # the small sample has hidden bands
    assert [(r["label"], r["customers"]) for r in bars] == list(zip(shown["label"], shown["customers"], strict=True))
    assert hist_spec["encoding"]["x"]["scale"]["domain"] == bands["label"].tolist()  # hidden bands keep their place
    assert all(r["label"].startswith("€") and r["customers_text"] == f"{r['customers']:,.0f}" for r in bars)
    grid = tables.activity_grid(core_fit.customers)
    assert grid["customers_hidden"].notna().any()  # and hidden cells
    cells = {(r["frequency"], r["recency"]): r for r in vega_data(heat)}
    assert len(cells) == len(grid)
    for row in grid.itertuples(index=False):
        cell = cells[(str(row.frequency_band), str(row.recency_band))]
        if pd.isna(row.customers):
            assert cell["p_alive"] is None and cell["customers_text"] == small_group_label()
        else:
            assert cell["p_alive"] == pytest.approx(100 * row.p_alive)
            assert cell["cell"] == f"{100 * row.p_alive:.0f}%\n{int(row.customers):,} cust."


def test_heatmap_cells_hide_small_groups():
    rng = np.random.default_rng(0)
    n = 400
    customers = pd.DataFrame({"frequency": rng.integers(0, 12, n), "recency": rng.uniform(0, 50, n)})
    customers["T"] = customers["recency"] + rng.uniform(0, 120, n)
    customers["p_alive"] = rng.uniform(0, 1, n)
    grid = tables.activity_grid(customers)
    small = grid["customers_hidden"].notna()
    assert small.any() and grid.loc[small, "p_alive"].isna().all() and grid.loc[small, "customers"].isna().all()
    assert (grid.loc[~small, "customers"] >= MIN_GROUP_SIZE).all()


def test_too_little_history_is_a_message_not_a_traceback(sample_env):
    at = open_app_page(PAGE, {"start": "2023-01-02", "end": "2023-01-02"})
    assert not at.exception
    assert "too little history to model repeat purchases" in texts(at.error)
    assert not at.metric or all(m.label != "Customers scored" for m in at.metric)


def test_sidebar_channels_and_end_date_set_the_fit(sample_env, small_db):
    at = open_app_page(PAGE, {"start": "2024-07-01", "end": "2025-06-29", "channels": "web,app"})
    assert_clean(at)
    with duckdb.connect(str(small_db), read_only=True) as con:
        fit = fit_clv(con, cutoff=dt.date(2025, 6, 29), filters=Filters(None, None, ("app", "web")))
    assert metric(at, "Customers scored") == f"{len(fit.customers):,}"
    shown = table_with(at, "customer_share").set_index("tier")
    visible = shown[shown["customers_hidden"].isna()]
    assert {t: int(str(c).replace(",", "")) for t, c in visible["customers"].items()} == {
        t: fit.tier_counts[t] for t in visible.index}
    assert "2025-06-29" in texts(at.markdown)


def test_discount_change_rescores(sample_env, small_db):
    at = open_app_page(PAGE)
    at.number_input(key="clv_discount").set_value(0.0).run()
    assert_clean(at)
    with duckdb.connect(str(small_db), read_only=True) as con:
        fit = fit_clv(con, cutoff=END, discount_monthly=0.0, filters=Filters())
    total = fit.customers["clv"].sum()
    assert metric(at, "Total CLV (52 wk)") == components.format_value(total, "EUR")
    assert "0.0% a month" in texts(at.markdown)
