"""``omnimix insight``: cohorts, funnels, channel journeys and anomaly weeks, small groups hidden."""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd

from core.commands.options import add_filter_args, filters_from_args
from core.commands.output import add_json_flag, emit, text_table
from core.errors import OmnimixError
from core.filters import Filters, data_date_range
from core.insight import (
    anomaly_weeks,
    channel_journeys,
    cohort_table,
    funnel_comparison,
    multichannel_value,
    readings,
    weekly_channel_revenue,
)
from core.insight.anomalies import DEFAULT_THRESHOLD
from core.insight.cohorts import COHORT_BY
from core.privacy import MIN_GROUP_SIZE
from core.settings import read_settings
from core.store.db import DEFAULT_DB, open_db

DEFAULT_DAYS = 364  # same default period as the dashboard: the last 52 weeks of data


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("insight", help="cohort retention, funnels, channel journeys and anomaly weeks",
                       description="Market insight for a period. Groups of fewer than --min-group customers "
                                   "are hidden and shown as 'fewer than N'.")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    add_filter_args(p, default_start="52 weeks before --end")
    p.add_argument("--cohort-by", choices=list(COHORT_BY), default="month",
                   help="group cohorts by first-order month or acquisition channel (default month)")
    p.add_argument("--months", type=int, default=12, help="months since first order to follow (default 12)")
    p.add_argument("--min-group", type=int, default=MIN_GROUP_SIZE,
                   help=f"hide groups of fewer customers than this (default {MIN_GROUP_SIZE})")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                   help=f"robust z-score beyond which a week is an anomaly (default {DEFAULT_THRESHOLD})")
    add_json_flag(p)
    p.set_defaults(handler=_insight)


def _last_52_weeks(con: duckdb.DuckDBPyConnection, filters: Filters) -> Filters:
    """``filters`` with missing dates filled in: the last 52 weeks of data, like the dashboard."""
    first, last = data_date_range(con)
    if first is None:
        raise OmnimixError("The database has no orders; load or generate data first.")
    end = filters.end or last
    start = filters.start or max(first, end - dt.timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise OmnimixError(f"--start ({start}) is after --end ({end}).")
    return replace(filters, start=start, end=end)


def _insight(args: argparse.Namespace) -> int:
    if args.min_group < 1:
        raise OmnimixError(f"--min-group must be at least 1 (got {args.min_group}).")
    if not 0 <= args.months <= 120:
        raise OmnimixError(f"--months must be between 0 and 120 (got {args.months}).")
    if args.threshold <= 0:
        raise OmnimixError(f"--threshold must be positive (got {args.threshold}).")
    n = args.min_group
    with open_db(args.db, read_only=True) as con:
        currency = read_settings(con).currency
        filters = _last_52_weeks(con, filters_from_args(args, con))
        cohorts = cohort_table(con, filters, by=args.cohort_by, max_months=args.months, min_group=n)
        funnels = funnel_comparison(con, filters, min_group=n)
        journeys = channel_journeys(con, filters, min_group=n)
        value = multichannel_value(con, filters, min_group=n)
        weekly = weekly_channel_revenue(con, filters, threshold=args.threshold, min_group=n)
    said = {
        "cohort_retention": readings.cohort_retention_reading(cohorts, by=args.cohort_by, min_group=n),
        "cohort_revenue": readings.cohort_revenue_reading(cohorts, by=args.cohort_by, min_group=n, currency=currency),
        "funnels": readings.funnel_reading(funnels, min_group=n),
        "journeys": readings.journey_reading(journeys, min_group=n),
        "multichannel_value": readings.value_reading(value, min_group=n, currency=currency),
        "anomalies": readings.anomaly_reading(weekly, min_group=n, currency=currency),
    }
    anomalies = anomaly_weeks(weekly)
    payload = {
        "db": str(args.db), "currency": currency.code,
        "filters": {"start": filters.start, "end": filters.end, "channels": list(filters.channels or []) or "all"},
        "min_group_size": n,
        "cohort_by": args.cohort_by,
        "readings": said,
        "cohorts": cohorts,
        "funnels": funnels,
        "journeys": journeys,
        "multichannel_value": value,
        "anomalies": anomalies,
        "anomaly_method": {"seasonal": bool(weekly.attrs.get("seasonal", False)), "threshold": args.threshold},
    }
    lines = [f"Insight {filters.start} – {filters.end} ({', '.join(filters.channels or ['all channels'])}); "
             f"groups under {n} customers hidden."]
    lines += [f"- {s}" for s in said.values()]
    if not anomalies.empty:
        lines.append("Anomaly weeks:")
        top = anomalies.head(10)
        lines += text_table(pd.DataFrame({
            "week": top["week"].astype(str),
            "channel": [f" {c}" for c in top["channel"]],  # two spaces after the week
            "change": [f"{d:+.0%} vs expected (z {z:+.1f})" for d, z in zip(top["deviation"], top["z_score"], strict=True)],
        }), widths={"channel": 13})
    return emit(args, payload, "\n".join(lines))
