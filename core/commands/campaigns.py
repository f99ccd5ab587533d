"""Campaigns command: the campaign table vs the previous period, content themes × segments, organic search."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from core.commands.options import add_filter_args, filters_from_args
from core.commands.output import add_json_flag, emit
from core.errors import OmnimixError
from core.filters import Filters
from core.settings import Currency, read_settings
from core.store.db import DEFAULT_DB, open_db

DEFAULT_DAYS = 364
"""Without --start and --end: the last 52 weeks of orders, as the dashboard's default view (which has a
full previous year to compare with)."""

CAMPAIGN_COLUMNS = ["campaign_id", "name", "channel", "objective", "theme", "spend", "impressions", "clicks", "ctr",
                    "customers", "customers_hidden", "sessions", "engaged_rate", "orders", "conversion_rate",
                    "revenue", "cpa", "roas", "spend_previous", "customers_previous", "customers_previous_hidden",
                    "sessions_previous", "orders_previous", "revenue_previous", "roas_previous", "spend_change",
                    "sessions_change", "orders_change", "conversion_rate_change", "revenue_change", "cpa_change",
                    "roas_change"]
"""Campaign figures in the JSON (every figure of the page's table; ``*_change`` in %, rates in points)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("campaigns", help="campaigns vs the previous period, content themes per segment, organic search")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    add_filter_args(p, default_start="52 weeks before --end")
    p.add_argument("--top", type=int, default=10,
                   help="campaigns, landing pages and keyword groups listed (largest first; default 10)")
    add_json_flag(p)
    p.set_defaults(handler=_campaigns)


def _period(args: argparse.Namespace, con: Any) -> Filters:
    """The options' filters, the default period filled in from the data."""
    from core.filters import data_date_range

    filters = filters_from_args(args, con)
    first, last = data_date_range(con)
    if last is None:
        raise OmnimixError(f"The database {args.db} has no orders yet; load them with `omnimix load` first.")
    end = filters.end or last
    start = filters.start or max(first, end - dt.timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise OmnimixError(f"--start ({start}) is after the end of the period ({end}).")
    return Filters(start, end, filters.channels)


def _themes(con: Any, filters: Filters) -> dict[str, Any]:
    from core.campaigns.segments import DEFAULT_K, NO_SEGMENTS, default_membership
    from core.campaigns.themes import lead_with as leads
    from core.campaigns.themes import theme_segments

    try:
        members = default_membership(con, filters)
    except OmnimixError as exc:  # too few buyers to segment: the other sections still stand
        return {"k": DEFAULT_K, "problem": str(exc), "cells": [], "lead_with": []}
    if members.empty:
        return {"k": DEFAULT_K, "problem": NO_SEGMENTS, "cells": [], "lead_with": []}
    cells = theme_segments(con, filters, members)
    return {"k": DEFAULT_K, "problem": None, "cells": cells, "lead_with": leads(cells)}


def _campaigns(args: argparse.Namespace) -> int:
    from core.campaigns import seo
    from core.campaigns.base import CREDIT_RULE, comparison_period, require_data
    from core.campaigns.report import campaign_report
    from core.filters import data_start, previous_period_gap

    if args.top < 1:
        raise OmnimixError(f"--top must be 1 or more (got {args.top}).")
    with open_db(args.db, read_only=True) as con:
        currency = read_settings(con).currency
        require_data(con)
        filters = _period(args, con)
        gap = previous_period_gap(filters, data_start(con))
        prev = comparison_period(con, filters)
        report = campaign_report(con, filters)
        table, pages, groups = report.campaigns, report.landing_pages, report.keyword_groups
        themes = _themes(con, filters)
        weekly = seo.seo_trend(con, filters, "keyword_group")
        losing = seo.losing_pages(con, filters.end)
    payload = {
        "db": str(args.db), "currency": currency.code,
        "filters": {"start": filters.start, "end": filters.end, "channels": filters.channels},
        "previous_period": None if prev is None else {"start": prev.start, "end": prev.end},
        "previous_period_gap": gap,
        "credit_rule": CREDIT_RULE,
        "campaigns_total": len(table),
        "campaigns": table[CAMPAIGN_COLUMNS].head(args.top),
        "themes": themes,
        "seo": {
            "landing_pages": pages.head(args.top), "keyword_groups": groups.head(args.top), "weekly": weekly,
            "losing_pages": losing,
            "losing_windows": {"recent": losing.attrs["recent"], "before": losing.attrs["before"]},
        },
    }
    return emit(args, payload, "\n".join(_text(filters, prev, gap, table, themes, pages, losing, args.top, currency)))


def _text(filters: Filters, prev: Filters | None, gap: str | None, table, themes: dict, pages, losing,  # noqa: ANN001
          top: int, currency: Currency) -> list[str]:
    """The report for people: the period, then the top campaigns, the lead-with themes and organic search."""
    from core.campaigns.base import CREDIT_RULE
    from core.formatting import format_value
    from core.privacy import cell_text

    eur = lambda v: format_value(v, "money", currency)  # noqa: E731
    pct = lambda v: "–" if v != v else f"{v:.1%}"  # noqa: E731
    channels = "all sales channels" if filters.channels is None else ", ".join(filters.channels)
    compared = f"compared with {prev.start} – {prev.end}" if prev is not None else f"no change shown: {gap}"
    lines = [f"Campaigns {filters.start} – {filters.end} ({filters.days} days, {channels}); {compared}.",
             f"Credit rule: {CREDIT_RULE}", "", f"Top {min(top, len(table))} of {len(table)} campaigns by revenue:"]
    for r in table.head(top).to_dict("records"):
        change = "" if r["revenue_change"] != r["revenue_change"] else f" ({r['revenue_change']:+.0f}% vs previous)"
        lines.append(f"  {r['name']} [{r['channel']}, {r['theme'] if isinstance(r['theme'], str) else 'no theme'}]: spend {eur(r['spend'])}, "
                     f"{cell_text(r['sessions'], r['customers_hidden'])} sessions, "
                     f"{cell_text(r['orders'], r['customers_hidden'])} orders, revenue {eur(r['revenue'])}{change}, "
                     f"ROAS {format_value(r['roas'], 'ratio')}")
    lines += ["", f"Content themes per segment (k = {themes['k']}, the Segments page's default):"]
    if themes["problem"]:
        lines.append(f"  not available: {themes['problem']}")
    for r in themes["lead_with"].to_dict("records") if not themes["problem"] else []:
        lines.append(f"  {r['segment']}. {r['name']}: {r['reason']}")
    lines += ["", "Organic search landing pages:"]
    for r in pages.head(top).to_dict("records"):
        lines.append(f"  {r['landing_page']}: {cell_text(r['sessions'], r['customers_hidden'])} sessions, "
                     f"engaged {pct(r['engaged_rate'])}, conversion {pct(r['conversion_rate'])}, "
                     f"revenue {eur(r['revenue'])}")
    recent, before = losing.attrs["recent"], losing.attrs["before"]
    lines.append(f"Pages losing organic traffic ({recent[0]} – {recent[1]} vs {before[0]} – {before[1]}):")
    lines += [f"  {r['landing_page']}: {cell_text(r['sessions_before'], r['customers_before_hidden'])} -> "
              f"{cell_text(r['sessions_recent'], r['customers_recent_hidden'])} sessions"
              + ("" if r["change"] != r["change"] else f" ({r['change']:+.0f}%)")
              for r in losing.to_dict("records")] or ["  none"]
    return lines
