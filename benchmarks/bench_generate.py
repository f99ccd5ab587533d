"""Sample generation time against DuckDB inserting the same number of rows from range().

Both runs write a fresh DuckDB file with the same schema, add the same primary keys at the
end and checkpoint, so the ratio isolates what our generator adds on top of DuckDB's own
cost of storing that many rows (goal: at most 1.5x).

    .venv/bin/python benchmarks/bench_generate.py --customers 1000000 [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from core.generator import generate_database  # noqa: E402
from core.store.schema import add_primary_keys, create_schema  # noqa: E402

# One INSERT per table, producing the same column types (text ids built the same way).
RANGE_INSERTS = {
    "customers": "SELECT 'C' || lpad(CAST(i + 1 AS VARCHAR), 7, '0'), DATE '2020-01-01' + CAST(i % 2000 AS INTEGER), "
                 "'North', '25-34', 'web' FROM range(?) t(i)",
    "truth_personas": "SELECT 'C' || lpad(CAST(i + 1 AS VARCHAR), 7, '0'), 'persona' FROM range(?) t(i)",
    "truth_customer_future": "SELECT 'C' || lpad(CAST(i + 1 AS VARCHAR), 7, '0'), i % 2 = 0, i % 5, (i % 5) * 40.0 "
                             "FROM range(?) t(i)",
    "products": "SELECT 'P' || lpad(CAST(i + 1 AS VARCHAR), 5, '0'), 'name ' || i, 'Books', 'Brand', 9.99, "
                "'description of product ' || i FROM range(?) t(i)",
    "orders": "SELECT 'O' || lpad(CAST(i + 1 AS VARCHAR), 9, '0'), 'C' || lpad(CAST(i % 1000 + 1 AS VARCHAR), 7, '0'), "
              "TIMESTAMP '2023-01-02' + to_seconds(i % 94000000), 'web' FROM range(?) t(i)",
    "order_items": "SELECT 'O' || lpad(CAST(i // 2 + 1 AS VARCHAR), 9, '0'), 'P' || lpad(CAST(i % 2 + 1 AS VARCHAR), 5, '0'), "
                   "1, 9.99 FROM range(?) t(i)",
    "events": "SELECT 'C' || lpad(CAST(i % 1000 + 1 AS VARCHAR), 7, '0'), 'P' || lpad(CAST(i % 5000 + 1 AS VARCHAR), 5, '0'), "
              "'web', 'view', TIMESTAMP '2023-01-02' + to_seconds(i % 94000000) FROM range(?) t(i)",
}


def range_baseline(path: Path, rows: dict[str, int]) -> float:
    t0 = time.perf_counter()
    con = duckdb.connect(str(path))
    con.execute("SET enable_progress_bar = false")
    create_schema(con, with_keys=False)
    for table, sql in RANGE_INSERTS.items():
        con.execute(f"INSERT INTO {table} {sql}", [rows[table]])
    add_primary_keys(con)
    con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path(__file__).resolve().parent.parent) as tmp:
        summary = generate_database(Path(tmp) / "gen.duckdb", n_customers=args.customers, seed=args.seed)
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        baseline = range_baseline(Path(tmp) / "range.duckdb", summary["rows"])
    generated_rows = sum(summary["rows"][t] for t in RANGE_INSERTS)
    result = {
        "customers": args.customers,
        "rows": summary["rows"],
        "rows_compared": generated_rows,
        "generate_seconds": summary["seconds"],
        "range_insert_seconds": round(baseline, 2),
        "ratio": round(summary["seconds"] / baseline, 2),
        "goal_ratio": 1.5,
        "peak_memory_gb": round(peak_gb, 2),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"customers {args.customers:,}: {generated_rows:,} rows; generate {result['generate_seconds']} s, "
              f"DuckDB range() insert {result['range_insert_seconds']} s, ratio {result['ratio']}x "
              f"(goal <= 1.5x); peak memory {result['peak_memory_gb']} GB")


if __name__ == "__main__":
    main()
