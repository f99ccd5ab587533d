"""The report's HTML page: one self-contained file, plotly.js embedded once, print-ready.

Nothing in the page asks any host for anything: styles are inline, fonts are the reader's
system fonts, plotly.js is embedded in the head once and every figure is written without its
own copy (``include_plotlyjs=False``). The print stylesheet lays the page out on A4 and keeps
a chart or a section from being cut across two sheets.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # plotly is imported only when a figure is drawn
    import plotly.graph_objects as go

TEMPLATE = "plotly_white"
"""Named on every figure: importing Streamlit (the dashboard's button) makes its own template the
default, and that one leaves the colours to Streamlit's front end, so a downloaded report's lines
came out all black."""
FIGURE_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True}
"""No mode bar (its logo links to plotly's site, and a printed report has no use for it)."""

CSS = """
:root { --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; --accent: #2f6fb3; --up: #1b7f3b; --down: #b42318; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1040px; padding: 24px 32px 48px; line-height: 1.45; }
.filters { font-size: 0.9rem; color: var(--muted); border-bottom: 1px solid var(--line); padding-bottom: 6px; margin: 0; }
h1 { font-size: 1.8rem; margin: 18px 0 4px; }
h2 { font-size: 1.3rem; margin: 0 0 6px; border-left: 4px solid var(--accent); padding-left: 8px; }
h3 { font-size: 1.05rem; margin: 14px 0 4px; }
section { margin: 28px 0; }
.lead { color: var(--muted); margin: 0 0 10px; }
.missing { background: #fff8e6; border: 1px solid #f0d68a; padding: 10px 12px; border-radius: 6px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .label { font-size: 0.85rem; color: var(--muted); }
.card .value { font-size: 1.5rem; font-weight: 600; }
.card .delta { font-size: 0.85rem; }
.card .delta.up { color: var(--up); } .card .delta.down { color: var(--down); }
.card .reading { font-size: 0.85rem; margin-top: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; margin: 6px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f5f7fa; }
td.num, th.num { text-align: right; }
td.num { white-space: nowrap; }
td.wide, th.wide { width: 42%; font-size: 0.82rem; }
.figure { margin: 8px 0; }
.caption { font-size: 0.82rem; color: var(--muted); margin: 2px 0 10px; }
ul.readings { margin: 4px 0 8px; padding-left: 20px; }
footer { font-size: 0.8rem; color: var(--muted); border-top: 1px solid var(--line); padding-top: 6px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  /* Whole sections run longer than a sheet: keeping them whole left pages half empty. */
  .figure, .card, tr, .missing, ul.readings { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .cards { grid-template-columns: repeat(3, 1fr); }
}
"""


def esc(text: object) -> str:
    """``text`` escaped for HTML (every value from the data goes through here)."""
    return html.escape(str(text), quote=True)


def figure_html(fig: go.Figure, *, caption: str, height: int = 340) -> str:
    """One chart as an HTML fragment without plotly.js, sized to fit an A4 page, with its caption.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
    caption : str
        Unit and period of the figure, shown under it (plain text; escaped here).
    height : int, default=340
        Pixels; a fixed height so a printed chart keeps its shape.
    """
    fig.update_layout(height=height, margin={"l": 60, "r": 20, "t": 40, "b": 50}, template=TEMPLATE,
                      font={"family": "system-ui, Arial, sans-serif", "size": 12})
    # An id from the figure's content instead of plotly's random one: the same data give the same
    # page byte for byte (apart from the build time), whether its parts were computed or cached.
    div_id = "fig-" + hashlib.sha256(fig.to_json().encode()).hexdigest()[:16]
    div = fig.to_html(full_html=False, include_plotlyjs=False, include_mathjax=False, config=FIGURE_CONFIG,
                      default_width="100%", default_height=f"{height}px", div_id=div_id)
    return f'<div class="figure">{div}<p class="caption">{esc(caption)}</p></div>'


def table_html(header: Sequence[str], rows: Iterable[Sequence[object]], *, numeric: Sequence[int] = (),
               wide: int | None = None) -> str:
    """A plain table; cells are text already formatted (escaped here).

    ``numeric`` columns align right; the ``wide`` column (a sentence per row) gets the room left.
    """
    right = set(numeric)

    def cell(tag: str, i: int, value: object) -> str:
        css = "num" if i in right else "wide" if i == wide else ""
        return f'<{tag} class="{css}">{esc(value)}</{tag}>' if css else f"<{tag}>{esc(value)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def paragraphs(lines: Iterable[str], css: str = "") -> str:
    """Sentences as a bullet list (escaped)."""
    items = "".join(f"<li>{esc(s)}</li>" for s in lines)
    return f'<ul class="readings {css}">{items}</ul>' if items else ""


def document(*, title: str, filter_line: str, body: str, footer: str) -> str:
    """The whole page: filters and period on the first line, plotly.js once in the head.

    Parameters
    ----------
    title : str
        Page and heading title (plain text).
    filter_line : str
        The filters and period (plain text); the first visible line of the report.
    body : str
        The sections, HTML.
    footer : str
        How the report was made (plain text).
    """
    from plotly.offline import get_plotlyjs

    # The bundle goes in the head so every figure's inline script finds `Plotly` defined.
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)}</title><style>{CSS}</style>"
        f"<script type=\"text/javascript\">{get_plotlyjs()}</script></head>\n<body>"
        f"<p class=\"filters\" id=\"filters\">{esc(filter_line)}</p>"
        f"<h1>{esc(title)}</h1>{body}<footer>{esc(footer)}</footer></body></html>\n"
    )
