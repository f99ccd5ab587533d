"""Opening a dashboard page in Streamlit's AppTest, the way every page test does."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


def open_app_page(page: str, query: dict[str, str] | None = None, *, timeout: float = 120) -> AppTest:
    """Run the app with ``query`` in the URL, then switch to ``page`` (e.g. ``"pages/budget.py"``)."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params.update(query or {})
    at.run()
    # AppTest resolves page paths against the main script's folder (dashboard/).
    at.switch_page(f"../{page}").run()
    return at
