"""The weekly table a marketing-mix model learns from: week, revenue, spend per channel, controls.

Two sources give the same :class:`WeeklyData`:

- :func:`from_db` sums order revenue per Monday week and pivots ``marketing_spend`` to one
  column per media channel;
- :func:`from_frame` / :func:`read_csv` take the wide table marketing-mix users already keep
  (one row per week: a date, the target, one spend column per channel, optional controls).

Every problem in the input becomes an :class:`~core.store.db.OmnimixError` naming the column and,
where it applies, the row (1-based data row, as a spreadsheet shows it after the header).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.errors import OmnimixError
from core.numbers import parse_numbers

if TYPE_CHECKING:  # only for type hints: the numbers work without duckdb
    import duckdb

WEEK = "week"
REVENUE = "revenue"
PARAMS_PER_CHANNEL = 4  # coefficient, adstock decay, half-saturation, Hill shape
BASE_PARAMS = 6  # intercept, trend and two Fourier pairs (the default seasonality)
MIN_WEEKS_FLOOR = 26


@dataclass(frozen=True)
class WeeklyData:
    """A validated weekly table.

    Attributes
    ----------
    frame : pandas.DataFrame
        Columns ``week`` (Timestamp, 7 days apart, oldest first), ``revenue`` (EUR), one spend
        column per channel (EUR per week, >= 0) and one column per control.
    channels : tuple of str
        Spend columns, in the order the model reports them.
    controls : tuple of str
        Control columns (promotions, price index, events, ...).
    source : str
        Where the table came from, for captions ("database", "upload.csv").
    """

    frame: pd.DataFrame
    channels: tuple[str, ...]
    controls: tuple[str, ...] = ()
    source: str = "database"

    @property
    def weeks(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self.frame[WEEK])

    @property
    def revenue(self) -> np.ndarray:
        return self.frame[REVENUE].to_numpy(dtype=float)

    @property
    def spend(self) -> np.ndarray:
        """ndarray of shape (n_weeks, n_channels)."""
        return self.frame[list(self.channels)].to_numpy(dtype=float)

    @property
    def control_values(self) -> np.ndarray:
        """ndarray of shape (n_weeks, n_controls)."""
        return self.frame[list(self.controls)].to_numpy(dtype=float)

    def __len__(self) -> int:
        return len(self.frame)


def min_weeks(n_channels: int, n_controls: int = 0) -> int:
    """Fewest weeks accepted: about two observations per model parameter."""
    return max(MIN_WEEKS_FLOOR, 2 * (BASE_PARAMS + n_controls + PARAMS_PER_CHANNEL * n_channels))


_REVENUE_SQL = """
    SELECT date_trunc('week', o.order_ts)::DATE AS week, sum(i.quantity * i.unit_price) AS revenue
    FROM orders o JOIN order_items i USING (order_id)
    GROUP BY 1
