"""Omnimix dashboard entry point: ``streamlit run dashboard/app.py``.

Builds the navigation from :data:`dashboard.navigation.PAGES`, draws the shared sidebar
(database in use, filters) and runs the selected page from ``pages/``.
"""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.navigation import PAGES

st.set_page_config(page_title="Omnimix", page_icon=":material/monitoring:", layout="wide")

selected = st.navigation(
    [st.Page(s.path, title=s.title, icon=s.icon, url_path=s.url_path, default=s.default) for s in PAGES]
)
spec = next(s for s in PAGES if s.title == selected.title)  # titles are unique
state.render_sidebar(show_filters=spec.uses_filters)
selected.run()
