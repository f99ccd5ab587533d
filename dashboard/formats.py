"""Number formats and column headers the dashboard's tables share, defined once for every page.

The formats are those of ``st.column_config.NumberColumn`` (what :func:`dashboard.components.table`
takes in ``formats=``); the headers are what a column of that name is called wherever it is shown.
How a single figure is written (``€1.23M``, ``4.52×``) is :mod:`core.formatting`, shared with the CLI.
Amounts use the database's currency (:func:`money`), so their format is asked for on every run.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.settings import Currency
from dashboard import money as _money

MONEY = "money"
"""Placeholder format of an amount in a table's format mapping, see :func:`resolve`."""


def resolve(mapping: Mapping[str, str], currency: Currency | None = None) -> dict[str, str]:
    """``mapping`` (headers or formats) for ``currency``: ``{currency}`` becomes its code, :data:`MONEY` its format.

    Examples
    --------
    >>> from core.settings import CURRENCIES
    >>> resolve({"revenue": "Revenue ({currency})", "spend": MONEY}, CURRENCIES["GBP"])
    {'revenue': 'Revenue (GBP)', 'spend': '£%,.2f'}
    """
    currency = currency or _money.currency()
    return {k: money(currency) if v == MONEY else v.replace("{currency}", currency.code) for k, v in mapping.items()}


def money(currency: Currency | None = None, *, whole: bool = False) -> str:
    """Format of amounts in the database's currency with its decimals: ``£%,.2f``, ``%,.2f kr``, ``¥%,.0f``.

    Parameters
    ----------
    currency : Currency, optional
        Default: the currency of the dashboard's database (:func:`dashboard.money.currency`).
    whole : bool, default=False
        Without decimals.
    """
    return (currency or _money.currency()).printf(whole=whole)

PCT = "percent"
"""Fractions shown in %, e.g. 0.125 -> ``12.5%``."""
COUNT = "localized"
"""Counts with thousands separators."""
RATIO = "%.2f"
"""Ratios and scores with two decimals (ROAS, novelty, seconds)."""
WHOLE = "%,.0f"
"""Whole numbers with separators (for amounts use ``money(whole=True)``, which adds the symbol)."""

COLUMN_LABELS: dict[str, str] = {
    "channel": "Channel",
    "name": "Product",
    "category": "Category",
    "brand": "Brand",
    "price_tier": "Price tier",
    "revenue": "Revenue",
    "orders": "Orders",
    "buyers": "Buyers",
    "customers": "Customers",
    "revenue_share": "% of revenue",
    "orders_share": "% of orders",
    "meaning": "Meaning",
}
"""Header of each column name that several tables show."""


def labels(*columns: str, **headers: str) -> dict[str, str]:
    """Column -> header for a table, in this order: ``columns`` by their shared header, then ``headers``.

    Examples
    --------
    >>> labels("channel", "revenue", customers="Buyers")
    {'channel': 'Channel', 'revenue': 'Revenue', 'customers': 'Buyers'}
    """
    return {**{c: COLUMN_LABELS[c] for c in columns}, **headers}
