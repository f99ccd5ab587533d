"""The campaign table and the organic search breakdowns from one pass over the data.

The credit join (each order with its customer's last session, :mod:`core.campaigns.base`) is
the costly step of every figure; the page's default view and ``omnimix campaigns`` need it for
three breakdowns, so they run it once with SQL grouping sets and split the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from core.campaigns.base import comparison_period, touch_metrics
from core.campaigns.seo import ORGANIC, organic_key, seo_breakdown
from core.campaigns.table import campaign_table
from core.filters import Filters

BREAKDOWNS = ("campaign_id", "landing_page", "keyword_group")


@dataclass(frozen=True)
class CampaignReport:
    """:func:`~core.campaigns.table.campaign_table` and :func:`~core.campaigns.seo.seo_breakdown` by
    landing page and by keyword group, for one period and its comparison period."""

    campaigns: pd.DataFrame
    landing_pages: pd.DataFrame
    keyword_groups: pd.DataFrame


def campaign_report(con: duckdb.DuckDBPyConnection, filters: Filters) -> CampaignReport:
    """The three tables of the page's default view, equal to calling each function on its own.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection with campaigns and touchpoints.
    filters : Filters
        Period and sales channels.

    Returns
    -------
    CampaignReport
    """
    prev = comparison_period(con, filters)
    # Each breakdown's key is NULL for sessions outside it (no campaign; not organic search), and
    # those groups are dropped below: one grouping set per breakdown.
    keys = {"campaign_id": "t.campaign_id"}
    keys |= {by: f"CASE WHEN t.channel = $organic THEN {organic_key(by)} END" for by in BREAKDOWNS[1:]}
    metrics = touch_metrics(con, filters, prev, keys, params={"organic": ORGANIC}, sets=[[b] for b in BREAKDOWNS])
    parts = {}
    for i, by in enumerate(BREAKDOWNS):
        part = metrics[(metrics["set"] == i) & metrics[by].notna()]
        parts[by] = part[[by, "is_current", "sessions", "engaged_sessions", "customers", "orders", "revenue"]]
    return CampaignReport(
        campaign_table(con, filters, metrics=parts["campaign_id"]),
        seo_breakdown(con, filters, "landing_page", metrics=parts["landing_page"]),
        seo_breakdown(con, filters, "keyword_group", metrics=parts["keyword_group"]),
    )
