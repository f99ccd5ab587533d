"""The heavy queries on DuckDB and on local Spark, side by side, with rows scanned per second.

    .venv/bin/python benchmarks/bench_engines.py [--db /tmp/attrb_1m_s1.duckdb] [--lake /tmp/lake_1m]
        [--spark local[2]] [--memory 4g] [--engines duckdb,spark] [--only overview_kpis,cohorts]

The same query functions run unchanged on a DuckDB connection to ``--db`` and on a
:class:`core.engine.spark.SparkConnection` over ``--lake`` (written once by ``omnimix export``;
the script exports it when missing). Each query runs ``--runs`` times per engine (default 2); the last (warm) time is
the figure, the first is printed too (on Spark it includes planning and code generation).
"Rows scanned" adds up the rows of the tables a query reads (every one of them, whatever the
filter): a throughput figure to scale from, not a count of bytes read. Figures depend on the
load of the machine: the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.filters import Filters  # noqa: E402


def queries(last_order: dt.date) -> dict[str, tuple[tuple[str, ...], Callable]]:
    """Name → (tables read, function of a connection); the last 26 weeks as the page period."""
    from core.attribution.paths import build_paths
    from core.clv.summary import rfm_summary
    from core.insight.cohorts import cohort_table
    from core.insight.funnels import funnel_comparison
    from core.insight.journeys import channel_journeys
    from core.mmm.weekly import from_db as weekly_from_db
    from core.overview import queries as q
    from core.recs.interactions import load_log
    from core.segments.features import customer_features

    period = Filters(last_order - dt.timedelta(weeks=26) + dt.timedelta(days=1), last_order)
    year = Filters(last_order - dt.timedelta(weeks=52) + dt.timedelta(days=1), last_order)
    lines = ("orders", "order_items")
    return {
        "overview_kpis": (("orders", "order_items", "events", "marketing_spend"), lambda c: q.kpis(c, period)),
        "overview_trends": (lines, lambda c: q.channel_timeseries(c, year, grain="week")),
        "channel_overlap": (("orders",), lambda c: q.channel_pair_overlap(c, period)),
        "segment_features": (("orders", "order_items", "products", "events", "customers"),
                             lambda c: customer_features(c, year).table),
        "rfm_summary": (lines, lambda c: rfm_summary(c)),
        "cohorts": (lines, lambda c: cohort_table(c, year)),
        "funnels": (("events",), lambda c: funnel_comparison(c, period)),
        "journeys": (("orders",), lambda c: channel_journeys(c, year)),
        "weekly_revenue_spend": (("orders", "order_items", "marketing_spend"), lambda c: weekly_from_db(c).frame),
        # One row per touch and order of the period comes back: the attribution models run in Python.
        "attribution_paths": (("touchpoints", "orders", "order_items"), lambda c: build_paths(c, period).touch_path),
        "recs_interactions": (("orders", "order_items", "events", "customers", "products"),
                              lambda c: load_log(c, start=dt.datetime.combine(period.start, dt.time.min))),
    }


def _run(con, fn: Callable, runs: int) -> tuple[float, float, int]:
    """First and last time of ``runs`` calls (the same with ``runs=1``) and the rows returned."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn(con)
        times.append(time.perf_counter() - t0)
    return times[0], times[-1], len(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/attrb_1m_s1.duckdb"))
    parser.add_argument("--lake", type=Path, default=Path("/tmp/lake_1m"))
    parser.add_argument("--spark", default="local[2]")
    parser.add_argument("--memory", default="4g", help="Spark driver memory (local mode: the whole Spark)")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--only", help="comma-separated query names")
    parser.add_argument("--runs", type=int, default=2, help="calls per query and engine; the last is reported")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not args.db.exists():
        print(f"skipped: {args.db} does not exist (generate one with 'omnimix generate --customers 1000000').")
        return 0
    from core.engine.export import export_parquet, read_manifest
    from core.filters import data_date_range
    from core.store.db import connect

    if not args.lake.exists() and "spark" in args.engines:
        print(f"exporting {args.db} to {args.lake} ...", flush=True)
        print(json.dumps(export_parquet(args.db, args.lake)), flush=True)
    if args.lake.exists():
        rows = {n: t["rows"] for n, t in read_manifest(args.lake)["tables"].items()}
    else:
        with connect(args.db, read_only=True) as con:
            rows = {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]
                    for n in ("orders", "order_items", "events", "customers", "products", "marketing_spend")}
    print(f"load average before: {os.getloadavg()}; rows: orders {rows['orders']:,}, "
          f"order_items {rows['order_items']:,}, events {rows['events']:,}, customers {rows['customers']:,}", flush=True)
    with connect(args.db, read_only=True) as con:
        last = data_date_range(con)[1]
    todo = queries(last)
    if args.only:
        todo = {k: v for k, v in todo.items() if k in set(args.only.split(","))}
    results: dict[str, dict] = {name: {"rows_scanned": sum(rows.get(t, 0) for t in tables)} for name, (tables, _) in todo.items()}
    engines = args.engines.split(",")
    if "duckdb" in engines:
        with connect(args.db, read_only=True) as con:
            for name, (_, fn) in todo.items():
                cold, warm, n = _run(con, fn, args.runs)
                results[name]["duckdb"] = {"cold_s": round(cold, 2), "warm_s": round(warm, 2), "rows_out": n}
                print(f"duckdb {name:22s} cold {cold:7.2f} s  warm {warm:7.2f} s  "
                      f"{results[name]['rows_scanned'] / warm / 1e6:8.1f} M rows/s", flush=True)
    if "spark" in engines:
        from core.engine.spark import SparkConnection, spark_session

        warnings.filterwarnings("ignore", category=FutureWarning)
        t0 = time.perf_counter()
        session = spark_session(args.spark, conf={"spark.driver.memory": args.memory})
        con = SparkConnection(session, args.lake)
        print(f"spark session started in {time.perf_counter() - t0:.1f} s", flush=True)
        for name, (_, fn) in todo.items():
            cold, warm, n = _run(con, fn, args.runs)
            results[name]["spark"] = {"cold_s": round(cold, 2), "warm_s": round(warm, 2), "rows_out": n}
            print(f"spark  {name:22s} cold {cold:7.2f} s  warm {warm:7.2f} s  "
                  f"{results[name]['rows_scanned'] / warm / 1e6:8.1f} M rows/s", flush=True)
        session.stop()
    print(f"load average after: {os.getloadavg()}")
    print(f"\n{'query':22s} {'rows scanned':>14s} " + " ".join(f"{e + ' s':>10s} {e + ' Mrow/s':>13s}" for e in engines))
    for name, r in results.items():
        cells = []
        for e in engines:
            if e in r:
                cells.append(f"{r[e]['warm_s']:10.2f} {r['rows_scanned'] / r[e]['warm_s'] / 1e6:13.1f}")
        print(f"{name:22s} {r['rows_scanned']:14,d} " + " ".join(cells))
    if args.json:
        args.json.write_text(json.dumps({"load_average_after": os.getloadavg(), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
