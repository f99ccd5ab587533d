"""The ``settings`` command: show or change a database's currency, business name and week start."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands.output import add_json_flag, emit
from core.store.db import DEFAULT_DB


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``omnimix settings`` to the CLI.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``omnimix`` parser.
    """
    p = sub.add_parser(
        "settings",
        help="show or change the database's currency, business name and first day of the week",
        description="Without options, shows the settings. Settings belong to the database: every page, "
        "report and command reading it uses them. A database without settings is shown in EUR, weeks from Monday.",
    )
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    add_currency_arg(p)
    p.add_argument("--name", dest="business_name", metavar="TEXT",
                   help="business name, shown in the dashboard sidebar and the report title ('' clears it)")
    p.add_argument("--week-start", metavar="DAY", help="first day of a displayed week: monday (default) ... sunday")
    add_json_flag(p)
    p.set_defaults(handler=_settings)


def add_currency_arg(parser: argparse.ArgumentParser) -> None:
    """``--currency CODE``, checked by :func:`core.settings.currency` (its error lists the supported codes)."""
    parser.add_argument("--currency", metavar="CODE",
                        help="ISO code of the data's currency, e.g. EUR, GBP, USD, JPY (see 'omnimix settings')")


def settings_text(settings) -> str:  # noqa: ANN001 - core.settings.Settings, imported lazily
    c = settings.currency
    name = settings.business_name or "(not set)"
    return "\n".join([
        f"currency: {c.code} ({c.name}; amounts written {c.amount(1234.5)})",
        f"business name: {name}",
        f"week starts on: {settings.week_start.capitalize()}",
    ])


def _settings(args: argparse.Namespace) -> int:
    from core.settings import read_settings, validate_changes, write_settings
    from core.store.db import open_db

    changes = {"currency": args.currency, "business_name": args.business_name, "week_start": args.week_start}
    if any(v is not None for v in changes.values()):
        validate_changes(**changes)  # a bad value is refused before the file is opened for writing
        with open_db(args.db) as con:
            settings = write_settings(con, **changes)
        head = f"Saved the settings of {args.db}."
    else:
        with open_db(args.db, read_only=True) as con:
            settings = read_settings(con)
        head = f"Settings of {args.db}:"
    return emit(args, {"db": str(args.db), **settings.to_dict()}, f"{head}\n{settings_text(settings)}")
