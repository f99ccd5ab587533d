"""The Campaigns & content page through AppTest: core's figures on screen, small groups hidden, no data = a message.

The page's sections are tabs of which only the open one runs; ``?campaigns_section=<label>`` opens another.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from apptest_pages import open_app_page
from chart_specs import charts, title, vega_data
from streamlit.testing.v1 import AppTest
from test_campaigns_tinydb import START, build_tiny_db

from core.campaigns.report import campaign_report
from core.filters import Filters
from core.privacy import small_group_label

PAGE = "pages/campaigns.py"
SECTION = "campaigns_section"
CONTENT, SEO = "Content per customer profile", "Organic search (SEO)"
LAST_ORDER = dt.date(2025, 3, 27)


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def table_with(at: AppTest, *columns: str, without: str | None = None) -> pd.DataFrame:
    """The first table shown with ``columns`` and without ``without`` (the campaign table has landing pages too)."""
    return next(df.value for df in at.dataframe if set(columns) <= set(df.value.columns)
                and without not in df.value.columns)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)


def open_page(db: Path, monkeypatch: pytest.MonkeyPatch, query: dict[str, str] | None = None,
              section: str | None = None) -> AppTest:
    """The page, with ``section`` (a tab label) open instead of the campaigns."""
    monkeypatch.setenv("OMNIMIX_DB", str(db))
    return open_app_page(PAGE, {**(query or {}), **({SECTION: section} if section else {})})


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_db(tmp_path_factory.mktemp("page_campaigns") / "tiny.duckdb")


def test_tiny_database_shows_the_hand_checked_campaigns(tiny: Path, monkeypatch):
    # The sidebar clamps the end to the last order (03-27): 25 days, compared with 02-06 – 03-02.
    at = open_page(tiny, monkeypatch, {"start": str(START), "end": str(LAST_ORDER)})
    assert_clean(at)
    assert at.title[0].value == "Campaigns & content"
    captions = texts(at.caption)
    assert "compared with **2025-02-06 – 2025-03-02**" in captions and "7 days before it" in captions
    campaigns = table_with(at, "campaign_id", "revenue_change").set_index("campaign_id")
    assert campaigns.loc["E1", "orders"] == 13 and campaigns.loc["E1", "revenue"] == pytest.approx(270)
    assert campaigns.loc["E1", "revenue_change"] == pytest.approx(170.0)
    # X1's 10 customers: hidden in words, its spend still shown.
    assert campaigns.loc["X1", "customers"] == small_group_label() and pd.isna(campaigns.loc["X1", "sessions"])
    assert campaigns.loc["X1", "spend"] == 70
    # The bars (Vega-Lite): spend and credited revenue in euros; X1's revenue is no bar, "fewer than 50" on hover.
    [(kind, spec, proto)] = charts(at)
    assert kind == "vega" and title(kind, spec).startswith("Spend and credited revenue of the ")
    bars = {(b["campaign"].split(" (")[0], b["measure"]): b for b in vega_data(proto)}
    names = dict(zip(campaigns.index, campaigns["name"], strict=True))
    x1, e1 = bars[names["X1"], "Credited revenue"], bars[names["E1"], "Credited revenue"]
    assert x1["amount"] is None and x1["revenue_text"] == "fewer than 50 customers"
    assert bars[names["X1"], "Spend"]["amount"] == 70 and x1["spend_text"] == "€70"
    assert e1["amount"] == pytest.approx(270) and e1["revenue_text"] == "€270"
    # Six segments of 65 buyers are all under 50: the heatmap is replaced by the reason.
    content = open_page(tiny, monkeypatch, {"start": str(START), "end": str(LAST_ORDER)}, CONTENT)
    assert_clean(content)
    assert "fewer than 50 customers" in texts(content.info)
    at = open_page(tiny, monkeypatch, {"start": str(START), "end": str(LAST_ORDER)}, SEO)
    assert_clean(at)
    pages = table_with(at, "landing_page", "sessions_change", without="campaign_id").set_index("landing_page")
    assert pages.loc["/brand", "orders"] == 10 and pages.loc["/about", "customers"] == small_group_label()
    losing = table_with(at, "sessions_before", "sessions_recent")
    assert list(losing["landing_page"]) == ["/blog/shoes"]


def test_database_without_campaigns_gets_a_message_not_an_error(tmp_path: Path, monkeypatch):
    db = build_tiny_db(tmp_path / "none.duckdb", with_campaigns=False)
    at = open_page(db, monkeypatch)
    assert_clean(at)
    assert "no campaigns" in texts(at.info) and "omnimix load" in texts(at.info)
    assert not at.dataframe


@pytest.fixture(scope="module")
def sample_pages(small_db: Path) -> dict[str, AppTest]:
    """The page with each section open: None (a first visit, the campaigns), CONTENT, SEO."""
    import os

    os.environ["OMNIMIX_DB"] = str(small_db)
    try:
        return {section: open_app_page(PAGE, {SECTION: section} if section else None) for section in (None, CONTENT, SEO)}
    finally:
        del os.environ["OMNIMIX_DB"]


def test_first_visit_runs_only_the_campaigns(sample_pages: dict[str, AppTest]):
    first = sample_pages[None]
    assert [t.label for t in first.tabs] == ["Campaigns", CONTENT, SEO]
    assert [len(t.children) > 0 for t in first.tabs] == [True, False, False]
    assert [kind for kind, _, _ in charts(first)] == ["vega"]  # the campaign bars, drawn without plotly.js
    columns = [set(d.value.columns) for d in first.dataframe]
    assert any("campaign_id" in c for c in columns)
    hidden = ("lift", "reason", "sessions_recent")  # content cells and lead-with, pages losing traffic
    assert not any(c & set(hidden) or "sessions_change" in c and "campaign_id" not in c for c in columns), columns
    assert not first.get("segmented_control")  # "Colour by" and "Break down by" belong to the hidden sections
    for section in (CONTENT, SEO):  # the link opens another section, and only that one
        other = sample_pages[section]
        assert_clean(other)
        assert [len(t.children) > 0 for t in other.tabs] == [t.label == section for t in other.tabs]
        assert not any("campaign_id" in d.value.columns for d in other.dataframe)
        assert len(other.get("plotly_chart")) == 1


@pytest.fixture(scope="module")
def sample_report(small_db: Path):
    with duckdb.connect(str(small_db), read_only=True) as con:
        (last,) = con.execute("SELECT max(order_ts)::DATE FROM orders").fetchone()
        filters = Filters(last - dt.timedelta(days=363), last)  # the dashboard's default: the last 52 weeks
        return campaign_report(con, filters)


def test_generated_sample_default_view(sample_pages: dict[str, AppTest], sample_report):
    sample_page = sample_pages[None]
    assert_clean(sample_page)
    shown = table_with(sample_page, "campaign_id", "revenue_change")
    expected = sample_report.campaigns
    assert list(shown["campaign_id"]) == list(expected["campaign_id"])
    visible = expected["customers_hidden"].isna()
    assert pd.to_numeric(shown.loc[visible.to_numpy(), "orders"]).sum() == expected.loc[visible, "orders"].sum()
    # The heatmap has every theme × shown segment, and one lead-with row per segment.
    cells = table_with(sample_pages[CONTENT], "theme", "lift")
    leads = table_with(sample_pages[CONTENT], "reason")
    assert set(leads["segment"]) == set(cells["segment"]) and len(leads) >= 2
    assert any(r.startswith("Lead with") for r in leads["reason"])
    seo = table_with(sample_pages[SEO], "landing_page", "sessions_change", without="campaign_id")
    assert list(seo["landing_page"]) == list(sample_report.landing_pages["landing_page"])


def test_a_period_without_buyers_to_segment_explains_itself(tiny: Path, monkeypatch):
    query = {"start": "2025-02-03", "end": "2025-02-05"}
    content, seo = (open_page(tiny, monkeypatch, query, section) for section in (CONTENT, SEO))
    assert_clean(content)
    assert_clean(seo)
    assert "Too few customers ordered" in texts(content.info) and "No organic search sessions" in texts(seo.info)
