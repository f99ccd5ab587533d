"""Omnimix dashboard entry point: ``streamlit run dashboard/app.py``.

Builds the navigation from :data:`dashboard.navigation.PAGES`, draws the shared sidebar
(database in use, filters) and runs the selected page from ``pages/``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import presentation, report_button, state
from dashboard.navigation import PAGES

# A local file: a Material icon name makes the browser fetch the favicon from fonts.gstatic.com,
# which fails offline (demos) and logs a console error.
ICON = Path(__file__).resolve().parent / "assets" / "icon.png"

st.set_page_config(page_title="Omnimix", page_icon=str(ICON), layout="wide",
                   initial_sidebar_state="collapsed" if presentation.is_presenting() else "auto")

selected = st.navigation(
    [st.Page(s.path, title=s.title, icon=s.icon, url_path=s.url_path, default=s.default)
     for s in presentation.menu_order(PAGES)]
)
spec = next(s for s in PAGES if s.title == selected.title)  # titles are unique
presenting = presentation.setup()
context = state.render_sidebar(show_filters=spec.uses_filters and not presenting)
if presenting:
    presentation.page_top(spec.file, context.filters if spec.uses_filters else None)
selected.run()
report_button.render_page(spec.url_path, context.db, context.filters)  # this page's report, under it; not presenting
if presenting:
    presentation.story_nav(spec.file, where="bottom")