"""
_SPEND_SQL = "SELECT week, channel, sum(spend) AS spend FROM marketing_spend GROUP BY 1, 2"


def from_db(con: duckdb.DuckDBPyConnection) -> WeeklyData:
    """Weekly revenue (all sales channels) and spend per media channel from an Omnimix database.

    Weeks are those with recorded marketing spend; a channel without a row in a week spent
    nothing that week, a week without orders had no revenue.
    """
    spend_long = con.execute(_SPEND_SQL).df()
    if spend_long.empty:
        raise OmnimixError("The database has no marketing spend; load marketing_spend before fitting the budget model.")
    revenue = con.execute(_REVENUE_SQL).df()
    spend = spend_long.pivot_table(index=WEEK, columns="channel", values="spend", aggfunc="sum", fill_value=0.0)
    spend.columns = [str(c) for c in spend.columns]
    weeks = pd.date_range(pd.Timestamp(spend.index.min()), pd.Timestamp(spend.index.max()), freq="7D")
    spend.index = pd.DatetimeIndex(spend.index)
    spend = spend.reindex(weeks, fill_value=0.0)
    rev = revenue.assign(week=pd.to_datetime(revenue[WEEK])).set_index(WEEK)[REVENUE].reindex(weeks, fill_value=0.0)
    frame = pd.DataFrame({WEEK: weeks, REVENUE: rev.to_numpy(dtype=float)})
    channels = tuple(c for c in spend.columns if spend[c].sum() > 0)
    for c in channels:
        frame[c] = spend[c].to_numpy(dtype=float)
    return validate(WeeklyData(frame, channels, (), "database"))


def from_frame(
    df: pd.DataFrame,
    *,
    date: str,
    target: str,
    channels: Sequence[str],
    controls: Sequence[str] = (),
    source: str = "CSV",
) -> WeeklyData:
    """Validate a user's wide weekly table and rename its date/target columns.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per week.
    date, target : str
        Column with the week (any date format pandas reads; one row every 7 days) and the
        column with revenue (EUR).
    channels : sequence of str
        Spend columns (EUR per week).
    controls : sequence of str, default=()
        Other drivers of revenue (promotion flags, price index, ...).

    Raises
    ------
    OmnimixError
        Missing or duplicated column, non-numeric or missing value, negative spend, a gap or
        duplicate week, or too few weeks; the message names the column and row.
    """
    channels, controls = [c.strip() for c in channels if c.strip()], [c.strip() for c in controls if c.strip()]
    if not channels:
        raise OmnimixError("Name at least one spend column with --channels (e.g. --channels search,social).")
    wanted = [date, target, *channels, *controls]
    dupes = sorted({c for c in wanted if wanted.count(c) > 1})
    if dupes:
        raise OmnimixError(f"Column {dupes[0]!r} is named twice among the date, target, channels and controls.")
    reserved = {WEEK, REVENUE} & set(channels + controls)
    if reserved:
        raise OmnimixError(f"A channel or control cannot be called {sorted(reserved)[0]!r}; rename that column.")
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise OmnimixError(
            f"Column {missing[0]!r} is not in the {source}; its columns are: {', '.join(map(str, df.columns))}."
        )
    with warnings.catch_warnings():  # "could not infer format": fine, each value is parsed on its own
        warnings.simplefilter("ignore", UserWarning)
        weeks = pd.to_datetime(df[date], errors="coerce")
    bad = np.flatnonzero(weeks.isna().to_numpy())
    if bad.size:
        raise OmnimixError(f"Column {date!r}, row {bad[0] + 1}: {df[date].iloc[bad[0]]!r} is not a date.")
    frame = pd.DataFrame({WEEK: weeks.dt.normalize().to_numpy()})
    for out, col in [(REVENUE, target), *((c, c) for c in channels), *((c, c) for c in controls)]:
        frame[out] = _numeric(df[col], col)
    order = np.argsort(frame[WEEK].to_numpy(), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    return validate(WeeklyData(frame, tuple(channels), tuple(controls), source), rows=order + 1)


def read_csv(
    file: str | Path | bytes,
    *,
    date: str,
    target: str,
    channels: Sequence[str],
    controls: Sequence[str] = (),
) -> WeeklyData:
    """:func:`from_frame` on a CSV file (path or the uploaded bytes)."""
    name = "uploaded CSV" if isinstance(file, bytes) else Path(file).name
    try:
        df = pd.read_csv(io.BytesIO(file) if isinstance(file, bytes) else file)
    except FileNotFoundError as exc:
        raise OmnimixError(f"CSV file {file} does not exist.") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise OmnimixError(f"Cannot read {name} as CSV: {str(exc).strip().splitlines()[0]}") from exc
    return from_frame(df, date=date, target=target, channels=channels, controls=controls, source=name)


def _numeric(values: pd.Series, column: str) -> np.ndarray:
    # The loader's rule (core.numbers): currency signs, spaces and thousands commas are dropped;
    # a decimal comma ("1355,44", which dropping the comma would read as 135544) is reported below.
    parsed = parse_numbers(values)
    bad = np.flatnonzero(parsed.isna().to_numpy() | ~np.isfinite(parsed.to_numpy(dtype=float, na_value=np.nan)))
    if bad.size:
        cell = values.iloc[bad[0]]  # the user's own text, not the cleaned one
        if pd.isna(cell):
            raise OmnimixError(f"Column {column!r}, row {bad[0] + 1} is empty; every week needs a number.")
        hint = " (write decimals with a point, e.g. 1355.44)" if "," in str(cell) else ""
        raise OmnimixError(f"Column {column!r}, row {bad[0] + 1}: {cell!r} is not a number{hint}.")
    return parsed.to_numpy(dtype=float)


def validate(data: WeeklyData, *, rows: np.ndarray | None = None) -> WeeklyData:
    """Check the rules every weekly table must meet; return it unchanged.

    ``rows`` maps sorted positions back to the user's row numbers for the messages.
    """
    frame = data.frame
    rows = np.arange(1, len(frame) + 1) if rows is None else rows
    needed = min_weeks(len(data.channels), len(data.controls))
    if len(frame) < needed:
        raise OmnimixError(
            f"Only {len(frame)} weeks of data; a model with {len(data.channels)} channels and "
            f"{len(data.controls)} controls needs at least {needed} weeks (about two per parameter)."
        )
    step = np.diff(frame[WEEK].to_numpy()).astype("timedelta64[D]").astype(int)
    odd = np.flatnonzero(step != 7)
    if odd.size:
        i = odd[0]
        before, after = frame[WEEK].iloc[i].date(), frame[WEEK].iloc[i + 1].date()
        what = (
            f"(row {rows[i + 1]}) appears twice"
            if step[i] == 0
            else f"is followed by {after} (row {rows[i + 1]}), {step[i]} days later"
        )
        raise OmnimixError(f"Weeks must follow each other every 7 days with no gaps: week {before} {what}.")
    for column in (REVENUE, *data.channels):
        values = frame[column].to_numpy()
        negative = np.flatnonzero(values < 0)
        if negative.size:
            what = "revenue" if column == REVENUE else "spend"
            raise OmnimixError(
                f"Column {column!r}, row {rows[negative[0]]}: negative {what} ({values[negative[0]]:g})."
            )
    for column in data.channels:
        if not frame[column].to_numpy().any():
            raise OmnimixError(f"Channel {column!r} has no spend in any week; leave it out of the channels.")
    for column in data.controls:
        if np.ptp(frame[column].to_numpy()) == 0:
            raise OmnimixError(f"Control {column!r} never changes; leave it out of the controls.")
    if frame[REVENUE].sum() <= 0:
        raise OmnimixError("The revenue column has no revenue in any week.")
    return data
