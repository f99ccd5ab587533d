"""The dashboard's pages, declared once.

``dashboard/app.py`` builds the navigation from :data:`PAGES` and the browser test opens
every page listed here, so adding a page is one line below (the page file lives in
``pages/``).  This module does not import Streamlit so tests can read it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PLOTLY_CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'
VEGA_CHART = '[data-testid="stVegaLiteChart"] .marks'
CHART = f"{PLOTLY_CHART}, {VEGA_CHART}"
"""Selector of a rendered chart (plotly or Vega-Lite), the usual main element of a page."""

FILE_UPLOADER = '[data-testid="stFileUploader"]'


@dataclass(frozen=True)
class PageSpec:
    """One page of the dashboard.

    Parameters
    ----------
    file : str
        Page script relative to the repository root, e.g. ``"pages/overview.py"``.
    title : str
        Title in the navigation menu and the browser tab.
    icon : str
        Material icon shown in the menu, e.g. ``":material/monitoring:"``.
    main_selector : str
        CSS selector of the element that proves the page rendered (browser test).
    uses_filters : bool, default=True
        Whether the sidebar shows the shared date and channel filters on this page.
    default : bool, default=False
        Whether this is the landing page.
    """

    file: str
    title: str
    icon: str
    main_selector: str
    uses_filters: bool = True
    default: bool = False

    @property
    def path(self) -> Path:
        return ROOT / self.file

    @property
    def url_path(self) -> str:
        return Path(self.file).stem


# ---- Pages, in menu order ----
PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "Overview", ":material/monitoring:", CHART, default=True),
    PageSpec("pages/segments.py", "Segments", ":material/group_work:", CHART),
    PageSpec("pages/customer_value.py", "Customer value", ":material/paid:", CHART),
    PageSpec("pages/recommendations.py", "Recommendations", ":material/recommend:", CHART, uses_filters=False),
    PageSpec("pages/budget.py", "Budget simulator", ":material/savings:", CHART, uses_filters=False),
    PageSpec("pages/insight.py", "Market insight", ":material/insights:", CHART),
    PageSpec("pages/campaigns.py", "Campaigns & content", ":material/campaign:", CHART),
    PageSpec("pages/attribution.py", "Attribution", ":material/account_tree:", CHART),
    PageSpec("pages/data.py", "Data", ":material/database:", FILE_UPLOADER, uses_filters=False),
)
