"""Plotly figures of the Budget simulator: DataFrames in, figures out (no Streamlit, no fitting)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.charts import CHANNEL_COLORS, _layout, channel_color

BASELINE_COLOR = "#D9D9D9"
CONTROLS_COLOR = "#999999"
# Paid media channels get their own distinct colours; "social" keeps the dashboard-wide one.
MEDIA_COLORS: dict[str, str] = {
    "search": "#1F77B4",
    "social": CHANNEL_COLORS["social"],
    "display": "#FF7F0E",
    "email": "#2CA02C",
    "affiliate": "#9467BD",
    "tv": "#D62728",
}

MARKER_STYLES: dict[str, tuple[str, str]] = {
    "current": ("circle", "black"),
    "what-if": ("diamond", "#D55E00"),
    "optimised": ("star", "#009E73"),
}
"""Symbol and colour of the response-curve markers, by label."""


def media_color(channel: str) -> str:
    """Colour of a paid media channel (any other name: the dashboard's stable fallback)."""
    return MEDIA_COLORS.get(channel) or channel_color(channel)


def decomposition_area(decomp: pd.DataFrame, channels: tuple[str, ...], *, period: str) -> go.Figure:
    """Stacked weekly revenue by driver (baseline, controls, each channel) with actual revenue.

    Parameters
    ----------
    decomp : pandas.DataFrame
        ``MediaMixModel.decomposition_``: week, revenue, predicted, baseline, controls, channels.
    """
    fig = go.Figure()
    parts = [("baseline", "Baseline (no media)", BASELINE_COLOR)]
    if decomp["controls"].abs().sum() > 0:
        parts.append(("controls", "Controls", CONTROLS_COLOR))
    parts += [(c, c, media_color(c)) for c in channels]
    for col, name, color in parts:
        fig.add_trace(
            go.Scatter(
                x=decomp["week"], y=decomp[col], name=name, stackgroup="drivers", mode="lines",
                line={"width": 0.5, "color": color}, hovertemplate="%{y:,.0f} EUR",
            )
        )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=decomp["week"], y=decomp["revenue"], name="Actual revenue", mode="lines",
                   line={"color": "black", "width": 1.5}, hovertemplate="%{y:,.0f} EUR")
    )  # fmt: skip
    fig.update_yaxes(title="EUR per week", rangemode="tozero")
    return _layout(fig, f"Weekly revenue by driver (EUR), {period}", height=420)


