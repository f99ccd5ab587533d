"""Plotly figures of the Budget simulator: DataFrames in, figures out (no Streamlit, no fitting)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

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
    # This figure is rebuilt on every slider move, so it is built in one go: traces and shading
    # shapes as plain dicts on a hand-made grid of axes, validated once by go.Figure.
    # make_subplots, add_trace(row=, col=) and add_vrect revalidate the figure at every call
    # (measured on the sample, build + to_json: 87 -> 29 ms without a plan, 153 -> 34 ms with one).
    layout, traces, shapes = _panel_grid(channels, cols), [], []
    for i, ch in enumerate(channels):
        axes = {"xaxis": f"x{_axis_suffix(i)}", "yaxis": f"y{_axis_suffix(i)}"}
        part = curves[curves["channel"] == ch]
        spend, rev = part["spend"].to_numpy(), part["revenue"].to_numpy()
        traces.append(
            {"type": "scatter", "x": spend, "y": rev, "mode": "lines", "line": {"color": media_color(ch), "width": 2},
             "name": ch, "showlegend": False, "hovertemplate": "spend %{x:,.0f} EUR → revenue %{y:,.0f} EUR", **axes}
        )  # fmt: skip
        if allowed and ch in allowed:
            lo, hi = allowed[ch]
            shapes.append(
                {"type": "rect", "xref": axes["xaxis"], "yref": f"{axes['yaxis']} domain", "x0": lo,
                 "x1": min(hi, spend.max()), "y0": 0, "y1": 1, "fillcolor": "green", "opacity": 0.08,
                 "line": {"width": 0}, "layer": "below"}
            )  # fmt: skip
        for label, points in markers.items():
            symbol, color = MARKER_STYLES.get(label, ("circle-open", "grey"))
            x, y = points.get(ch, (np.nan, np.nan))
            traces.append(
                {"type": "scatter", "x": [x], "y": [y], "mode": "markers",
                 "marker": {"symbol": symbol, "size": 10, "color": color}, "name": label, "legendgroup": label,
                 "showlegend": i == 0, "hovertemplate": f"{label}: %{{x:,.0f}} EUR → %{{y:,.0f}} EUR", **axes}
            )  # fmt: skip
    fig = go.Figure(data=traces, layout={**layout, "shapes": shapes})
    fig = _layout(
        fig, "Response curves: weekly revenue driven by weekly spend (EUR, steady state)", height=280 * rows + 80
    )
    fig.update_layout(hovermode="closest", legend={"yanchor": "top", "y": -0.1, "xanchor": "left", "x": 0})
    return fig


def _axis_suffix(i: int) -> str:
    # Plotly names the first axis pair x/y, then x2/y2, ...
    return "" if i == 0 else str(i + 1)


def _panel_grid(titles: list[str], cols: int, *, h_gap: float = 0.07, v_gap: float = 0.16) -> dict:
    """Layout of one small panel per title, ``cols`` per row, row by row (what make_subplots draws)."""
    rows = math.ceil(len(titles) / cols)
    width, height = (1 - h_gap * (cols - 1)) / cols, (1 - v_gap * (rows - 1)) / rows
    layout: dict = {"annotations": []}
    for i, title in enumerate(titles):
        row, col = divmod(i, cols)
        left, top, n = col * (width + h_gap), 1 - row * (height + v_gap), _axis_suffix(i)
        layout[f"xaxis{n}"] = {"domain": [left, left + width], "anchor": f"y{n}", "rangemode": "tozero",
                               "title": {"text": "EUR per week", "font": {"size": 10}}}  # fmt: skip
        layout[f"yaxis{n}"] = {"domain": [top - height, top], "anchor": f"x{n}", "rangemode": "tozero"}
        layout["annotations"].append(
            {"text": title, "x": left + width / 2, "y": top, "xref": "paper", "yref": "paper", "xanchor": "center",
             "yanchor": "bottom", "showarrow": False, "font": {"size": 16}}
        )  # fmt: skip
    return layout


def gain_waterfall(
    table: pd.DataFrame, *, current_revenue: float, weeks: int, start_label: str = "Current split"
) -> go.Figure:
    """From the starting to the proposed revenue: the gain or loss each channel's change brings.

    Parameters
    ----------
    table : pandas.DataFrame
        ``BudgetPlan.table()`` (channel, revenue_gain) already scaled to ``weeks``.
    current_revenue : float
        Predicted revenue of the starting split over ``weeks`` (EUR).
    start_label : str, default="Current split"
        Name of the first bar: ``BudgetPlan.current_label``, e.g. "Current mix at this budget"
        when the starting split is today's shares at another total.
    """
    names = [start_label, *table["channel"], "Proposed split"]
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
