"""The sidebar: which database is shown and the date/channel filters every page shares.

The filters live in ``st.session_state`` (so they survive page switches, even through pages
that do not show them) and are mirrored in the URL as ``?start=YYYY-MM-DD&end=YYYY-MM-DD&
channels=web,app`` so a copied link reproduces the view.  ``channels`` is omitted when
every channel is selected and empty (``channels=``) when none is.  The URL is read once,
on the first run of a browser session; after that the widgets are the source of truth.

Streamlit's own ``bind="query-params"`` is not used: it drops a parameter whenever the
value equals the widget default, and our default (the last 52 weeks of data) moves when
data is loaded, so such a link would not reproduce the view.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import streamlit as st

from core.errors import OmnimixError
from core.filters import Filters
from dashboard import data_access, money, report_button

DEFAULT_DAYS = 364  # 52 weeks: a year that still has a full previous year to compare with

_DATES = "filter_dates"
_CHANNELS = "filter_channels"
_STORE = "omnimix_filters"  # plain (non-widget) copy: widget state is dropped on pages without the widgets
_CONTEXT = "omnimix_context"


@dataclass(frozen=True)
class Context:
    """What the current run shows: the database and, when it has data, the filters.

    ``filters`` is ``None`` when there is nothing to filter; ``problem`` then says why and
    what to do, in words fit to show the user.
    """

    db: Path
    filters: Filters | None
    problem: str | None = None


def current() -> Context:
    """The context the sidebar computed in this run (pages call this)."""
    ctx = st.session_state.get(_CONTEXT)
    return ctx if ctx is not None else Context(data_access.db_path(), None, "The sidebar has not run yet.")


def ready() -> tuple[Path, Filters]:
    """The database and filters for a page that needs data; otherwise explain why and stop the page."""
    ctx = current()
    if ctx.filters is None:
        st.info(ctx.problem)
        st.stop()
    return ctx.db, ctx.filters


def channels_in_words(filters: Filters) -> str:
    """The selected sales channels for a caption: "all sales channels", "app, web" or "no channels"."""
    if filters.channels is None:
        return "all sales channels"
    return ", ".join(filters.channels) or "no channels"


def missing_db_message(db: Path) -> str:
    return (
        f"No database at `{db}`. `make run` builds the sample database on first start; or run "
        f"`omnimix generate --db {db}`; or create an empty one on the **Data** page and load your files."
    )


def render_sidebar(*, show_filters: bool) -> Context:
    """Draw the sidebar and return (and remember) the context for this run's page."""
    db = data_access.db_path()
    _business_name()
    st.sidebar.caption(f"Database: `{db}`")
    _engine_caption(db)
    ctx = _context(db, show_filters)
    st.session_state[_CONTEXT] = ctx
    if ctx.filters is not None:
        report_button.render(ctx.db, ctx.filters)
    return ctx


def _engine_caption(db: Path) -> None:
    """Which query engine and data are configured (``OMNIMIX_ENGINE``, see core.engine); silent for the default."""
    from core.engine import engine_config
    from core.errors import OmnimixError

    try:
        config = engine_config()
    except OmnimixError as exc:
        st.sidebar.warning(str(exc))
        return
    if config.name != "duckdb":
        st.sidebar.caption(f"Engine: {config.describe(db)}")


def _business_name() -> None:
    """The business name from the database's settings (``omnimix settings --name``), atop the sidebar."""
    name = money.settings().business_name
    if name:  # escaped: a name is text, not Markdown
        st.sidebar.markdown("### " + re.sub(r"([\\`*_{}\[\]<>()#+\-.!|~$])", r"\\\1", name))


def _context(db: Path, show_filters: bool) -> Context:
    if not db.exists():
        st.sidebar.warning("Database not found.")
        return Context(db, None, missing_db_message(db))
    try:
        first, last = data_access.date_range(db)
        options = data_access.sales_channels(db)
        idle = data_access.sales_channels_without_orders(db)
    except (OmnimixError, duckdb.Error) as exc:
        message = str(exc) if isinstance(exc, OmnimixError) else f"Cannot read {db} as an Omnimix database: {exc}"
        st.sidebar.error("The database cannot be read.")
        return Context(db, None, message)
    if first is None:
        return Context(db, None, "The database has no orders yet. Load your data on the **Data** page.")
    stored = _initial_filters(first, last, options, idle)
    filters = _filter_widgets(stored, first, last, options, idle) if show_filters else stored
    st.session_state[_STORE] = filters
    _mirror_to_url(filters)
    return Context(db, filters)


