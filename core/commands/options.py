"""Command-line options shared by several commands: seeds, the date range and sales-channel filters."""

from __future__ import annotations

import argparse
import datetime as dt

from core.db import OmnimixError
from core.filters import Filters

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


def add_filter_args(parser: argparse.ArgumentParser) -> None:
    """``--start``, ``--end`` (inclusive ISO dates) and ``--channels a,b``; all optional."""
    parser.add_argument("--start", help="first order date to include, YYYY-MM-DD (default: first in the data)")
    parser.add_argument("--end", help="last order date to include, YYYY-MM-DD (default: last in the data)")
    parser.add_argument("--channels", help="comma-separated sales channels (default: all)")


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise OmnimixError(f"{option} must be a date like 2025-01-31 (got '{value}').") from None


def filters_from_args(args: argparse.Namespace) -> Filters:
    """The :class:`Filters` described by :func:`add_filter_args` options, checked."""
    start, end = _date(args.start, "--start"), _date(args.end, "--end")
    if start and end and start > end:
        raise OmnimixError(f"--start ({start}) is after --end ({end}).")
    channels = None
    if args.channels is not None:
        channels = tuple(sorted({c.strip() for c in args.channels.split(",") if c.strip()}))
        if not channels:
            raise OmnimixError("--channels is empty; name at least one sales channel or leave it out.")
    return Filters(start, end, channels)
