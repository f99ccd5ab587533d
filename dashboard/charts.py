"""Plotly figure builders: DataFrames in, figures out (no Streamlit calls, no queries).

Titles carry the unit and the period so a screenshot or an exported PNG stands alone.
Each channel keeps the same colour in every chart.
"""

from __future__ import annotations

import datetime as dt

import plotly.express as px
import plotly.graph_objects as go

from dashboard.presentation import is_presenting

PALETTE = px.colors.qualitative.Safe
CHANNEL_COLORS: dict[str, str] = {
    "web": PALETTE[0],
    "app": PALETTE[1],
    "store": PALETTE[2],
    "marketplace": PALETTE[3],
    "social": PALETTE[4],
}
GRAIN_WORDS: dict[str, str] = {"day": "Daily", "week": "Weekly", "month": "Monthly"}
HEIGHT = 380
PROJECTOR_SCALE = 1.35
"""Presentation mode draws charts this much taller, for a projector seen from across a room."""
PROJECTOR_FONT = {"size": 18}
PROJECTOR_TICK_FONT = {"size": 16}
PROJECTOR_TITLE_FONT = {"size": 24}


def channel_color(channel: str) -> str:
    """The channel's colour; unknown channels get a stable colour from the rest of the palette."""
    if channel in CHANNEL_COLORS:
        return CHANNEL_COLORS[channel]
    spare = PALETTE[len(CHANNEL_COLORS) :]
    return spare[sum(map(ord, channel)) % len(spare)]


def format_period(start: dt.date | None, end: dt.date | None) -> str:
    """``"2024-01-01 – 2024-12-29"``, or ``"all dates"`` without a range."""
    if start is None or end is None:
        return "all dates"
    return f"{start.isoformat()} – {end.isoformat()}"


def _drawn_line(trace: object) -> bool:
    return (getattr(trace, "type", None) == "scatter" and trace.mode == "lines" and trace.line.width != 0
            and not trace.stackgroup and not trace.fill)


def apply_style(fig: go.Figure, title: str, *, height: int = HEIGHT) -> go.Figure:
    """Title, height, margins and legend every chart shares; taller with larger fonts in presentation mode."""
    projector = is_presenting()  # the session's mode (dashboard.presentation); False outside a Streamlit run
    if projector:
        height = round(height * PROJECTOR_SCALE)
    fig.update_layout(
        # Title pinned to the top of the figure and room below it: a legend that wraps onto a
        # second line on a narrow column grows into that room instead of over the title.
        # plotly.js anchors a multi-line title by its first line only, so each "<br>" line would
        # push the first one above the figure's top edge: pad it down by a line per break.
        title={"text": title, "x": 0, "xanchor": "left", "yref": "container", "y": 0.98, "yanchor": "top",
               "pad": {"t": 18 * title.count("<br>")}},
        height=height + 30,
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1, "title": None},
        hovermode="x unified",
    )
    if projector:
        fig.update_layout(font=PROJECTOR_FONT, title_font=PROJECTOR_TITLE_FONT, legend_font=PROJECTOR_FONT,
                          margin={"t": 110})
        # One break per line, as above, but at the larger title size.
        fig.update_layout(title_pad_t=24 * title.count("<br>"))
        # Streamlit's chart theme sets small axis fonts of its own, so the axes are set explicitly.
        fig.update_xaxes(tickfont=PROJECTOR_TICK_FONT, title_font=PROJECTOR_FONT)
        fig.update_yaxes(tickfont=PROJECTOR_TICK_FONT, title_font=PROJECTOR_FONT)
        # Drawn lines only: a band's edges (width 0) and stacked areas keep their width, or the
        # bands get thick edges in default colours.
        fig.update_traces(line_width=3, selector=_drawn_line)
    return fig
