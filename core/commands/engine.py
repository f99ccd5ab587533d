"""Engine commands: ``omnimix export`` writes a database as the Parquet lake the Spark engine reads."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands.output import add_json_flag, emit
from core.store.db import DEFAULT_DB


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write every table as Parquet (orders, events, touchpoints by month) "
                                      "for the Spark engine (OMNIMIX_WAREHOUSE)")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--parquet", type=Path, required=True, metavar="DIR", help="folder to write (created atomically)")
    p.add_argument("--force", action="store_true", help="replace an existing export in DIR")
    add_json_flag(p)
    p.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    from core.engine.export import export_parquet

    summary = export_parquet(args.db, args.parquet, overwrite=args.force)
    rows = sum(summary["tables"].values())
    return emit(args, {"db": str(args.db), **summary},
                f"Exported {len(summary['tables'])} tables ({rows:,} rows) from {args.db} to {summary['lake']} "
                f"in {summary['seconds']:.1f} s; by month: {', '.join(summary['partitioned']) or 'none'}.\n"
                f"Use it with OMNIMIX_ENGINE=spark OMNIMIX_WAREHOUSE={summary['lake']}.")
