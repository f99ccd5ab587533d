"""Build the whole report for a database and filters, and write files without leaving half of one.

The story runs top to bottom: headline KPIs, sales channels, segments, recommendations, the
budget, notable weeks. A section that cannot be drawn (no marketing spend, too few customers)
says why in its place; only a report with nothing to show at all (no orders in the period)
is refused.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from core import cache
from core.errors import OmnimixError
from core.filters import Filters, data_date_range
from core.report import budget, business, customers, weeks
from core.report.base import Section, channels_text, filter_line, period_text
from core.report.page import document
from core.report.scenario import BudgetScenario
from core.settings import read_settings

if TYPE_CHECKING:
    from core.mmm.model import MediaMixModel

DEFAULT_DAYS = 364
"""Without dates the report covers the last 52 weeks of data, like the dashboard's default filters."""
TITLE = "Omnimix marketing report"

SECTION_TITLES = {
    "kpis": "Headline KPIs",
    "channels": "What happened by channel",
    "segments": "Who the customers are",
    "recommendations": "What to recommend, and how well it works",
    "budget": budget.TITLE,
    "weeks": "Notable weeks",
}
"""Every section in story order, with its heading (the tests look for each one)."""
PAGE_SECTIONS = {
    "overview": ("kpis", "channels"),
    "segments": ("segments",),
    "recommendations": ("recommendations",),
    "budget": ("budget",),
    "insight": ("weeks",),
}
"""The report's sections of each dashboard page (by the page's URL path); a page not listed has none."""


def sections_for(pages: Sequence[str]) -> tuple[str, ...]:
    """The sections of ``pages`` (URL paths such as ``overview``, or ``all``), in story order.

    Raises
    ------
    OmnimixError
        A page that is unknown or has no report content, naming the pages that have some.
    """
    wanted: set[str] = set()
    for page in pages:
        if page == "all":
            wanted.update(SECTION_TITLES)
        elif page in PAGE_SECTIONS:
            wanted.update(PAGE_SECTIONS[page])
        else:
            raise OmnimixError(f"Page '{page}' has no report sections; pages with some: "
                               f"{', '.join(PAGE_SECTIONS)} (or all).")
    return tuple(key for key in SECTION_TITLES if key in wanted)


@dataclass(frozen=True)
class Report:
    """A built report: the page and what went into it.

    Attributes
    ----------
    html : str
        The self-contained page.
    filters : Filters
        The filters with both dates filled in.
    sections : tuple of Section
        In story order; a section with ``missing`` set says why it has no figures.
    seconds : dict of str to float
        Build time of each section.
    cached : tuple of str
        Sections read back from the on-disk cache instead of computed.
    cpu_seconds : dict of str to float
        CPU time of each section (every thread of the process, imports it made included): on a
        shared machine the wall time also counts other jobs, this does not.
    """

    html: str
    filters: Filters
    sections: tuple[Section, ...]
    seconds: dict[str, float] = field(default_factory=dict)
    cached: tuple[str, ...] = ()
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def figures(self) -> int:
        return sum(s.figures for s in self.sections)


