"""The Campaigns & content page through AppTest: core's figures on screen, small groups hidden, no data = a message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from apptest_pages import open_app_page
from streamlit.testing.v1 import AppTest
from test_campaigns_tinydb import START, build_tiny_db

from core.campaigns.report import campaign_report
from core.filters import Filters
from core.privacy import small_group_label

PAGE = "pages/campaigns.py"
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


def open_page(db: Path, monkeypatch: pytest.MonkeyPatch, query: dict[str, str] | None = None) -> AppTest:
    monkeypatch.setenv("OMNIMIX_DB", str(db))
    return open_app_page(PAGE, query)


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
    # Six segments of 65 buyers are all under 50: the heatmap is replaced by the reason.
    assert "fewer than 50 customers" in texts(at.info)
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
def sample_page(small_db: Path):
    import os

    os.environ["OMNIMIX_DB"] = str(small_db)
    try:
        yield open_app_page(PAGE)
    finally:
        del os.environ["OMNIMIX_DB"]


@pytest.fixture(scope="module")
def sample_report(small_db: Path):
    with duckdb.connect(str(small_db), read_only=True) as con:
        (last,) = con.execute("SELECT max(order_ts)::DATE FROM orders").fetchone()
        filters = Filters(last - dt.timedelta(days=363), last)  # the dashboard's default: the last 52 weeks
        return campaign_report(con, filters)


def test_generated_sample_default_view(sample_page: AppTest, sample_report):
    assert_clean(sample_page)
    shown = table_with(sample_page, "campaign_id", "revenue_change")
    expected = sample_report.campaigns
    assert list(shown["campaign_id"]) == list(expected["campaign_id"])
    visible = expected["customers_hidden"].isna()
    assert pd.to_numeric(shown.loc[visible.to_numpy(), "orders"]).sum() == expected.loc[visible, "orders"].sum()
    # The heatmap has every theme × shown segment, and one lead-with row per segment.
    cells = table_with(sample_page, "theme", "lift")
    leads = table_with(sample_page, "reason")
    assert set(leads["segment"]) == set(cells["segment"]) and len(leads) >= 2
    assert any(r.startswith("Lead with") for r in leads["reason"])
    seo = table_with(sample_page, "landing_page", "sessions_change", without="campaign_id")
    assert list(seo["landing_page"]) == list(sample_report.landing_pages["landing_page"])


def test_a_period_without_buyers_to_segment_explains_itself(tiny: Path, monkeypatch):
    at = open_page(tiny, monkeypatch, {"start": "2025-02-03", "end": "2025-02-05"})
    assert_clean(at)
    info = texts(at.info)
    assert "Too few customers ordered" in info and "No organic search sessions" in info
