"""The ``load`` command: append a user's CSV or Parquet file to one table, all or nothing."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands.output import add_json_flag, emit
from core.commands.settings import add_currency_arg
from core.commands.warm import add_warm_flag, warm_after_write
from core.store.db import DEFAULT_DB
from core.store.loader import LOAD_ORDER, load_file, parse_mapping


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``omnimix load`` to the CLI.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``omnimix`` parser.
    """
    p = sub.add_parser(
        "load",
        help="check a CSV/Parquet file and append it to a table (nothing is loaded if any row is bad)",
        description=f"Load tables in this order so references resolve: {', '.join(LOAD_ORDER)}. "
        "A database path that does not exist is created with the schema first. "
        "Afterwards the slow first views are precomputed for the new data (--no-warm skips it).",
    )
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    # No argparse `choices`: the loader's own message lists the loadable tables and keeps exit code 2.
    p.add_argument("--table", required=True, help=f"target table: {', '.join(LOAD_ORDER)}")
    p.add_argument("file", type=Path, metavar="FILE", help=".csv, .tsv, .txt or .parquet file with a header row")
    p.add_argument("--map", action="append", default=[], metavar="SRC=DEST",
                   help="use file column SRC for table column DEST (repeatable), e.g. --map when=order_ts")
    add_currency_arg(p)
    add_warm_flag(p)
    add_json_flag(p)
    p.set_defaults(handler=_load)


def _load(args: argparse.Namespace) -> int:
    from core.settings import validate_changes, write_settings
    from core.store.db import open_db

    mapping = parse_mapping(args.map)  # bad syntax raises before the database is touched
    if args.currency is not None:
        validate_changes(currency=args.currency)  # an unknown code stops before anything is loaded
    report = load_file(args.db, args.table, args.file, mapping)
    currency = None
    if args.currency is not None:
        with open_db(args.db) as con:
            currency = write_settings(con, currency=args.currency).currency.code
    lines = [f"Loaded {report.rows_loaded:,} rows into {report.table} from {report.file} ({report.seconds:.2f} s)."]
    renamed = [f"{src} -> {dest}" for src, dest in report.columns_mapped.items() if src != dest]
    if renamed:
        lines.append(f"Mapped columns: {', '.join(renamed)}.")
    if report.columns_ignored:
        lines.append(f"Ignored columns (not in {report.table}): {', '.join(report.columns_ignored)}.")
    if report.columns_missing:
        lines.append(f"Not in the file, left empty: {', '.join(report.columns_missing)}.")
    lines.extend(report.notes)
    payload = {"db": str(args.db), **report.to_dict()}
    if currency is not None:
        lines.append(f"Currency of the database's amounts: {currency}.")
        payload["currency"] = currency
    warm, warm_line = warm_after_write(args, args.db)  # after every write is closed; a failed step only notes
    lines.append(warm_line)
    return emit(args, payload | warm, "\n".join(lines))
