"""Presentation mode: the dashboard as a story for stakeholders, without the analyst controls.

``?present=1`` in the URL (or the sidebar toggle "Presentation mode") turns it on. Like the
filters (:mod:`dashboard.state`), the flag lives in ``st.session_state`` so it survives page
switches, is read from the URL once per browser session, and is mirrored back to the URL on
every run so a copied link opens in presentation mode.

Other modules ask :func:`is_presenting` to leave out what a presenter does not want on the
projector (filter widgets, download buttons, report buttons, detail tables).
"""

from __future__ import annotations

import streamlit as st

PARAM = "present"
"""URL query parameter: ``?present=1`` opens the dashboard in presentation mode."""

_KEY = "omnimix_present"  # plain session key, the source of truth after the first run


def is_presenting() -> bool:
    """Whether this run draws the dashboard in presentation mode."""
    if _KEY not in st.session_state:
        st.session_state[_KEY] = st.query_params.get(PARAM) == "1"
    return bool(st.session_state[_KEY])