def resolve_filters(con: duckdb.DuckDBPyConnection, filters: Filters) -> Filters:
    """``filters`` with missing dates filled in (the last 52 weeks of data), checked to hold orders.

    Raises
    ------
    OmnimixError
        The database has no orders, or none in the period and channels (one sentence).
    """
    first, last = data_date_range(con)
    if first is None:
        raise OmnimixError("The database has no orders; load or generate data before building a report.")
    end = filters.end or last
    start = filters.start or max(first, end - dt.timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise OmnimixError(f"The report's start ({start}) is after its end ({end}).")
    resolved = replace(filters, start=start, end=end)
    where, params = resolved.sql("order_ts", "channel")
    (n,) = con.execute(f"SELECT count(*) FROM orders WHERE {where}", params).fetchone()
    if n == 0:
        raise OmnimixError(f"No orders in {period_text(start, end)} for {channels_text(resolved)}; "
                           f"the data has orders from {first} to {last}.")
    return resolved


def build_report(con: duckdb.DuckDBPyConnection, filters: Filters, *, budget_fit: str = "auto",
                 budget_model: Callable[[], MediaMixModel] | None = None, title: str = TITLE,
                 sections: Sequence[str] | None = None, budget_scenario: BudgetScenario | None = None,
                 built_at: dt.datetime | None = None) -> Report:
    """The report's sections (default all) for ``filters``, as one self-contained HTML page.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open (read-only is enough) connection.
    filters : Filters
        Period and sales channels; missing dates become the last 52 weeks of data.
    budget_fit : {"auto", "full", "quick"}, default="auto"
        Sampler settings of the budget model (see :data:`core.report.budget.FITS`).
    budget_model : callable, optional
        Returns an already fitted budget model.
    title : str, default=TITLE
    sections : sequence of str, optional
        Keys of :data:`SECTION_TITLES` to build (in story order whatever the order given); default all.
    budget_scenario : BudgetScenario, optional
        A weekly split to show in the budget section beside the current and the proposed one.
    built_at : datetime, optional
        The time the footer names (default now).

    Returns
    -------
    Report

    Raises
    ------
    OmnimixError
        No orders in the period (see :func:`resolve_filters`), an unknown ``budget_fit`` or section, or a
        scenario naming a channel the budget model does not know.
    """
    if budget_fit not in budget.FITS:
        raise OmnimixError(f"The budget fit must be one of {', '.join(budget.FITS)} (got '{budget_fit}').")
    keys = tuple(SECTION_TITLES) if sections is None else tuple(sections)
    unknown = [k for k in keys if k not in SECTION_TITLES]
    if unknown or not keys:
        raise OmnimixError(f"Unknown report section '{unknown[0]}'; the sections are {', '.join(SECTION_TITLES)}."
                           if unknown else "No report section chosen.")
    filters = resolve_filters(con, filters)
    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}

    def timed(key: str, make: Callable[[], Section]) -> Section:
        started, cpu = time.perf_counter(), time.process_time()
        made = make()
        seconds[key] = round(time.perf_counter() - started, 3)
        cpu_seconds[key] = round(time.process_time() - cpu, 3)
        return made

    # One after the other: the budget sampler holds the interpreter lock, so running it beside
    # the others in a thread made the whole build slower (measured: 36 s -> 55 s on 50k customers).
    steps: dict[str, Callable[[], Section]] = {
        "kpis": lambda: business.kpi_section(con, filters),
        "channels": lambda: business.channel_section(con, filters),
        "segments": lambda: customers.segment_section(con, filters),
        "recommendations": lambda: customers.recs_section(con),
        "budget": lambda: budget.budget_section(con, fit=budget_fit, model=budget_model, scenario=budget_scenario),
        "weeks": lambda: weeks.weeks_section(con, filters),
    }
    path = cache.connection_file(con)
    identity = None if path is None else cache.file_identity(path)

    def section_key(key: str) -> tuple | None:
        """What a section depends on: the file, and the filters or the budget options (None: not cached)."""
        if identity is None:
            return None
        if key == "recommendations":  # the whole history, whatever the filters
            return identity, key
        if key == "budget":
            if budget_model is not None:
                return None
            chosen = None if budget_scenario is None else (budget_scenario.name, tuple(budget_scenario.spend.items()))
            return identity, key, budget.resolved_fit(con, budget_fit), chosen
        return identity, key, filters

    # A section made before from the same file, filters and code is read back whole: a second
    # report (or one after the Budget page's fit) loads no model code at all.
    hits = tuple(k for k in keys if (sk := section_key(k)) is not None and cache.exists("section", sk))
    # One BLAS/OpenMP thread: on a shared machine OpenBLAS's idle threads spin, and one EASE
    # inverse on the 50k sample cost 4.5 s of CPU with its default threads against 0.56 s with
    # one (load average 8.5); the report is judged by its CPU seconds.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        built = [timed(key, lambda key=key: cache.cached("section", section_key(key), Section, steps[key]))
                 for key in SECTION_TITLES if key in keys]
    made = (built_at or dt.datetime.now()).astimezone()
    settings = read_settings(con)  # the database's currency and business name
    if settings.business_name and title == TITLE:
        title = f"{settings.business_name}: marketing report"
    footer = (f"Built by Omnimix on {made:%d %b %Y %H:%M %Z}. Figures about fewer than 50 customers are hidden, "
              f"as on screen. Amounts in {settings.currency.code} ({settings.currency.name}).")
    page = document(title=title, filter_line=filter_line(filters), body="".join(s.html() for s in built),
                    footer=footer)
    return Report(page, filters, tuple(built), seconds, hits, cpu_seconds)


def check_out_dir(out: Path, option: str = "--out") -> None:
    """Refuse an output file whose folder is missing or not writable, before any work is done."""
    parent = out.resolve().parent
    if out.is_dir():
        raise OmnimixError(f"{option} {out} is a folder; give a file name such as {out / 'report.html'}.")
    if not parent.is_dir():
        raise OmnimixError(f"Cannot write {option} {out}: the folder {parent} does not exist.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OmnimixError(f"Cannot write {option} {out}: the folder {parent} is not writable.")


def write_atomic(out: Path, data: str | bytes | Callable[[Path], None]) -> int:
    """Write ``out`` through a temporary file in its folder, then rename it into place.

    A failure at any point leaves no file behind (and an existing ``out`` untouched), so a
    reader never opens half a report.

    Parameters
    ----------
    out : Path
    data : str, bytes or callable
        The content, or a function that writes the file at the path it is given (the PDF printer).

    Returns
    -------
    int
        Size of the written file in bytes.

    Raises
    ------
    OmnimixError
        The folder is missing or not writable, or the disk refused the write.
    """
    check_out_dir(out)
    try:
        fd, tmp = tempfile.mkstemp(dir=out.resolve().parent, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:
        raise OmnimixError(f"Cannot write {out}: {exc.strerror or exc}.") from None
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                fh.close()
                data(tmp_path)
            else:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o644)  # mkstemp makes it private; a report is meant to be shared
        os.replace(tmp_path, out)
    except BaseException as exc:
        tmp_path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OmnimixError(f"Cannot write {out}: {exc.strerror or exc}.") from None
        raise
    return out.stat().st_size
