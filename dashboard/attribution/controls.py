"""The Attribution page's lookback control, kept in the URL so a shared link opens the same window."""

from __future__ import annotations

import streamlit as st

LOOKBACKS = (7, 14, 30, 60, 90)
"""Lookback choices, days."""
DEFAULT_LOOKBACK = 30
KEY, PARAM = "attr_lookback", "attr_lb"


def init() -> None:
    """Set the lookback once per session: from the URL when it holds a valid value, else 30 days."""
    if KEY in st.session_state and st.session_state[KEY] in LOOKBACKS:
        return
    try:
        value = int(st.query_params.get(PARAM, DEFAULT_LOOKBACK))
    except (TypeError, ValueError):
        value = DEFAULT_LOOKBACK
    st.session_state[KEY] = value if value in LOOKBACKS else DEFAULT_LOOKBACK


def mirror() -> None:
    """Write the lookback to the URL (removed at the default, so plain links stay short)."""
    value = st.session_state.get(KEY, DEFAULT_LOOKBACK)
    if value == DEFAULT_LOOKBACK:
        st.query_params.pop(PARAM, None)
    elif st.query_params.get(PARAM) != str(value):
        st.query_params[PARAM] = str(value)
