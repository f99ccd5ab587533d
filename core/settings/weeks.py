"""Weeks for display: one SQL expression that starts them on the database's first day of the week."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def week_start_sql(expr: str, offset: int = 0) -> str:
    """SQL for the first day (a DATE) of the week holding ``expr``, weeks starting ``offset`` days after Monday.

    DuckDB's ``date_trunc('week', ...)`` starts weeks on Monday; shifting back by ``offset``
    days, truncating and shifting forward again starts them on any day. ``offset`` is an int
    (0 Monday .. 6 Sunday, :attr:`core.settings.Settings.week_start_offset`), never user text.

    Examples
    --------
    >>> week_start_sql("o.order_ts")
    "date_trunc('week', (o.order_ts)::DATE)::DATE"
    """
    offset = int(offset)
    if not 0 <= offset <= 6:
        raise ValueError(f"week start offset must be 0 (Monday) to 6 (Sunday), got {offset}")
    if offset == 0:
        return f"date_trunc('week', ({expr})::DATE)::DATE"
    return f"(date_trunc('week', ({expr})::DATE - INTERVAL {offset} DAY) + INTERVAL {offset} DAY)::DATE"


def week_start_of(day: pd.Timestamp, offset: int = 0) -> pd.Timestamp:
    """The first day of the week holding ``day`` in pandas, matching :func:`week_start_sql`."""
    import pandas as pd  # pandas is heavy; the CLI parser imports this package

    day = pd.Timestamp(day).normalize()
    return day - pd.Timedelta(days=(day.weekday() - int(offset)) % 7)


def week_frequency(offset: int = 0) -> str:
    """pandas frequency whose stamps fall on the week's first day (``"W-MON"`` for Monday)."""
    return ("W-MON", "W-TUE", "W-WED", "W-THU", "W-FRI", "W-SAT", "W-SUN")[int(offset)]
