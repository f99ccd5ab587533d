"""Number formats and column headers the dashboard's tables share, defined once for every page.

The formats are those of ``st.column_config.NumberColumn`` (what :func:`dashboard.components.table`
takes in ``formats=``); the headers are what a column of that name is called wherever it is shown.
How a single figure is written (``€1.23M``, ``4.52×``) is :mod:`core.formatting`, shared with the CLI.
"""

from __future__ import annotations

EUR = "euro"
"""Amounts in EUR with cents, e.g. ``€1,234.50``."""
PCT = "percent"
"""Fractions shown in %, e.g. 0.125 -> ``12.5%``."""
COUNT = "localized"
"""Counts with thousands separators."""
RATIO = "%.2f"
"""Ratios and scores with two decimals (ROAS, novelty, seconds)."""
WHOLE = "%,.0f"
"""Whole numbers with separators (amounts in EUR without cents)."""

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
