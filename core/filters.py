"""The dashboard-wide filters (date range and channels) every query respects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for type hints: the numbers work without duckdb
    import duckdb



@dataclass(frozen=True)
class Filters:
    """Date range (inclusive, by order/event date) and channels; ``channels=None`` means all.

    Frozen and hashable so cached query wrappers can key on it.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    channels: tuple[str, ...] | None = None

    def sql(self, ts_column: str | None, channel_column: str | None) -> tuple[str, dict[str, Any]]:
        """A WHERE fragment (always valid, ``TRUE`` when empty) and its named parameters.

        The one filter builder of every query. Values always go in as parameters, named
        ``$start`` and ``$after_end`` (midnight at the start of the day after ``end``: timestamps
        are compared with ``>=`` / ``<``) and ``$channels``; named rather than ``?`` because
        queries reuse them (a filter applied to two tables in one statement) and add their own
        named values, and DuckDB cannot mix the two styles. Column names come from our own code,
        never from users.

        Parameters
        ----------
        ts_column : str or None
            Timestamp (or date) column tested against the period; None tests channels only.
        channel_column : str or None
            Channel column tested against ``channels``; None tests the period only.

        Returns
        -------
        (str, dict)
            E.g. ``("TRUE AND o.order_ts >= $start AND list_contains($channels, o.channel)",
            {"start": datetime(2025, 1, 6), "channels": ["app", "web"]})``.
        """
        clauses, params = ["TRUE"], {}
        if self.start is not None and ts_column is not None:
            clauses.append(f"{ts_column} >= $start")
            params["start"] = dt.datetime.combine(self.start, dt.time.min)
        if self.end is not None and ts_column is not None:
            clauses.append(f"{ts_column} < $after_end")
            params["after_end"] = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min)
        if self.channels is not None and channel_column is not None:
            clauses.append(f"list_contains($channels, {channel_column})")
            params["channels"] = list(self.channels)
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


def data_start(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The first day anything was recorded: the earliest order, event or spend week.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection.

    Returns
    -------
    datetime.date or None
        ``None`` when orders, events and marketing spend are all empty.
    """
    (first,) = con.execute(
        """SELECT least((SELECT min(order_ts)::DATE FROM orders), (SELECT min(event_ts)::DATE FROM events),
                        (SELECT min(week) FROM marketing_spend))"""
    ).fetchone()
    return first


def previous_period_gap(filters: Filters, first_day: dt.date | None) -> str | None:
    """Why :func:`core.overview.queries.kpis` has no previous-period figures for ``filters``, in words; ``None`` if it has them.

    A previous period that starts before the data would compare a full period with a partly
    empty one (a 60-week history shows +500% against last year), so it counts as missing.

    Parameters
    ----------
    filters : Filters
        The selected period.
    first_day : datetime.date or None
        :func:`data_start` of the database.

    Returns
    -------
    str or None
        E.g. ``"no full previous period in the data (2022-03-02 – 2023-02-27 starts before
        the first data on 2023-01-02)"``.
    """
    prev = filters.previous_period()
    if prev is None:
        return "no previous period without both a start and an end date"
    if first_day is None:
        return "no previous period: the database has no data"
    if prev.start < first_day:
        return (f"no full previous period in the data ({prev.start} – {prev.end} starts before "
                f"the first data on {first_day})")
    return None
