"""Data commands: init, generate, info."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.commands.options import seed_arg
from core.commands.output import add_json_flag, emit
from core.commands.warm import add_warm_flag, warm_after_write
from core.errors import OmnimixError
from core.store.db import DEFAULT_DB, init_db, open_db
from core.store.schema import DATA_TABLES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create an empty database with the schema and standard channels")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    add_json_flag(p)
    p.set_defaults(handler=_init)

    p = sub.add_parser("generate", help="generate the seeded omnichannel sample with known truth")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--customers", type=int, default=50_000)
    p.add_argument("--seed", type=seed_arg, default=42, help="random seed, 0 to 2**32-1 (default 42)")
    p.add_argument("--weeks", type=int, default=156, help="weeks of history (default 156 = 3 years)")
    p.add_argument("--force", action="store_true", help="overwrite an existing database file")
    add_warm_flag(p)
    add_json_flag(p)
    p.set_defaults(handler=_generate)

    p = sub.add_parser("info", help="row counts and date ranges of a database")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    add_json_flag(p)
    p.set_defaults(handler=_info)


def _init(args: argparse.Namespace) -> int:
    init_db(args.db)
    return emit(args, {"db": str(args.db), "tables": list(DATA_TABLES)},
                f"Initialised {args.db} ({len(DATA_TABLES)} tables: {', '.join(DATA_TABLES)}).")


def _generate(args: argparse.Namespace) -> int:
    from core.generator import generate_database

    if args.customers < 10:
        raise OmnimixError(f"--customers must be at least 10 (got {args.customers}).")
    if not 20 <= args.weeks <= 520:
        raise OmnimixError(f"--weeks must be between 20 and 520 (got {args.weeks}).")
    summary = generate_database(args.db, n_customers=args.customers, seed=args.seed, n_weeks=args.weeks,
                                overwrite=args.force, warm=False)
    _note_write(args.db)
    counts = ", ".join(f"{k} {v:,}" for k, v in summary["rows"].items())
    warm, warm_line = warm_after_write(args, args.db)  # a failed step: a note on stderr, the data is kept
    return emit(args, summary | warm, f"Generated {args.db} in {summary['seconds']:.1f} s: {counts}.\n{warm_line}")


def _info(args: argparse.Namespace) -> int:
    from core.store.reads import database_summary

    with open_db(args.db, read_only=True) as con:
        summary = database_summary(con)
    lines = [f"{t}: {n:,} rows" for t, n in summary["rows"].items()]
    if summary.get("first_order"):
        lines.append(f"orders from {summary['first_order']} to {summary['last_order']}")
    engine = _engine(args.db)
    lines.append(f"engine: {engine['description']}")
    return emit(args, {"db": str(args.db), **summary, "engine": engine}, "\n".join(lines))


def _note_write(db: Path) -> None:
    """On stderr: with OMNIMIX_ENGINE=spark the generator wrote DuckDB, not the lake (see core.engine)."""
    from core.engine import write_note

    if note := write_note(db):
        print(f"omnimix: {note}", file=sys.stderr)


def _engine(db: Path) -> dict:
    """The configured query engine (OMNIMIX_ENGINE etc., see core.engine) and the data it reads."""
    from core.engine import engine_config

    config = engine_config()
    return {**config.as_dict(db), "description": config.describe(db)}
