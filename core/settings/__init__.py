"""Per-database settings: the currency amounts are shown in, the business name, the week start.

``read_settings``/``write_settings`` work on an open DuckDB connection; ``Currency`` says how
an amount is written (symbol, its side, decimals).  Functions that show amounts take a
``currency`` argument (default EUR): callers pass the one of the database they read.
"""

from importlib import import_module

from core.settings.currency import CURRENCIES, DEFAULT_CURRENCY, Currency, currency
from core.settings.weeks import week_start_sql

_STORE_NAMES = frozenset({"SETTINGS_TABLE", "WEEKDAYS", "Settings", "read_settings", "settings_of",
                          "validate_changes", "write_settings"})


def __getattr__(name: str) -> object:
    # The reading and writing half needs DuckDB; the models that only format amounts (core.mmm,
    # core.segments) must import without it, so it is loaded on first use.
    if name in _STORE_NAMES:
        return getattr(import_module("core.settings.store"), name)
    raise AttributeError(f"module 'core.settings' has no attribute {name!r}")

__all__ = ["CURRENCIES", "DEFAULT_CURRENCY", "SETTINGS_TABLE", "WEEKDAYS", "Currency", "Settings", "currency",
           "read_settings", "settings_of", "validate_changes", "week_start_sql", "write_settings"]
