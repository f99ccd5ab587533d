"""The report buttons: the whole report in the sidebar, and the current page's sections on the page.

A run only draws a "Build report" button; the report is built when it is clicked, and the
"Download report" button then offers it for as long as the database, filters (and budget
scenario) stay the same (a second step rather than a deferred download, so pages that count
their own download buttons keep their counts until the user asks for a report). The bytes are
cached on the database file's identity, the filters, the sections and the scenario; the slow
parts (budget model, recommendation evaluation, segments) come from the on-disk cache
(:mod:`core.cache`), so after the Budget page the report uses its full fit and waits for none.

The budget section compares the current split with the what-if budget set on the Budget page,
when the user has set one in this session. Neither button is drawn in presentation mode.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.errors import OmnimixError
from core.filters import Filters
from core.report.build import PAGE_SECTIONS, SECTION_TITLES, build_report
from core.report.scenario import BudgetScenario
from dashboard import data_access

SCENARIO_NAME = "Budget page what-if"
_WANTED = "omnimix_report_wanted"
"""Session key prefix: the (database, version, filters, scenario) the user asked a report for."""


def presenting() -> bool:
    """Whether the app is in presentation mode (no download buttons then); False until that mode exists."""
    try:
        from dashboard.presentation import is_presenting
    except ImportError:
        return False
    return bool(is_presenting())


def page_scenario() -> tuple[tuple[str, float], ...]:
    """The Budget page's what-if weekly budget per channel in this session, or ``()`` when none is set."""
    from dashboard.budget.controls import SPEND_PREFIX

    spend = {str(k)[len(SPEND_PREFIX):]: v for k, v in st.session_state.items() if str(k).startswith(SPEND_PREFIX)}
    return tuple(sorted((c, float(v)) for c, v in spend.items() if isinstance(v, int | float)))


@st.cache_data(show_spinner=False, max_entries=8)
def _report_html(db: str, version: data_access.FileVersion, filters: Filters, sections: tuple[str, ...],
                 scenario: tuple[tuple[str, float], ...]) -> bytes:
    chosen = BudgetScenario(SCENARIO_NAME, dict(scenario), SCENARIO_NAME) if scenario else None
    report = data_access.read(db, build_report, filters, sections=sections, budget_scenario=chosen)
    return report.html.encode("utf-8")


def _offer(where: object, db: Path, filters: Filters, sections: tuple[str, ...], *, label: str, name: str,
           build_label: str, help_build: str, help_download: str) -> None:
    """Build button, then (once clicked, for the same inputs) the download button, in ``where``."""
    scenario = page_scenario() if "budget" in sections else ()
    key = (str(db), data_access.file_version(db), filters, sections, scenario)
    wanted = f"{_WANTED}_{label}"
    if st.session_state.get(wanted) != key:
        if where.button(build_label, key=f"build_{wanted}", icon=":material/description:", help=help_build):
            st.session_state[wanted] = key
        else:
            return
    try:
        with where, st.spinner("Building the report…"):
            data = _report_html(str(db), data_access.existing_version(db), filters, sections, scenario)
    except OmnimixError as exc:
        where.warning(f"No report: {exc}")
        return
    file_name = f"omnimix_{name}_{filters.start:%Y%m%d}_{filters.end:%Y%m%d}.html"
    where.download_button("Download report", data=data, file_name=file_name, mime="text/html", on_click="ignore",
                          key=f"download_{wanted}", icon=":material/download:", help=help_download)


def render(db: Path, filters: Filters) -> None:
    """Draw the whole report's button(s) in the sidebar for ``db`` and ``filters``."""
    if presenting():
        return
    _offer(st.sidebar, db, filters, tuple(SECTION_TITLES), label="all", name="report", build_label="Build report",
           help_build="The whole report for these filters as one HTML file that opens offline (KPIs, channels, "
                      "segments, recommendations, budget, notable weeks), for download or print. Up to a minute "
                      "the first time on a large database.",
           help_download="The report for these filters; change a filter to build another one.")


def render_page(page: str, db: Path, filters: Filters | None) -> None:
    """Draw this page's report button(s) under the page; nothing on a page without report sections.

    Parameters
    ----------
    page : str
        The page's URL path (``overview``, ``budget``, ...), see :data:`core.report.build.PAGE_SECTIONS`.
    db : Path
    filters : Filters or None
        The sidebar's filters (None: no data, no button).
    """
    sections = PAGE_SECTIONS.get(page)
    if not sections or filters is None or presenting():
        return
    titles = ", ".join(SECTION_TITLES[s] for s in sections)
    _offer(st.container(), db, filters, sections, label=page, name=f"{page}_report", build_label="Build page report",
           help_build=f"This page's part of the report ({titles}) as one HTML file that opens offline.",
           help_download="This page's report for these filters; the sidebar's button builds the whole report.")
