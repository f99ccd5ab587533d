"""Start loading the chart library at the top of a visitor's first page view.

Streamlit fetches plotly.js (4.7 MB, about 1.4 s to parse on our 2-core machine) only when the
first chart of a session arrives, and the page script reaches its first chart after its queries
and cards. A hidden, empty chart sent as the session's first element lets the browser fetch and
parse the library while the script still works, so the page's first real chart appears up to a
second and a half sooner (docs/page-speed.md). Later runs in the session have the library
already, so the chart is sent only once per browser session. ``OMNIMIX_CHART_PRELOAD=0`` turns
it off (to measure its effect with benchmarks/bench_pages.py).
"""

from __future__ import annotations

import os

import plotly.graph_objects as go
import streamlit as st

PRELOAD_KEY = "omnimix_chart_preload"
"""Key of the hidden container; its CSS class is ``st-key-omnimix_chart_preload``."""

_SENT = "_omnimix_chart_library_sent"
_HIDE = f"<style>.st-key-{PRELOAD_KEY} {{display: none;}}</style>"


def start_chart_library() -> None:
    """Send a hidden empty chart once per browser session, so plotly.js loads from the start."""
    if st.session_state.get(_SENT) or os.environ.get("OMNIMIX_CHART_PRELOAD") == "0":
        return
    st.session_state[_SENT] = True
    st.html(_HIDE)
    with st.container(key=PRELOAD_KEY, border=False):
        st.plotly_chart(go.Figure(), config={"staticPlot": True, "displayModeBar": False})