def roas_bars(summary: pd.DataFrame, *, period: str) -> go.Figure:
    """ROAS (average return over the period) and marginal ROAS (next EUR) per channel, with 90% bands."""
    fig = go.Figure()
    for col, name, color in (("roas", "ROAS (average)", "#2171B5"), ("mroas", "Marginal ROAS (next EUR)", "#9ECAE1")):
        fig.add_trace(
            go.Bar(
                x=summary["channel"], y=summary[col], name=name, marker_color=color,
                error_y={"type": "data", "symmetric": False, "array": summary[f"{col}_high"] - summary[col],
                         "arrayminus": summary[col] - summary[f"{col}_low"], "thickness": 1, "color": "#555555"},
                hovertemplate="%{x}: %{y:.2f} EUR per EUR",
            )
        )  # fmt: skip
    fig.add_hline(
        y=1.0, line_dash="dot", line_color="grey", annotation_text="break-even", annotation_position="top left"
    )
    fig.update_layout(barmode="group", hovermode="closest")
    fig.update_yaxes(title="EUR of revenue per EUR spent", rangemode="tozero")
    fig = _layout(fig, f"Return on ad spend by channel<br><sup>{period}</sup>")
    fig.update_layout(
        legend={"yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0}
    )  # below: the title needs the width
    return fig


def response_curves(
    curves: pd.DataFrame,
    *,
    markers: Mapping[str, Mapping[str, tuple[float, float]]],
    allowed: Mapping[str, tuple[float, float]] | None = None,
) -> go.Figure:
    """Weekly revenue each channel drives against its weekly spend, one panel per channel.

    Parameters
    ----------
    curves : pandas.DataFrame
        ``MediaMixModel.response_curves()``: channel, spend, revenue.
    markers : mapping label -> (mapping channel -> (spend, revenue))
        Points to mark, EUR per week, e.g. ``{"current": {...}, "what-if": {...}}``; labels in
        :data:`MARKER_STYLES` get their symbol.  The revenue comes from the model, not from the
        curve's grid, so a marker is exact wherever it falls.
    allowed : mapping channel -> (low, high), optional
        Allowed weekly spend, shaded.
    """
    channels = list(dict.fromkeys(curves["channel"]))
    cols = 3 if len(channels) > 4 else max(1, len(channels))
    rows = math.ceil(len(channels) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=channels, horizontal_spacing=0.07, vertical_spacing=0.16)
    for i, ch in enumerate(channels):
        r, c = i // cols + 1, i % cols + 1
        part = curves[curves["channel"] == ch]
        spend, rev = part["spend"].to_numpy(), part["revenue"].to_numpy()
        fig.add_trace(
            go.Scatter(x=spend, y=rev, mode="lines", line={"color": media_color(ch), "width": 2}, name=ch,
                       showlegend=False, hovertemplate="spend %{x:,.0f} EUR → revenue %{y:,.0f} EUR"),
            row=r, col=c,
        )  # fmt: skip
        if allowed and ch in allowed:
            lo, hi = allowed[ch]
            fig.add_vrect(x0=lo, x1=min(hi, spend.max()), fillcolor="green", opacity=0.08, line_width=0, row=r, col=c)
        for label, points in markers.items():
            symbol, color = MARKER_STYLES.get(label, ("circle-open", "grey"))
            x, y = points.get(ch, (np.nan, np.nan))
            fig.add_trace(
                go.Scatter(x=[x], y=[y], mode="markers", marker={"symbol": symbol, "size": 10, "color": color},
                           name=label, legendgroup=label, showlegend=i == 0,
                           hovertemplate=f"{label}: %{{x:,.0f}} EUR → %{{y:,.0f}} EUR"),
                row=r, col=c,
            )  # fmt: skip
    fig.update_xaxes(title_text="EUR per week", title_font_size=10, rangemode="tozero")
    fig.update_yaxes(rangemode="tozero")
    fig = _layout(
        fig, "Response curves: weekly revenue driven by weekly spend (EUR, steady state)", height=280 * rows + 80
    )
    fig.update_layout(hovermode="closest", legend={"yanchor": "top", "y": -0.1, "xanchor": "left", "x": 0})
    return fig


def gain_waterfall(table: pd.DataFrame, *, current_revenue: float, weeks: int) -> go.Figure:
    """From current to proposed revenue: the gain or loss each channel's change brings.

    Parameters
    ----------
    table : pandas.DataFrame
        ``BudgetPlan.table()`` (channel, revenue_gain) already scaled to ``weeks``.
    """
    names = ["Current split", *table["channel"], "Proposed split"]
    values = [current_revenue, *table["revenue_gain"], 0.0]
    fig = go.Figure(
        go.Waterfall(
            x=names, y=values, measure=["absolute", *["relative"] * len(table), "total"],
            increasing={"marker": {"color": "#009E73"}}, decreasing={"marker": {"color": "#D55E00"}},
            totals={"marker": {"color": "#56B4E9"}}, hovertemplate="%{x}: %{y:,.0f} EUR",
            connector={"line": {"color": "grey", "width": 0.5}},
        )
    )  # fmt: skip
    span = float(np.abs(table["revenue_gain"]).sum())
    fig.update_yaxes(range=[current_revenue - 1.5 * span - 1, current_revenue + 1.5 * span + 1], title="EUR")
    fig.update_layout(showlegend=False, hovermode="closest")
    return _layout(fig, f"Where the gain comes from: predicted revenue over {weeks} week(s) (EUR)")
