"""Command-line options shared by several commands: seeds, the date range and sales-channel filters."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence

import duckdb

from core.errors import OmnimixError
from core.filters import Filters
from core.store.db import open_db

MAX_SEED = 2**32 - 1  # numpy's SeedSequence and scikit-learn's random_state take 0 .. 2**32 - 1


def seed_arg(value: str) -> int:
    """argparse ``type`` for ``--seed``: a whole number from 0 to 2**32 - 1.

    Parameters
    ----------
    value : str
        The option's text.

    Returns
    -------
    int

    Raises
    ------
    argparse.ArgumentTypeError
        Not a whole number in range; argparse prints it as one line and exits with code 2.
    """
    try:
        seed = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {MAX_SEED} (got '{value}')") from None
    if not 0 <= seed <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {MAX_SEED} (got {seed})")
    return seed


def add_filter_args(parser: argparse.ArgumentParser, *, default_start: str = "first in the data") -> None:
    """Add ``--start``, ``--end`` (inclusive ISO dates) and ``--channels a,b``; all optional.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    default_start : str, default="first in the data"
        What a missing ``--start`` means for this command, for the help text.
    """
    parser.add_argument("--start", help=f"first order date to include, YYYY-MM-DD (default: {default_start})")
    parser.add_argument("--end", help="last order date to include, YYYY-MM-DD (default: last in the data)")
    parser.add_argument("--channels", help="comma-separated sales channels, e.g. web,app (default: all)")


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise OmnimixError(f"{option} must be a date written YYYY-MM-DD (got '{value}').") from None


def check_channels(con: duckdb.DuckDBPyConnection, channels: Sequence[str] | None) -> None:
    """Refuse sales channels the database does not have, naming them and the known ones.

    Without this an unknown channel only shows up as "no orders match", which hides the typo.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection to the command's database.
    channels : sequence of str or None
        The ``--channels`` values; ``None`` means all channels and is always fine.

    A declared sales channel without orders is refused too, in its own words: the dashboard
    does not offer it, and a figure over it could only be empty.

    Raises
    ------
    OmnimixError
        E.g. "Unknown sales channel(s) teleshop in --channels; the data has app, marketplace, ..."
        or "Sales channel(s) store in --channels have no orders in this database; ...".
    """
    # pandas-heavy; imported here to keep `omnimix --help` fast
    from core.store.reads import sales_channels, sales_channels_without_orders

    if not channels:
        return
    known = sales_channels(con)
    idle = sales_channels_without_orders(con)
    listed = ', '.join(known) or 'no sales channels'
    unknown = [c for c in channels if c not in known and c not in idle]
    if unknown:
        raise OmnimixError(f"Unknown sales channel(s) {', '.join(unknown)} in --channels; the data has {listed}.")
    empty = [c for c in channels if c in idle]
    if empty:
        raise OmnimixError(f"Sales channel(s) {', '.join(empty)} in --channels have no orders in this database; "
                           f"channels with orders: {listed}.")


def filters_from_args(args: argparse.Namespace, con: duckdb.DuckDBPyConnection | None = None) -> Filters:
    """The :class:`Filters` described by :func:`add_filter_args` options, checked.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options with ``start``, ``end``, ``channels`` (and ``db``).
    con : duckdb.DuckDBPyConnection, optional
        Open connection used to check ``--channels`` (:func:`check_channels`); without it
        ``args.db`` is opened read-only for the check when channels are given.

    Returns
    -------
    Filters
        Dates as given (``None`` when left out) and the channels sorted, or ``None`` for all.

    Raises
    ------
    OmnimixError
        A date not written YYYY-MM-DD, ``--start`` after ``--end``, an empty ``--channels``
        or a channel the database does not sell in; one sentence each.
    """
    start, end = _date(args.start, "--start"), _date(args.end, "--end")
    if start and end and start > end:
        raise OmnimixError(f"--start ({start}) is after --end ({end}).")
    channels = None
    if args.channels is not None:
        channels = tuple(sorted({c.strip() for c in args.channels.split(",") if c.strip()}))
        if not channels:
            raise OmnimixError("--channels is empty; name at least one sales channel or leave it out.")
        if con is not None:
            check_channels(con, channels)
        else:
            with open_db(args.db, read_only=True) as own:
                check_channels(own, channels)
    return Filters(start, end, channels)
