"""The dashboard-wide filters (date range and channels) every query respects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Filters:
    """Date range (inclusive, by order/event date) and channels; ``channels=None`` means all.

    Frozen and hashable so cached query wrappers can key on it.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    channels: tuple[str, ...] | None = None

    def sql(self, ts_column: str, channel_column: str | None) -> tuple[str, list]:
        """A WHERE fragment (always valid, ``TRUE`` when empty) and its parameters.

        Column names come from our own code, never from users; values go in as parameters.
        """
        clauses, params = ["TRUE"], []
        if self.start is not None:
            clauses.append(f"{ts_column} >= ?")
            params.append(dt.datetime.combine(self.start, dt.time.min))
        if self.end is not None:
            clauses.append(f"{ts_column} < ?")
            params.append(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))
        if self.channels is not None and channel_column is not None:
            clauses.append(f"list_contains(?, {channel_column})")
            params.append(list(self.channels))
        return " AND ".join(clauses), params

    @property
    def days(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).days + 1

    def previous_period(self) -> Filters | None:
        """The period of equal length that ends the day before ``start``."""
        if self.days is None:
            return None
        prev_end = self.start - dt.timedelta(days=1)
        return Filters(prev_end - dt.timedelta(days=self.days - 1), prev_end, self.channels)


def data_date_range(con: duckdb.DuckDBPyConnection) -> tuple[dt.date | None, dt.date | None]:
    """First and last order date in the database (``(None, None)`` when there are no orders)."""
    row = con.execute("SELECT min(order_ts)::DATE, max(order_ts)::DATE FROM orders").fetchone()
    return row[0], row[1]
