"""The Overview page on the command line: KPIs, channel share and cross-channel buyers."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pandas as pd

from core.commands.options import add_filter_args, filters_from_args
from core.commands.output import add_json_flag, emit, text_table
from core.filters import Filters
from core.privacy import small_group_label
from core.settings import Currency, read_settings
from core.store.db import DEFAULT_DB, open_db


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("overview", help="KPIs against the previous period, channel share and cross-channel buyers")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    add_filter_args(p)
    add_json_flag(p)
    p.set_defaults(handler=_overview)


def _overview(args: argparse.Namespace) -> int:
    from core.filters import data_date_range, data_start, previous_period_gap
    from core.overview import privacy as overview_privacy
    from core.overview import queries

    with open_db(args.db, read_only=True) as con:
        currency = read_settings(con).currency
        filters = filters_from_args(args, con)
        kpis = overview_privacy.private_kpis(queries.kpis(con, filters))
        share = overview_privacy.private_channel_share(queries.channel_share(con, filters))
        groups = overview_privacy.private_channel_counts(queries.customers_by_channel_count(con, filters))
        pairs = overview_privacy.private_pair_overlap(queries.channel_pair_overlap(con, filters))
        gap = previous_period_gap(filters, data_start(con))
        first, last = data_date_range(con)
    previous = filters.previous_period()
    payload = {
        "db": str(args.db), "currency": currency.code,
        "filters": {"start": filters.start, "end": filters.end, "channels": filters.channels},
        "previous_period": None if previous is None else {"start": previous.start, "end": previous.end},
        "previous_period_gap": gap,
        "kpis": kpis,
        "channel_share": share,
        "buyers_by_channel_count": groups,
        "channel_pairs": pairs,
    }
    return emit(args, payload, "\n".join(_text(filters, gap, first, last, kpis, share, currency)))


def _text(filters: Filters, gap: str | None, first: dt.date | None, last: dt.date | None,
          kpis: pd.DataFrame, share: pd.DataFrame, currency: Currency) -> list[str]:
    """The text report: the period and its comparison, then one line per KPI and per channel."""
    from core.formatting import format_delta, format_value
    from core.overview.queries import KPI_DEFINITIONS

    start, end = filters.start or first, filters.end or last
    channels = "all sales channels" if filters.channels is None else ", ".join(filters.channels)
    if start is None or end is None:
        lines = ["Overview: the database has no orders yet."]
    else:
        previous = filters.previous_period()
        compared = f"compared with {previous.start} – {previous.end}" if gap is None else f"no change shown: {gap}"
        lines = [f"Overview {start} – {end} ({(end - start).days + 1} days, {channels}); {compared}."]
    rows = []
    for row in kpis.to_dict("records"):
        metric = KPI_DEFINITIONS[row["metric"]]
        delta = format_delta(row, metric.unit)
        rows.append({"label": metric.label,
                     "value": small_group_label() if row["hidden"] else format_value(row["value"], metric.unit, currency),
                     "delta": f" {delta} vs previous period" if delta else ""})
    lines += text_table(pd.DataFrame(rows), right=["value"], widths=_WIDTHS)
    if share.empty:
        if first is not None:
            lines.append("No orders match the period and channels.")
    else:
        lines.append("Share of revenue by sales channel:")
        lines += text_table(pd.DataFrame({
            "label": share["channel"],
            "value": [format_value(v, "share") for v in share["revenue_share"]],
            "revenue": [f" ({format_value(v, 'money', currency)})" for v in share["revenue"]],
        }), right=["value"], widths=_WIDTHS)
    return lines


_WIDTHS = {"label": 16, "value": 14}
"""Column widths of the text report, so the KPIs and the channel shares line up."""
