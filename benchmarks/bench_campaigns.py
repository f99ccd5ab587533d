"""Time the Campaigns & content page's default view on a generated database.

Usage::

    .venv/bin/python benchmarks/bench_campaigns.py [--db /tmp/omnimix_50k.duckdb] [--customers 50000]

Generates the sample (seed 42) when ``--db`` does not exist, then times each core query of the
page's default view (the last 52 weeks, all sales channels) on a fresh read-only connection: the
campaign table (the first chart), SEO by landing page, by keyword group, all three in one pass
(the CLI), the weekly trend, the pages losing traffic, and the theme × segment heatmap with the default segmentation
(K-means fit included: the page shares it with the Segments page's cache, but the first visit pays it).
On generated data it also prints, per segment, the majority persona's truly best themes
(``truth_theme_affinity``) next to the page's "lead with".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path

import duckdb

from core.campaigns import seo
from core.campaigns.report import campaign_report
from core.campaigns.segments import default_membership
from core.campaigns.table import campaign_table
from core.campaigns.themes import lead_with, theme_segments
from core.filters import Filters, data_date_range

DEFAULT_DAYS = 364  # the dashboard's default period


def _timed(label: str, fn, *args, **kwargs):  # noqa: ANN001, ANN202
    # CPU time (all DuckDB threads) next to the wall time: on a shared machine the wall time
    # also counts waiting for other jobs, the CPU time does not.
    t, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    seconds = time.perf_counter() - t
    print(f"{label:<38} {seconds:6.2f} s wall {time.process_time() - cpu:6.2f} s CPU")
    return out, seconds


def _truth_check(con: duckdb.DuckDBPyConnection, members, leads) -> None:  # noqa: ANN001
    """On generated data: each segment's majority persona, its truly best themes, and what the page leads with."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if not {"truth_personas", "truth_theme_affinity"} <= tables:
        return
    con.register("bench_members", members)
    try:
        majority = con.execute(
            """SELECT segment, arg_max(persona, n) AS persona, max(n) / sum(n) AS share FROM (
                   SELECT segment, persona, count(*) AS n FROM bench_members JOIN truth_personas USING (customer_id)
                   GROUP BY ALL) GROUP BY segment ORDER BY segment""").fetchall()
        truth = con.execute("SELECT persona, theme, lift FROM truth_theme_affinity ORDER BY persona, lift DESC").df()
    finally:
        con.unregister("bench_members")
    hits = 0
    print("segment (majority persona): true best themes | lead with")
    for segment, persona, share in majority:
        best = truth[truth["persona"] == persona].head(2)
        lead = leads.loc[segment, "lead_with"]
        hits += bool(lead) and lead.split(", ")[0] == best["theme"].iloc[0]
        print(f"  {segment} ({persona}, {share:.0%}): "
              + ", ".join(f"{t} {v:.1f}" for t, v in zip(best["theme"], best["lift"], strict=True))
              + f" | {lead or 'none'}")
    print(f"lead with names the true best theme first in {hits} of {len(majority)} segments")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/omnimix_50k.duckdb"))
    parser.add_argument("--customers", type=int, default=50_000)
    args = parser.parse_args()
    if not args.db.exists():
        from core.generator import generate_database

        t = time.perf_counter()
        generate_database(args.db, n_customers=args.customers, seed=42)
        print(f"generated {args.customers:,} customers into {args.db} in {time.perf_counter() - t:.1f} s")
    with duckdb.connect(str(args.db), read_only=True) as con:
        rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("orders", "touchpoints", "campaigns")}
        first, last = data_date_range(con)
        filters = Filters(max(first, last - dt.timedelta(days=DEFAULT_DAYS - 1)), last)
        threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
        print(f"DuckDB threads: {threads}; "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"{args.db}: " + ", ".join(f"{n:,} {t}" for t, n in rows.items()) + f"; period {filters.start} – {filters.end}")
        total = 0.0  # the rest of the default view, after the first chart
        # The page: the campaign table first (its chart is the first one), then the selected SEO breakdown.
        _, first_chart = _timed("campaign table (first chart)", campaign_table, con, filters)
        _, s = _timed("SEO by landing page (page default)", seo.seo_breakdown, con, filters, "landing_page")
        total += s
        _timed("SEO by keyword group (on request)", seo.seo_breakdown, con, filters, "keyword_group")
        _timed("all three in one pass (omnimix campaigns)", campaign_report, con, filters)
        _, s = _timed("SEO weekly trend", seo.seo_trend, con, filters)
        total += s
        _, s = _timed("pages losing traffic", seo.losing_pages, con, filters.end)
        total += s
        members, s = _timed("default segmentation (k = 6)", default_membership, con, filters)
        total += s
        cells, s = _timed("themes x segments", theme_segments, con, filters, members)
        total += s
        leads = lead_with(cells).set_index("segment")
        _truth_check(con, members, leads)
    print(f"first chart (campaign table): {first_chart:.2f} s; whole default view: {first_chart + total:.2f} s")


if __name__ == "__main__":
    main()
