"""The response-curve panels: weekly revenue against weekly spend per channel, with bands and markers.

Drawn with Vega-Lite: these panels are the first thing the Budget simulator shows, and a
Vega-Lite chart appears about a second sooner than a plotly one in a fresh browser
(docs/page-speed.md).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from dashboard import money, vega
from dashboard.budget.charts import BAND_NAME, MARKER_STYLES, media_color

PANEL_WIDTH = 265
PANEL_HEIGHT = 200
STAR = "M0,-1.3L0.29,-0.4L1.24,-0.4L0.47,0.15L0.76,1.05L0,0.5L-0.76,1.05L-0.47,0.15L-1.24,-0.4L-0.29,-0.4Z"
"""Vega has no star symbol: an SVG path (larger than the unit square, as a star fills less of it than a circle)."""
SHAPES = {"circle": "circle", "diamond": "diamond", "star": STAR}

ALLOWED_COLOR = "green"


def panel_data(
    curves: pd.DataFrame,
    channel: str,
    *,
    markers: Mapping[str, Mapping[str, tuple[float, float]]],
    allowed: Mapping[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """One channel's rows of every layer (``layer``: "curve", "marker" or "allowed"), amounts written out.

    One table per panel, so a panel's curve, band, markers and allowed range share one data set.
    """
    currency = money.currency()
    part = curves[curves["channel"] == channel][["spend", "revenue", "revenue_low", "revenue_high"]]
    rows = [part.assign(layer="curve", label="")]
    points = [(label, *pts[channel]) for label, pts in markers.items() if channel in pts]
    if points:
        rows.append(pd.DataFrame(points, columns=["label", "spend", "revenue"]).assign(layer="marker"))
    if allowed and channel in allowed:
        lo, hi = allowed[channel]
        rows.append(pd.DataFrame({"layer": ["allowed"], "label": ["allowed"], "spend": [lo],
                                  "spend_high": [min(hi, float(part["spend"].max()))]}))
    data = pd.concat(rows, ignore_index=True).assign(channel=channel)
    data["spend_text"] = [currency.whole(v) if np.isfinite(v) else "" for v in data["spend"]]
    data["revenue_text"] = [currency.whole(v) if np.isfinite(v) else "" for v in data["revenue"]]
    data["band_text"] = [f"{currency.whole(lo)} – {currency.whole(hi)}" if np.isfinite(lo) else ""
                         for lo, hi in zip(data["revenue_low"], data["revenue_high"],
                                           strict=True)]
    return data


def response_curves(
    curves: pd.DataFrame,
    *,
    markers: Mapping[str, Mapping[str, tuple[float, float]]],
    allowed: Mapping[str, tuple[float, float]] | None = None,
) -> dict:
    """Weekly revenue each channel drives against its weekly spend, one panel per channel (a Vega-Lite spec).

    Built as a plain spec for ``st.vega_lite_chart``, not with Altair: the panels are rebuilt
    on every slider move, and Altair's objects (copied and validated at every layer) took
    0.6-1.4 s for six panels where this takes milliseconds.

    Parameters
    ----------
    curves : pandas.DataFrame
        ``MediaMixModel.response_curves()``: channel, spend, revenue and its 90% band
        (revenue_low, revenue_high), drawn as a light fill around each curve.
    markers : mapping label -> (mapping channel -> (spend, revenue))
        Points to mark, per week in the data's currency, e.g. ``{"current": {...}, "what-if": {...}}``;
        labels in :data:`MARKER_STYLES` get their symbol.  The revenue comes from the model, not
        from the curve's grid, so a marker is exact wherever it falls.
    allowed : mapping channel -> (low, high), optional
        Allowed weekly spend, shaded.
    """
    currency = money.currency()
    labels = list(markers)
    styles = [MARKER_STYLES.get(label, ("circle", "grey")) for label in labels]
    money_axis = {"labelExpr": vega.money_label(currency), "tickCount": 4}
    x = {"field": "spend", "type": "quantitative", "title": f"{currency.code} per week", "axis": money_axis}
    y = {"field": "revenue", "type": "quantitative", "title": None, "axis": money_axis}

    def only(layer: str) -> list[dict]:
        return [{"filter": {"field": "layer", "equal": layer}}]

    def text(field: str, title: str) -> dict:
        return {"field": field, "type": "nominal", "title": title}

    panels, datasets = [], {}
    for i, channel in enumerate(dict.fromkeys(curves["channel"])):
        color = media_color(str(channel))
        name = f"response_{i}"
        datasets[name] = panel_data(curves, channel, markers=markers, allowed=allowed)
        layers = []
        if allowed and channel in allowed:
            layers.append({"transform": only("allowed"), "mark": {"type": "rect", "color": ALLOWED_COLOR, "opacity": 0.08},
                           "encoding": {"x": x, "x2": {"field": "spend_high"}}})
        layers += [
            {"transform": only("curve"), "mark": {"type": "area", "color": color, "opacity": 0.18},
             "encoding": {"x": x, "y": {**y, "field": "revenue_low"}, "y2": {"field": "revenue_high"}}},
            {"transform": only("curve"), "mark": {"type": "line", "color": color, "strokeWidth": 2},
             "encoding": {"x": x, "y": y}},
            # Invisible points along the curve carry its tooltip: a line's own tooltip shows one datum only.
            {"transform": only("curve"), "mark": {"type": "circle", "size": 90, "opacity": 0},
             "encoding": {"x": x, "y": y, "tooltip": [text("spend_text", "Spend per week"),
                                                      text("revenue_text", "Revenue per week"),
                                                      text("band_text", BAND_NAME)]}},
            {"transform": only("marker"), "mark": {"type": "point", "size": 130, "filled": True, "opacity": 1},
             "encoding": {
                 "x": x, "y": y,
                 "shape": {"field": "label", "type": "nominal", "title": None,
                           "scale": {"domain": labels, "range": [SHAPES.get(shape, shape) for shape, _ in styles]}},
                 "color": {"field": "label", "type": "nominal", "title": None,
                           "scale": {"domain": labels, "range": [c for _, c in styles]}, "legend": {"orient": "bottom"}},
                 "tooltip": [text("label", "Budget"), text("spend_text", "Spend per week"),
                             text("revenue_text", "Revenue per week")]}},
        ]
        panels.append({"data": {"name": name}, "title": str(channel), "width": PANEL_WIDTH,
                       "height": vega.panel_height(PANEL_HEIGHT), "layer": layers})
    spec = {"concat": panels, "columns": 3 if len(panels) > 4 else max(1, len(panels)), "datasets": datasets}
    return vega.style_spec(spec, f"Response curves: weekly revenue driven by weekly spend ({currency.code}, steady state)")
