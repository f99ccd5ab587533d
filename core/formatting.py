"""How figures are written for people, the same on the dashboard and on the command line."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from core.settings.currency import Currency
from core.settings.currency import currency as _currency

MONEY = "money"
"""The unit of an amount in the database's currency (``"EUR"`` is accepted as a synonym)."""


def is_money(unit: str) -> bool:
    """Whether ``unit`` names an amount of money (``"money"``, or ``"EUR"`` as older callers write it)."""
    return unit in (MONEY, "EUR")


def format_value(value: float | None, unit: str, currency: Currency | str | None = None) -> str:
    """Compact display of a value in ``unit``: ``€1.23M``, ``12,345``, ``3.4%``, ``4.52×``; ``–`` if missing.

    Parameters
    ----------
    value : float or None
        The figure; ``None`` or NaN means there is none.
    unit : str
        ``"money"`` (or ``"EUR"``: an amount in ``currency``), ``"share"`` (a fraction, shown
        in %), ``"ratio"`` (shown with ×) or anything else for a count.
    currency : Currency or str, optional
        Currency of amounts (the database's setting, :mod:`core.settings`); default EUR.

    Returns
    -------
    str
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if is_money(unit):
        return _currency(currency).compact(value)
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit == "ratio":
        return f"{value:.2f}×"
    return f"{value:,.0f}"


def format_delta(row: Mapping[str, Any], unit: str) -> str | None:
    """Change vs the previous period: percentage points for shares, relative % otherwise.

    Parameters
    ----------
    row : mapping
        A row of :func:`core.overview.queries.kpis` (``change`` and ``change_pct``).
    unit : str
        The KPI's unit, see :func:`format_value`.

    Returns
    -------
    str or None
        ``"+0.1 pp"`` or ``"-3.2%"``; ``None`` when there is no change to show.
    """
    if unit == "share":
        change = row["change"]
        return None if pd.isna(change) else f"{change * 100:+.1f} pp"
    pct = row["change_pct"]
    return None if pd.isna(pct) else f"{pct:+.1f}%"


def short_money(value: float, currency: Currency | str | None = None) -> str:
    """An amount short enough for two in one metric card: ``€712k``, ``£1.40M``, ``€950``.

    Examples
    --------
    >>> short_money(712_345), short_money(1_404_000, "GBP"), short_money(950.4)
    ('€712k', '£1.40M', '€950')
    """
    return _currency(currency).short(value)


short_eur = short_money  # the name older callers import


def slug(text: str) -> str:
    """``text`` as a name for a file, widget key or column: lower-case ``a-z0-9`` words joined by ``_``.

    Used for feature columns (``ch_home_kitchen``) and download file names alike, so a name is
    always spelled the same way; text without any letter or digit becomes ``"x"``.

    Examples
    --------
    >>> slug("Home & Kitchen"), slug("Top products: segment 3"), slug("€")
    ('home_kitchen', 'top_products_segment_3', 'x')
    """
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "x"
