"""The sidebar's report button: the whole report for the current filters, built on click.

A page run only draws a "Build report" button; the report is built when it is clicked, and
the "Download report" button then offers it for as long as the database and filters stay the
same (a second step rather than a deferred download, so pages that count their own download
buttons keep their counts until the user asks for a report). The bytes are cached on the
database file's identity and the filters, so another session with the same filters gets them
at once, and the budget model is the Budget page's cached one, so a user who saw that page
waits for no fit.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.errors import OmnimixError
from core.filters import Filters
from core.report.build import build_report
from dashboard import data_access


@st.cache_data(show_spinner=False, max_entries=4)
def _report_html(db: str, version: data_access.FileVersion, filters: Filters) -> bytes:
    from dashboard.budget import data as budget_data

    report = data_access.read(db, build_report, filters, budget_model=lambda: budget_data.model_for_db(Path(db)))
    return report.html.encode("utf-8")


_WANTED = "omnimix_report_wanted"
"""Session key: the (database, version, filters) the user asked a report for."""


def render(db: Path, filters: Filters) -> None:
    """Draw the report button(s) in the sidebar for ``db`` and ``filters``."""
    key = (str(db), data_access.file_version(db), filters)
    if st.session_state.get(_WANTED) != key:
        if st.sidebar.button("Build report", icon=":material/description:",
                             help="The whole report for these filters as one HTML file that opens offline (KPIs, "
                                  "channels, segments, recommendations, budget, notable weeks), for download or "
                                  "print. Up to a minute the first time."):
            st.session_state[_WANTED] = key
        else:
            return
    try:
        with st.sidebar, st.spinner("Building the report…"):
            data = _report_html(str(db), data_access.existing_version(db), filters)
    except OmnimixError as exc:
        st.sidebar.warning(f"No report: {exc}")
        return
    name = f"omnimix_report_{filters.start:%Y%m%d}_{filters.end:%Y%m%d}.html"
    st.sidebar.download_button("Download report", data=data, file_name=name, mime="text/html", on_click="ignore",
                               icon=":material/download:",
                               help="The report for these filters; change a filter to build another one.")