def default_filters(first: dt.date, last: dt.date) -> Filters:
    """The last 52 weeks of data (or all of it when there is less)."""
    return Filters(max(first, last - dt.timedelta(days=DEFAULT_DAYS - 1)), last, None)


def _initial_filters(first: dt.date, last: dt.date, options: list[str], idle: list[str]) -> Filters:
    stored = st.session_state.get(_STORE)
    if stored is None:
        stored = _from_url(default_filters(first, last), options, idle)
    return _clamp(stored, first, last, options)


def _from_url(default: Filters, options: list[str], idle: list[str]) -> Filters:
    params = st.query_params
    start, end, channels = default.start, default.end, default.channels
    try:
        if "start" in params:
            start = dt.date.fromisoformat(params["start"])
        if "end" in params:
            end = dt.date.fromisoformat(params["end"])
    except ValueError:
        st.toast("Ignored a date in the link that is not YYYY-MM-DD.")
        start, end = default.start, default.end
    if "channels" in params:
        wanted = [c for c in params["channels"].split(",") if c]
        channels = tuple(c for c in options if c in wanted)
        # A link made before the data changed may name a channel that no longer has orders:
        # say it was dropped rather than fail or silently show a smaller selection.
        if without_orders := [c for c in wanted if c in idle]:
            st.toast(f"Ignored {', '.join(without_orders)} from the link: no orders in this database.")
        if wanted and not channels:
            st.toast("None of the channels in the link have orders in this database; showing all channels.")
            channels = None
    if start > end:
        start, end = end, start
    return Filters(start, end, channels)


def _clamp(filters: Filters, first: dt.date, last: dt.date, options: list[str]) -> Filters:
    """Keep the range inside the data and the channels among the options (the widgets insist)."""
    start = min(max(filters.start or first, first), last)
    end = min(max(filters.end or last, start), last)
    channels = None if filters.channels is None else tuple(c for c in options if c in filters.channels)
    if channels is not None and len(channels) == len(options):
        channels = None
    return Filters(start, end, channels)


def _filter_widgets(stored: Filters, first: dt.date, last: dt.date, options: list[str], idle: list[str]) -> Filters:
    # Seed the widgets from the stored filters when they are new (first run, or back from a
    # page without them) or hold values the current data no longer allows.
    selected = list(options) if stored.channels is None else list(stored.channels)
    if st.session_state.get(_DATES) is None or _out_of_range(st.session_state[_DATES], first, last):
        st.session_state[_DATES] = (stored.start, stored.end)
    if _CHANNELS not in st.session_state or not set(st.session_state[_CHANNELS]) <= set(options):
        st.session_state[_CHANNELS] = selected

    st.sidebar.subheader("Filters")
    picked = st.sidebar.date_input(
        "Order dates",
        min_value=first,
        max_value=last,
        key=_DATES,
        format="YYYY-MM-DD",
        help=f"Data from {first} to {last}. KPIs compare with the previous period of the same length.",
    )
    chosen = st.sidebar.multiselect(
        "Sales channels",
        options,
        key=_CHANNELS,
        help="Channels where orders were placed; sales channels without any order are not listed. "
        "Marketing spend and ROAS always cover all channels.",
    )
    if idle:
        st.sidebar.caption(f"Not listed (no orders): {', '.join(idle)}.")
    st.sidebar.button("Reset filters", on_click=_reset, args=(first, last, options))
    if len(picked) == 2:
        start, end = picked
    else:  # the user has picked the first day of a new range; keep showing the old one
        start, end = stored.start, stored.end
        st.sidebar.caption("Pick the end date of the range.")
    channels = None if len(chosen) == len(options) else tuple(c for c in options if c in chosen)
    return Filters(start, end, channels)


def _out_of_range(value: object, first: dt.date, last: dt.date) -> bool:
    dates = [d for d in (value if isinstance(value, (tuple, list)) else (value,)) if d is not None]
    return any(d < first or d > last for d in dates)


def _reset(first: dt.date, last: dt.date, options: list[str]) -> None:
    default = default_filters(first, last)
    st.session_state[_DATES] = (default.start, default.end)
    st.session_state[_CHANNELS] = list(options)


def _mirror_to_url(filters: Filters) -> None:
    wanted = {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    if filters.channels is not None:
        wanted["channels"] = ",".join(filters.channels)
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    if filters.channels is None and "channels" in st.query_params:
        del st.query_params["channels"]
