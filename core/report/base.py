"""What every part of the report shares: a section, the period it describes, and its words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.filters import Filters
from core.report.page import esc


@dataclass(frozen=True)
class Section:
    """One part of the report's story.

    Attributes
    ----------
    key : str
        Stable name used in ``--json`` output and tests (``"kpis"``, ``"budget"``, ...).
    title : str
        The section's heading.
    body : str
        HTML of the section's content (without the heading).
    figures : int
        Charts in ``body``.
    missing : str or None
        Why the section has no figures (one sentence), or None when it has them.
    """

    key: str
    title: str
    body: str
    figures: int = 0
    missing: str | None = None

    def html(self) -> str:
        """The section with its heading, or its reason for being empty."""
        inner = f'<p class="missing">{esc(self.missing)}</p>' if self.missing else self.body
        return f'<section id="{esc(self.key)}"><h2>{esc(self.title)}</h2>{inner}</section>'


def missing(key: str, title: str, reason: str) -> Section:
    """A section that could not be drawn, saying why instead of failing the report."""
    return Section(key, title, "", 0, reason)


def period_text(start: dt.date, end: dt.date) -> str:
    """``"1 Jan 2025 – 31 Dec 2025 (365 days)"``: the period every figure of a section names."""
    return f"{start:%d %b %Y} – {end:%d %b %Y} ({(end - start).days + 1} days)"


def channels_text(filters: Filters) -> str:
    """``"all sales channels"`` or ``"sales channels app, web"``."""
    return "all sales channels" if filters.channels is None else "sales channels " + ", ".join(filters.channels)


def filter_line(filters: Filters) -> str:
    """The report's first line: period and channels, as the sidebar filters show them."""
    assert filters.start is not None and filters.end is not None  # resolved by the builder
    return f"Filters: {period_text(filters.start, filters.end)}; {channels_text(filters)}."
