"""The Overview page on the command line: KPIs, channel share and cross-channel buyers."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands.options import add_filter_args, filters_from_args
from core.commands.output import add_json_flag, emit
from core.db import DEFAULT_DB, OmnimixError, open_db
from core.privacy import small_group_label


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("overview", help="KPIs against the previous period, channel share and cross-channel buyers")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    add_filter_args(p)
    add_json_flag(p)
    p.set_defaults(handler=_overview)


def _overview(args: argparse.Namespace) -> int:
    from core import overview_privacy, queries

    filters = filters_from_args(args)
    with open_db(args.db, read_only=True) as con:
        known = set(queries.sales_channels(con))
        unknown = sorted(set(filters.channels or ()) - known)
        if unknown:
            raise OmnimixError(f"Unknown sales channel(s) {', '.join(unknown)}; the data has {', '.join(sorted(known))}.")
        kpis = overview_privacy.private_kpis(queries.kpis(con, filters))
        share = overview_privacy.private_channel_share(queries.channel_share(con, filters))
        groups = overview_privacy.private_channel_counts(queries.customers_by_channel_count(con, filters))
        pairs = overview_privacy.private_pair_overlap(queries.channel_pair_overlap(con, filters))
    previous = filters.previous_period()
    payload = {
        "db": str(args.db),
        "filters": {"start": filters.start, "end": filters.end, "channels": filters.channels},
        "previous_period": None if previous is None else {"start": previous.start, "end": previous.end},
        "kpis": kpis,
        "channel_share": share,
        "buyers_by_channel_count": groups,
        "channel_pairs": pairs,
    }
    lines = [f"{r.metric}: {small_group_label() if r.hidden else f'{r.value:,.2f}'}" for r in kpis.itertuples()]
    lines += [f"{r.channel}: {r.revenue_share:.1%} of revenue" for r in share.itertuples()]
    return emit(args, payload, "\n".join(lines))
