"""Opening a dashboard page in Streamlit's AppTest, the way every page test does."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


def open_app_page(page: str, query: dict[str, str] | None = None, *, timeout: float = 120,
                  state: dict | None = None) -> AppTest:
    """Run the app with ``query`` in the URL, then switch to ``page`` (e.g. ``"pages/budget.py"``).

    ``state``: session values set before the first run, e.g. ``{"<key>": True}`` for an expander
    made with ``dashboard.components.details`` that should be open.
    """
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params.update(query or {})
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    # AppTest resolves page paths against the main script's folder (dashboard/).
    at.switch_page(f"../{page}").run()
    return at


SECTION_KEY_SUFFIX = "_section"
"""Session/URL keys of ``dashboard.components.sections`` end with this (``overview_section``, ...)."""


def open_every_section(page: str, query: dict[str, str] | None = None, *, state: dict | None = None) -> list[AppTest]:
    """The page as first opened, then once more per other section tab, each opened through the URL.

    Only the open section runs, so a check of everything a page can show walks all of them.
    """
    first = open_app_page(page, query, state=state)
    runs = [first]
    labels = [t.label for t in first.tabs]
    for key in [k for k in first.session_state.keys() if k.endswith(SECTION_KEY_SUFFIX)]:
        for label in labels:
            if label == first.session_state[key]:
                continue
            run = open_app_page(page, {**(query or {}), key: label}, state=state)
            if run.session_state[key] == label:  # a label of this key's tabs, not of another tab group
                runs.append(run)
    return runs
