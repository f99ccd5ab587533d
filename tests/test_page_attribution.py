"""The Attribution page through AppTest: core's figures, the truth error, the lookback in the URL, hidden small channels.

The page's sections are tabs of which only the open one runs; ``?attr_section=<label>`` opens another.
"""

from __future__ import annotations

import os

import duckdb
import pytest
from apptest_pages import open_app_page
from chart_specs import charts, vega_data
from test_cli_attribution import synthetic_db

from core.attribution.compare import analyse
from core.filters import Filters

PAGE = "pages/attribution.py"
SECTION = "attr_section"
SHARES, TRUTH, RECONCILE = "Credit by channel", "Truth check", "Next to the budget model"


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("attribution_page") / "sim.duckdb"
    synthetic_db(path, n_customers=3000, seed=2)
    return path


def open_page(db, query=None):
    os.environ["OMNIMIX_DB"] = str(db)
    try:
        return open_app_page(PAGE, query)
    finally:
        del os.environ["OMNIMIX_DB"]


@pytest.fixture(scope="module")
def page(sim_db):
    return open_page(sim_db)


def core_report(db, lookback=30):
    with duckdb.connect(str(db), read_only=True) as con:
        first, last = con.execute("SELECT min(order_ts)::DATE, max(order_ts)::DATE FROM orders").fetchone()
    with duckdb.connect(str(db), read_only=True) as con:
        return analyse(con, Filters(first, last, None), lookback_days=lookback)


def test_page_shows_cores_figures_and_errors(page, sim_db):
    assert not page.exception, page.exception
    assert not page.error, texts(page.error)
    assert page.title[0].value == "Attribution"
    report = core_report(sim_db)
    assert metric(page, "Orders with touches") == f"{report.summary['orders_with_touches']:,}"
    table = next(df.value for df in page.dataframe if "order_share" in df.value.columns)
    assert set(table["model"]) == set(report.result.credit)
    merged = table.merge(report.table, on=["model", "channel"], suffixes=("", "_core"))
    assert (merged["order_share"] - merged["order_share_core"]).abs().max() < 1e-9
    words = texts(page.markdown)
    assert "removal effect" in words and "40% to the first touch" in words  # what each model does
    # shares by channel (Vega-Lite, drawn without plotly.js); the truth check waits for its tab
    [(kind, _, proto)] = charts(page)
    assert kind == "vega" and not page.get("plotly_chart")
    bars = {(b["model"], b["channel"]): b["share"] for b in vega_data(proto)}
    for row in merged.itertuples():
        assert bars[row.model_label, row.channel] == pytest.approx(row.order_share_core)
    truth = report.table.groupby("channel")["truth_share"].first()
    assert {c: bars["Truth (incremental orders)", c] for c in truth.index} == pytest.approx(truth.to_dict())
    assert "What the truth is" not in words


def test_first_visit_runs_only_the_shares_and_the_url_opens_another(page, sim_db):
    assert [t.label for t in page.tabs] == [SHARES, TRUTH, RECONCILE]
    assert [len(t.children) > 0 for t in page.tabs] == [True, False, False]
    assert not any("budget_share" in d.value.columns for d in page.dataframe)
    assert not [t for t in page.toggle if t.key == "attr_budget_model"]
    truth = open_page(sim_db, {SECTION: TRUTH})
    assert not truth.exception and not truth.error, texts(truth.error)
    assert [len(t.children) > 0 for t in truth.tabs] == [False, True, False]
    assert "What the truth is" in texts(truth.markdown)
    assert len(truth.get("plotly_chart")) == 1  # the error against the truth
    assert not any("order_share" in d.value.columns for d in truth.dataframe)
    assert metric(truth, "Orders with touches") == metric(page, "Orders with touches")  # the figures above stay
    reconcile = open_page(sim_db, {SECTION: RECONCILE})
    assert not reconcile.exception and not reconcile.error, texts(reconcile.error)
    assert not reconcile.get("plotly_chart")
    assert [t for t in reconcile.toggle if t.key == "attr_budget_model"]
    assert not any("order_share" in d.value.columns for d in reconcile.dataframe)


def test_lookback_comes_from_and_goes_to_the_url(sim_db, monkeypatch):
    monkeypatch.setenv("OMNIMIX_DB", str(sim_db))  # the reruns below read the database too
    at = open_app_page(PAGE, {"attr_lb": "7"})
    assert not at.exception and not at.error, texts(at.error)
    assert at.select_slider[0].value == 7
    report = core_report(sim_db, lookback=7)
    assert metric(at, "Orders with touches") == f"{report.summary['orders_with_touches']:,}"
    at.select_slider(key="attr_lookback").set_value(14).run()
    assert not at.exception and not at.error, texts(at.error)
    assert at.query_params["attr_lb"] == "14"
    at.select_slider(key="attr_lookback").set_value(30).run()
    assert "attr_lb" not in at.query_params


def test_small_channels_are_hidden(tmp_path):
    path = tmp_path / "tiny.duckdb"
    synthetic_db(path, n_customers=120, seed=3)
    at = open_page(path)
    assert not at.exception and not at.error, texts(at.error)
    table = next(df.value for df in at.dataframe if "order_share" in df.value.columns)
    assert (table["customers"].astype(str) == "fewer than 50").any()
    hidden = table.loc[table["customers"].astype(str) == "fewer than 50", ["model_label", "channel"]]
    bars = {(b["model"], b["channel"]): b for b in vega_data(charts(at)[0][2])}
    for model, channel in hidden.itertuples(index=False):  # no bar, no figure in the tooltip
        assert bars[model, channel]["share"] is None and bars[model, channel]["share_text"] == "–"
