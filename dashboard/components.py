"""Shared UI pieces: KPI cards, tables with a CSV download, and the error guard."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import duckdb
import pandas as pd
import streamlit as st

from core.errors import OmnimixError, first_line
from core.formatting import format_delta, format_value, slug  # the pages use format_* through this module
from core.overview.queries import KPI_DEFINITIONS
from core.privacy import count_columns, for_export, labelled_counts, small_group_label
from core.settings import Currency
from dashboard.presentation import is_presenting, key_message, reading  # noqa: F401 - pages call them from here

log = logging.getLogger("omnimix.dashboard")

# Rising spend is neither good nor bad, so its delta is shown without colour.
_NEUTRAL_DELTAS = {"spend"}


def sections(labels: Sequence[str], *, key: str) -> Sequence:
    """Tabs of which only the open one runs: its queries, charts and tables; the others wait for a click.

    Every chart of a page waits for the same plotly.js bundle and all of them draw in one batch, so
    the first chart appears only once the last is drawn (docs/page-speed.md). Sections keep a first
    visit to one section's charts. The open section is in the URL (``?<key>=<label>``), so a shared
    link opens the same one.

    Parameters
    ----------
    labels : sequence of str
        Tab labels, in reading order; the first is open on a first visit.
    key : str
        Session and URL key of the open tab.

    Returns
    -------
    list of tab containers
        One per label; ``tab.open`` says whether to fill it in this run.
    """
    return st.tabs(list(labels), key=key, on_change="rerun", bind="query-params")


def details(label: str, *, key: str):  # noqa: ANN201 - Streamlit's expander container
    """A collapsed expander whose content runs only once opened (check ``.open`` before filling it).

    For the figures behind a chart: a table mounted in a closed expander still loads the table
    component's code in the browser, which delays the page's first chart. Keys end in ``_details``
    by convention (the page tests open them all by that suffix).
    """
    return st.expander(label, key=key, on_change="rerun")


@contextmanager
def guard(what: str) -> Iterator[None]:
    """Show failures inside the block as a short message instead of a traceback.

    The rest of the page keeps rendering, so one failing section does not blank the screen.

    Parameters
    ----------
    what : str
        What the block shows, for the message, e.g. ``"the KPIs"``.
    """
    try:
        yield
    except OmnimixError as exc:
        st.error(str(exc))
    except duckdb.Error as exc:
        st.error(f"The database could not provide {what}: {first_line(exc)}")
    except Exception as exc:  # noqa: BLE001 - users never see tracebacks; the log keeps it
        log.exception("Unexpected error while showing %s", what)
        st.error(f"Something went wrong while showing {what} ({type(exc).__name__}: {first_line(exc)}).")


def kpi_cards(kpis: pd.DataFrame, *, previous_period: str, per_row: int = 4, currency: Currency | None = None) -> None:
    """Bordered metric cards with the change vs the previous period.

    Parameters
    ----------
    kpis : pandas.DataFrame
        Output of :func:`core.overview.queries.kpis`.
    previous_period : str
        The comparison period in words, shown in each card's help.
    per_row : int, default=4
        Cards per row; seven in one row truncate labels and values on a laptop screen.
    currency : Currency, optional
        Currency of the database's amounts (its settings); default EUR.
    """
    records = kpis.to_dict("records")
    key_message(kpi_message(records, currency))
    columns = [col for start in range(0, len(records), per_row) for col in st.columns(per_row)]
    for col, row in zip(columns, records, strict=False):
        metric = KPI_DEFINITIONS[row["metric"]]
        previous = format_value(row["previous"], metric.unit, currency)
        hidden = bool(row.get("hidden", False))  # core.overview.queries.private_kpis: too few people to show
        col.metric(
            metric.label,
            small_group_label() if hidden else format_value(row["value"], metric.unit, currency),
            delta=format_delta(row, metric.unit),
            delta_color="off" if row["metric"] in _NEUTRAL_DELTAS else "normal",
            help=f"{metric.help}\n\nPrevious period ({previous_period}): {previous}.",
            border=True,
        )


def kpi_message(records: list[dict], currency: Currency | None = None) -> str:
    """One sentence on revenue and orders against the previous period, for presentation mode.

    E.g. "Revenue was €1.2M, up 4.1% on the previous period; orders up 2.0%." Hidden or
    missing figures are left out; an empty string when neither figure can be told.
    """
    rows = {r["metric"]: r for r in records if not r.get("hidden", False) and not pd.isna(r["value"])}
    parts = []
    for metric in ("revenue", "orders"):
        if metric not in rows:
            continue
        row, unit = rows[metric], KPI_DEFINITIONS[metric].unit
        delta = format_delta(row, unit)
        change = "" if delta is None else f"{'up' if not delta.startswith('-') else 'down'} {delta.lstrip('+-')}"
        if not parts:
            value = format_value(row["value"], unit, currency)
            parts.append(f"{KPI_DEFINITIONS[metric].label} was {value}" + (f", {change} on the previous period"
                                                                           if change else ""))
        elif change:
            parts.append(f"{KPI_DEFINITIONS[metric].label.lower()} {change}")
    return "; ".join(parts) + "." if parts else ""


def download_csv(df: pd.DataFrame, name: str, *, label: str = "Download CSV") -> None:
    """A download button for ``df`` as ``<name>.csv`` (machine-friendly column names).

    Figures hidden by the privacy rule stay numbers: their cells are empty and a
    ``privacy_note`` column says which and why (:func:`core.privacy.for_export`).
    Not drawn in presentation mode (:mod:`dashboard.presentation`).
    """
    if is_presenting():
        return
    st.download_button(
        label,
        for_export(df).to_csv(index=False).encode("utf-8"),
        file_name=f"{slug(name)}.csv",
        mime="text/csv",
        key=f"download_{slug(name)}",
        on_click="ignore",  # downloading must not rerun the page
        icon=":material/download:",
    )


def table(
    df: pd.DataFrame,
    name: str,
    *,
    labels: Mapping[str, str],
    formats: Mapping[str, str] | None = None,
    height: int | str = "auto",
    hidden_units: Mapping[str, str] | None = None,
) -> None:
    """Show ``df`` with readable headers and number formats, then its CSV download.

    Parameters
    ----------
    df : pandas.DataFrame
        Data to show; only the columns named in ``labels`` are displayed, in that order.
    name : str
        File name stem of the download (and the download button's key).
    labels : mapping of str to str
        Column -> header shown to the user (units in brackets).
    formats : mapping of str to str, optional
        Column -> number format of ``st.column_config.NumberColumn``, e.g. ``"euro"``,
        ``"percent"`` (for fractions) or ``"%.2f"``; other columns are shown as they are.
    hidden_units : mapping of str to str, optional
        Column -> what its hidden groups count when that is not the figure shown, e.g.
        ``{"events": "shoppers"}`` reads "fewer than 50 shoppers".

    Counts hidden by the privacy rule (missing values with a ``<count>_hidden`` flag, see
    :mod:`core.privacy`) are written here, as "fewer than 50": such a column is shown as text.
    """
    formats = dict(formats or {})
    shown = labelled_counts(df, {c: "{:,.0f}" if _integral(df[c]) else "{:,.2f}" for c in count_columns(df)},
                            units=hidden_units)
    for col in count_columns(df):
        if shown[col].dtype == object:  # has a hidden cell, now in words: a number column would flag it
            formats.pop(col, None)
    config = {
        col: st.column_config.NumberColumn(label, format=formats[col]) if col in formats else st.column_config.Column(label)
        for col, label in labels.items()
    }
    # Hidden or undefined figures show as "–", not as the word "None".
    st.dataframe(shown, column_order=list(labels), column_config=config, hide_index=True, height=height,
                 placeholder="–")
    download_csv(df, name)


def _integral(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return bool((numbers == numbers.round()).all())
