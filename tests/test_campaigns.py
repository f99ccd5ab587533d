"""core.campaigns on the hand-made database of tests/test_campaigns_tinydb.py: every figure counted by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from test_campaigns_tinydb import END, START, build_tiny_db

from core.campaigns.base import CREDIT_DAYS, missing_data, require_data
from core.campaigns.seo import ALL_ORGANIC, losing_pages, seo_breakdown, seo_trend
from core.campaigns.table import METRICS, campaign_table
from core.campaigns.themes import lead_with, theme_segments
from core.errors import OmnimixError
from core.filters import Filters
from core.privacy import SMALL

PERIOD = Filters(START, END)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_db(tmp_path_factory.mktemp("campaigns") / "tiny.duckdb")


@pytest.fixture
def con(tiny: Path):
    with duckdb.connect(str(tiny), read_only=True) as c:
        yield c


@pytest.fixture(scope="module")
def membership() -> pd.DataFrame:
    ids = [f"c{i:03d}" for i in range(200)]
    return pd.DataFrame({"customer_id": ids, "segment": [1] * 100 + [2] * 100, "name": ["Loyal"] * 100 + ["New"] * 100})


def row(df: pd.DataFrame, column: str, key: str) -> pd.Series:
    return df.set_index(column).loc[key]


def test_campaign_figures_by_hand(con):
    table = campaign_table(con, PERIOD)
    assert list(table["campaign_id"]) == ["S1", "E1", "X1"]  # by revenue; the hidden one last
    e1 = row(table, "campaign_id", "E1")
    assert (e1["name"], e1["channel"], e1["theme"]) == ("Spring sale", "email", "price offer")
    assert e1["spend"] == pytest.approx(400) and e1["impressions"] == 4000 and e1["clicks"] == 200
    assert e1["ctr"] == pytest.approx(0.05)
    assert e1["sessions"] == 60 and e1["customers"] == 60 and e1["engaged_rate"] == pytest.approx(0.5)
    # 12 orders two days after the 03-10 sessions, plus c190's on 03-04 after its 03-01 session (previous period).
    assert e1["orders"] == 13 and e1["revenue"] == pytest.approx(12 * 20 + 30)
    assert e1["conversion_rate"] == pytest.approx(13 / 60)
    assert e1["cpa"] == pytest.approx(400 / 13) and e1["roas"] == pytest.approx(270 / 400)
    s1 = row(table, "campaign_id", "S1")
    assert (s1["sessions"], s1["orders"], s1["revenue"], s1["spend"]) == (80, 20, 1000, 800)
    assert s1["ctr"] == pytest.approx(400 / 40000) and s1["cpa"] == pytest.approx(40) and s1["roas"] == 1.25
    # c120's order is 8 days after its last session: credited to nothing; c121's goes to organic search.
    assert table["orders"].sum() == 33


def test_period_comparison(con):
    e1 = row(campaign_table(con, PERIOD), "campaign_id", "E1")
    assert (e1["sessions_previous"], e1["customers_previous"], e1["orders_previous"]) == (51, 51, 5)
    assert e1["revenue_previous"] == 100 and e1["spend_previous"] == 200
    assert e1["engaged_rate_previous"] == pytest.approx(11 / 51)
    assert e1["revenue_change"] == pytest.approx(170.0)  # 270 vs 100 EUR, in %
    assert e1["spend_change"] == pytest.approx(100.0)
    assert e1["cpa_change"] == pytest.approx((400 / 13 - 40) / 40 * 100)
    # Rates change in percentage points.
    assert e1["conversion_rate_change"] == pytest.approx((13 / 60 - 5 / 51) * 100)
    assert e1["ctr_change"] == pytest.approx(0.0)
    s1 = row(campaign_table(con, PERIOD), "campaign_id", "S1")
    assert s1["sessions_previous"] == 0 and np.isnan(s1["sessions_change"])  # no change from nothing


def test_no_full_previous_period_means_no_comparison(con):
    # Starting on the data's first day: the previous period would lie before the data.
    table = campaign_table(con, Filters(dt.date(2025, 2, 3), END))
    assert table["revenue_previous"].isna().all() and table["revenue_change"].isna().all()


def test_small_campaigns_hide_customer_figures_but_not_spend(con):
    x1 = row(campaign_table(con, PERIOD), "campaign_id", "X1")
    assert x1["customers_hidden"] == SMALL
    for figure in ("customers", "sessions", "orders", "revenue", "conversion_rate", "cpa", "roas", "engaged_rate"):
        assert pd.isna(x1[figure]), figure
    assert x1["spend"] == 70 and np.isnan(x1["impressions"])  # spend is not about customers; reach unknown


def test_sales_channel_filter_applies_to_orders_only(con):
    table = campaign_table(con, Filters(START, END, ("app",)))
    e1, s1 = row(table, "campaign_id", "E1"), row(table, "campaign_id", "S1")
    assert e1["orders"] == 0 and e1["sessions"] == 60 and e1["spend"] == 400
    assert s1["orders"] == 20 and np.isnan(e1["cpa"])


def test_spend_counts_pro_rata_in_cut_weeks(con):
    # From Wednesday 03-05: the week of 03-03 counts 5 of 7 days.
    e1 = row(campaign_table(con, Filters(dt.date(2025, 3, 5), END)), "campaign_id", "E1")
    assert e1["spend"] == pytest.approx(300 + 100 * 5 / 7)
    assert e1["clicks"] == pytest.approx(150 + 50 * 5 / 7)


def test_credit_window_is_seven_days(con):
    assert CREDIT_DAYS == 7
    # The 03-04 order of c190 is credited to its 03-01 session even though the period starts on 03-03.
    e1 = row(campaign_table(con, Filters(dt.date(2025, 3, 4), dt.date(2025, 3, 4))), "campaign_id", "E1")
    assert e1["orders"] == 1 and e1["revenue"] == 30


def test_every_metric_has_words():
    for key, metric in METRICS.items():
        assert metric.label and metric.unit and metric.help, key


def test_themes_by_segment_by_hand(con, membership):
    cells = theme_segments(con, PERIOD, membership)
    price_loyal = cells[(cells["theme"] == "price offer") & (cells["segment"] == 1)].iloc[0]
    assert (price_loyal["sessions"], price_loyal["customers"], price_loyal["orders"]) == (60, 60, 12)
    assert price_loyal["engaged_rate"] == pytest.approx(0.5) and price_loyal["conversion_rate"] == pytest.approx(0.2)
    assert price_loyal["lift"] == pytest.approx(0.0)  # the segment's only theme is its average
    new_new = cells[(cells["theme"] == "new arrivals") & (cells["segment"] == 2)].iloc[0]
    assert new_new["conversion_rate"] == pytest.approx(0.25) and new_new["name"] == "New"
    # Segment 2's average: S1's 20 orders and c190's + X1's 3 over 80 + 10 sessions.
    assert new_new["segment_conversion"] == pytest.approx(23 / 90)
    assert new_new["lift"] == pytest.approx(0.25 / (23 / 90) - 1)
    price_new = cells[(cells["theme"] == "price offer") & (cells["segment"] == 2)].iloc[0]
    assert price_new["customers_hidden"] == SMALL and np.isnan(price_new["conversion_rate"])
    # A segment without a theme's sessions gets zeros, not a missing row.
    empty = cells[(cells["theme"] == "new arrivals") & (cells["segment"] == 1)].iloc[0]
    assert empty["sessions"] == 0 and np.isnan(empty["conversion_rate"])


def test_customers_outside_the_segments_are_left_out(con, membership):
    cells = theme_segments(con, PERIOD, membership[membership["segment"] == 1])
    assert set(cells["segment"]) == {1}


def test_lead_with_picks_the_highest_affinity_with_enough_customers():
    cells = pd.DataFrame({
        "theme": ["a", "b", "c", "d", "a", "b"], "segment": [1, 1, 1, 1, 2, 2], "name": ["One"] * 4 + ["Two"] * 2,
        "customers": [500.0, 80.0, 300.0, 400.0, 200.0, 300.0], "affinity": [0.3, 0.9, 0.5, -0.2, 0.02, -0.05],
        "conversion_rate": [0.13, 0.19, 0.15, 0.08, 0.2, 0.19],
        "segment_conversion": [0.1] * 4 + [0.2] * 2, "customers_hidden": [None] * 6,
    })
    out = lead_with(cells).set_index("segment")
    assert out.loc[1, "lead_with"] == "c, a"  # b has the highest affinity but only 80 customers
    assert out.loc[1, "affinities"] == pytest.approx([0.5, 0.3])
    assert "c (affinity +50%; its conversion 15.0%, the segment's average 10.0%)" in out.loc[1, "reason"]
    assert out.loc[2, "lead_with"] == "" and "3%" in out.loc[2, "reason"]


def test_affinity_removes_what_a_theme_does_for_everybody(con, membership):
    cells = theme_segments(con, PERIOD, membership).set_index(["theme", "segment"])
    new_new = cells.loc[("new arrivals", 2)]
    # New arrivals: 20 orders / 80 sessions, all in segment 2; overall 35 orders / 150 sessions.
    assert new_new["theme_conversion"] == pytest.approx(0.25)
    assert new_new["affinity"] == pytest.approx((0.25 / (23 / 90)) / (0.25 / (35 / 150)) - 1)
    price_loyal = cells.loc[("price offer", 1)]
    assert price_loyal["theme_conversion"] == pytest.approx(15 / 70)  # E1's 12 + c190's and X1's 3, over 60 + 10
    assert price_loyal["affinity"] == pytest.approx(1 / ((15 / 70) / (35 / 150)) - 1)


def test_seo_by_landing_page_and_keyword_group(con):
    pages = seo_breakdown(con, PERIOD)
    shoes, brand = row(pages, "landing_page", "/blog/shoes"), row(pages, "landing_page", "/brand")
    assert (shoes["sessions"], shoes["orders"], shoes["revenue"]) == (60, 1, 60)  # c121's; c120's is 8 days late
    assert shoes["engaged_rate"] == pytest.approx(0.75)
    assert (brand["sessions"], brand["orders"], brand["revenue"]) == (55, 10, 400)
    assert brand["conversion_rate"] == pytest.approx(10 / 55)
    assert row(pages, "landing_page", "/about")["customers_hidden"] == SMALL
    groups = seo_breakdown(con, PERIOD, "keyword_group")
    assert row(groups, "keyword_group", "brand")["sessions"] == 60  # /brand + /about: 60 customers, shown
    assert row(groups, "keyword_group", "generic")["orders"] == 1


def test_seo_trend_hides_small_weeks_and_adds_the_total(con):
    weekly = seo_trend(con, PERIOD)
    brand = weekly[weekly["keyword_group"] == "brand"].set_index("period")
    assert brand.loc[pd.Timestamp("2025-03-24"), "sessions"] == 55
    assert brand.loc[pd.Timestamp("2025-03-17"), "customers_hidden"] == SMALL  # /about's 5 visitors
    total = weekly[weekly["keyword_group"] == ALL_ORGANIC].set_index("period")["sessions"]
    assert total.to_dict() == {pd.Timestamp("2025-03-17"): 65, pd.Timestamp("2025-03-24"): 55}
    monthly = seo_trend(con, PERIOD, "landing_page", grain="month")
    assert monthly.set_index("landing_page").loc["/blog/shoes", "sessions"] == 60


def test_losing_pages(con):
    losing = losing_pages(con, END)
    assert list(losing["landing_page"]) == ["/blog/shoes"]
    assert (losing.loc[0, "sessions_before"], losing.loc[0, "sessions_recent"]) == (120, 60)
    assert losing.loc[0, "change"] == pytest.approx(-50.0)
    assert losing.attrs["recent"] == (dt.date(2025, 2, 3), END)
    assert losing_pages(con, END, min_sessions=121).empty


def test_database_without_campaigns_says_how_to_load_them(tmp_path: Path):
    db = build_tiny_db(tmp_path / "none.duckdb", with_campaigns=False)
    with duckdb.connect(str(db), read_only=True) as c:
        problem = missing_data(c)
        assert "no campaigns" in problem and "omnimix load" in problem
        with pytest.raises(OmnimixError, match="no campaigns"):
            require_data(c)


def test_one_pass_report_equals_the_separate_tables(con):
    from core.campaigns.report import campaign_report

    report = campaign_report(con, PERIOD)
    pd.testing.assert_frame_equal(report.campaigns, campaign_table(con, PERIOD))
    pd.testing.assert_frame_equal(report.landing_pages, seo_breakdown(con, PERIOD, "landing_page"))
    pd.testing.assert_frame_equal(report.keyword_groups, seo_breakdown(con, PERIOD, "keyword_group"))
