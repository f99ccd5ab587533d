"""Time every market-insight query on a large database (opened read-only).

Usage: ``.venv/bin/python benchmarks/bench_insight.py [--db PATH] [--threads 2] [--repeat 1] [--json]``.
The default database is ``/tmp/seg_bench_1000000.duckdb``, the generated sample at full size
(``generate_database(path, n_customers=1_000_000, seed=42)``: 1,000,000 customers, about 10M
orders, 19M order lines and 86M events); when it is missing the sample database is used and
the script says so. Prints one line per query: seconds
(best of ``--repeat``), the CPU seconds the process used for it, rows returned and whether it
meets the target of < 5 s on 2 cores, with the dashboard's default period (the last 52 weeks).
On a machine shared with other work the wall time overstates the cost; the CPU seconds do
not (much), and on 2 idle cores the wall time is at least half of them. The load average is
printed before and after.

``--page`` also times the Market insight page script (Streamlit AppTest, in-process, no
browser) on the sample database: the first run with empty caches and a second, cached run.
Target: under 2 s on the default sample.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import time
from pathlib import Path

from core.filters import Filters, data_date_range
from core.insight import channel_journeys, cohort_table, funnel_comparison, multichannel_value, weekly_channel_revenue
from core.store.db import DEFAULT_DB, connect

BIG_DB = Path("/tmp/seg_bench_1000000.duckdb")
TARGET_S = 5.0
PAGE_TARGET_S = 2.0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process, DuckDB's included
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help=f"database (default {BIG_DB}, else the sample)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--page", action="store_true", help="also time the page on the sample database")
    args = parser.parse_args()
    db = args.db or (BIG_DB if BIG_DB.exists() else DEFAULT_DB)
    if args.db is None and db != BIG_DB:
        print(f"{BIG_DB} is missing; timing the sample database instead.")
    con = connect(db, read_only=True)
    con.execute(f"SET threads = {int(args.threads)}")  # an int from argparse; SET takes no parameters
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("customers", "orders", "order_items", "events")}
    first, last = data_date_range(con)
    year = Filters(max(first, last - dt.timedelta(days=363)), last, None)
    queries = {
        "cohorts by first-order month (52 weeks)": lambda: cohort_table(con, year),
        "cohorts by acquisition channel (52 weeks)": lambda: cohort_table(con, year, by="acquisition"),
        "cohorts by first-order month (all history)": lambda: cohort_table(con, Filters(first, last, None)),
        "funnels, selected + previous period": lambda: funnel_comparison(con, year),
        "channel journeys": lambda: channel_journeys(con, year),
        "multi- vs single-channel value": lambda: multichannel_value(con, year),
        "weekly revenue + anomaly weeks": lambda: weekly_channel_revenue(con, year),
    }
    results = []
    if not args.json:
        print(f"{db}: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()) + f"; threads={args.threads}; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, run in queries.items():
        best, cpu, rows = float("inf"), float("inf"), 0
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), _cpu_seconds()
            rows = len(run())
            best, cpu = min(best, time.perf_counter() - t0), min(cpu, _cpu_seconds() - c0)
        results.append({"query": name, "seconds": round(best, 3), "cpu_seconds": round(cpu, 3), "rows": rows,
                        "meets_target": best < TARGET_S})
        if not args.json:
            print(f"{best:6.2f} s  cpu {cpu:6.2f} s  {rows:5d} rows  {'ok  ' if best < TARGET_S else 'MISS'}  {name}",
                  flush=True)
    if not args.json:
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    page = _time_page(DEFAULT_DB) if args.page else None
    if args.json:
        print(json.dumps({"db": str(db), "rows": counts, "threads": args.threads, "target_s": TARGET_S,
                          "load_average": os.getloadavg()[0], "results": results, "page": page}, indent=2))
    elif page:
        print(f"Market insight page on {DEFAULT_DB.name}: {page['cold_s']:.2f} s with empty caches, "
              f"{page['warm_s']:.2f} s cached (target < {PAGE_TARGET_S:g} s)")


def _time_page(db: Path) -> dict[str, float]:
    """Seconds of a first (empty caches) and a second (cached) run of the Market insight page."""
    os.environ["OMNIMIX_DB"] = str(db)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py"), default_timeout=300)
    at.run()  # the landing page: imports and the shared sidebar are not the page's cost
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        at.switch_page("../pages/insight.py").run()
        times.append(time.perf_counter() - t0)
        if at.exception:
            raise SystemExit(f"the page raised: {at.exception[0].value}")
        at.switch_page("../pages/overview.py").run()
    return {"cold_s": round(times[0], 3), "warm_s": round(times[1], 3)}


if __name__ == "__main__":
    main()
