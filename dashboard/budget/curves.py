"""The response-curve panels: weekly revenue against weekly spend per channel, with bands and markers."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import money
from dashboard.budget.charts import BAND_NAME, MARKER_STYLES, band_hover, media_color, translucent
from dashboard.charts import apply_style


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
        ``MediaMixModel.response_curves()``: channel, spend, revenue and its 90% band
        (revenue_low, revenue_high), drawn as a light fill around each curve.
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
        low, high = part["revenue_low"].to_numpy(), part["revenue_high"].to_numpy()
        band = {"type": "scatter", "x": spend, "mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", **axes}
        traces.append({**band, "y": low, "name": BAND_NAME, "legendgroup": "band", "showlegend": False})
        fill = {"fill": "tonexty", "fillcolor": translucent(media_color(ch), 0.18)}
        traces.append({**band, **fill, "y": high, "name": BAND_NAME, "legendgroup": "band", "showlegend": i == 0})
        traces.append(
            {
                "type": "scatter",
                "x": spend,
                "y": rev,
                "mode": "lines",
                "line": {"color": media_color(ch), "width": 2},
                "name": ch,
                "showlegend": False,
                "customdata": np.column_stack([low, high]),
                "hovertemplate": f"spend {money.currency().hover('x')} → revenue {money.currency().hover()}<br>"
                f"90% band {band_hover()}<extra></extra>",
                **axes,
            }
        )
        if allowed and ch in allowed:
            lo, hi = allowed[ch]
            shapes.append(
                {
                    "type": "rect",
                    "xref": axes["xaxis"],
                    "yref": f"{axes['yaxis']} domain",
                    "x0": lo,
                    "x1": min(hi, spend.max()),
                    "y0": 0,
                    "y1": 1,
                    "fillcolor": "green",
                    "opacity": 0.08,
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
        for label, points in markers.items():
            symbol, color = MARKER_STYLES.get(label, ("circle-open", "grey"))
            x, y = points.get(ch, (np.nan, np.nan))
            traces.append(
                {
                    "type": "scatter",
                    "x": [x],
                    "y": [y],
                    "mode": "markers",
                    "marker": {"symbol": symbol, "size": 10, "color": color},
                    "name": label,
                    "legendgroup": label,
                    "showlegend": i == 0,
                    "hovertemplate": f"{label}: {money.currency().hover('x')} → {money.currency().hover()}",
                    **axes,
                }
            )
    fig = go.Figure(data=traces, layout={**layout, "shapes": shapes})
    fig = apply_style(
        fig, f"Response curves: weekly revenue driven by weekly spend ({money.code()}, steady state)", height=280 * rows + 80
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
        layout[f"xaxis{n}"] = {
            "domain": [left, left + width],
            "anchor": f"y{n}",
            "rangemode": "tozero",
            "title": {"text": f"{money.code()} per week", "font": {"size": 10}},
        }
        layout[f"yaxis{n}"] = {"domain": [top - height, top], "anchor": f"x{n}", "rangemode": "tozero"}
        layout["annotations"].append(
            {
                "text": title,
                "x": left + width / 2,
                "y": top,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 16},
            }
        )
    return layout
