"""Plotly figures of the Budget simulator: DataFrames in, figures out (no Streamlit, no fitting)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import convert_colors_to_same_type

from dashboard import money
from dashboard.charts import CHANNEL_COLORS, apply_style, channel_color

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
BAND_NAME = "90% band"


def media_color(channel: str) -> str:
    """Colour of a paid media channel (any other name: the dashboard's stable fallback)."""
    return MEDIA_COLORS.get(channel) or channel_color(channel)


def translucent(color: str, alpha: float) -> str:
    """``color`` (``#RRGGBB`` or ``rgb(r, g, b)``) as ``rgba(r, g, b, alpha)``, for light band fills."""
    rgb = convert_colors_to_same_type([color], colortype="rgb")[0][0]
    return rgb.replace("rgb(", "rgba(").replace(")", f", {alpha})")


def band_hover() -> str:
    """Hover text of a 90% band held in ``customdata`` (low, high), in the database's currency: ``£1,200 – £1,900``."""
    cur = money.currency()
    return f"{cur.hover('customdata[0]')} – {cur.hover('customdata[1]')}"


def ratio_hover() -> str:
    """Hover text of a ROAS-like ratio: ``£2.31 per £1 spent``."""
    cur = money.currency()
    return f"{cur.hover(spec='.2f')} per {cur.whole(1)} spent"


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
                x=decomp["week"],
                y=decomp[col],
                name=name,
                stackgroup="drivers",
                mode="lines",
                line={"width": 0.5, "color": color},
                hovertemplate=money.currency().hover(),
            )
        )
    fig.add_trace(
        go.Scatter(
            x=decomp["week"],
            y=decomp["revenue"],
            name="Actual revenue",
            mode="lines",
            line={"color": "black", "width": 1.5},
            hovertemplate=money.currency().hover(),
        )
    )
    fig.update_yaxes(title=f"{money.code()} per week", rangemode="tozero")
    return apply_style(fig, f"Weekly revenue by driver ({money.code()}), {period}", height=420)


def roas_bars(summary: pd.DataFrame, *, period: str) -> go.Figure:
    """ROAS (average return over the period) and marginal ROAS (next EUR) per channel, with 90% bands."""
    series = [
        ("ROAS (average)", "#2171B5", summary["roas"], summary["roas_low"], summary["roas_high"]),
        (f"Marginal ROAS (next {money.currency().whole(1)})", "#9ECAE1", summary["mroas"], summary["mroas_low"], summary["mroas_high"]),
    ]
    return _band_bars(list(summary["channel"]), series, title=f"Return on ad spend by channel<br><sup>{period}</sup>")


WHISKER_CAP = 2.5
"""Band whiskers are drawn up to this multiple of the tallest bar; longer ones are cut and labelled."""


def _band_bars(categories: list[str], series: list[tuple], *, title: str) -> go.Figure:
    """Grouped bars of ROAS-like ratios with 90% band whiskers and a break-even line at 1.

    ``series`` holds ``(name, colour, values, low, high)`` per group member.  One very wide
    band must not squash every bar to the floor: the axis stops at :data:`WHISKER_CAP` × the
    tallest bar and a cut whisker gets its end written at the top ("↑ 61.7").
    """
    fig = go.Figure()
    tallest = max(float(np.nanmax(np.asarray(values, float))) for _, _, values, _, _ in series)
    highest = max(float(np.nanmax(np.asarray(high, float))) for *_, high in series)
    top = max(min(highest, WHISKER_CAP * tallest), 1.2) * 1.08
    width = 0.8 / len(series)  # plotly's default group: 80% of a category, split evenly
    for k, (name, color, values, low, high) in enumerate(series):
        values, low, high = (np.asarray(v, float) for v in (values, low, high))
        fig.add_trace(
            go.Bar(
                x=categories,
                y=values,
                name=name,
                marker_color=color,
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": high - values,
                    "arrayminus": values - low,
                    "thickness": 1,
                    "color": "#555555",
                },
                customdata=np.column_stack([low, high]),
                hovertemplate=f"%{{x}}: {ratio_hover()} (90% band %{{customdata[0]:.2f}} – %{{customdata[1]:.2f}})"
                f"<extra>{name}</extra>",
            )
        )
        offset = -0.4 + (k + 0.5) * width
        for i, h in enumerate(high):
            if h > top:
                fig.add_annotation(
                    x=i + offset,
                    y=top,
                    text=f"↑{h:.0f}" if h >= 10 else f"↑{h:.1f}",
                    showarrow=False,
                    yanchor="bottom",
                    font={"size": 11, "color": "#333333"},
                )
    fig.add_hline(y=1.0, line_dash="dot", line_color="grey")
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="lines",
            line={"dash": "dot", "color": "grey"},
            name=f"Break-even ({money.currency().whole(1)} back per {money.currency().whole(1)})",
        )
    )
    fig.update_layout(barmode="group", hovermode="closest")
    fig.update_yaxes(title=f"{money.code()} of revenue per {money.code()} spent", range=[0, top])
    fig = apply_style(fig, title)
    # Legend below: the title needs the width; further down under two-line labels ("tv<br>(tested)").
    below = -0.22 if any("<br>" in str(c) for c in categories) else -0.12
    fig.update_layout(legend={"yanchor": "top", "y": below, "xanchor": "left", "x": 0})
    return fig


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
            x=names,
            y=values,
            measure=["absolute", *["relative"] * len(table), "total"],
            increasing={"marker": {"color": "#009E73"}},
            decreasing={"marker": {"color": "#D55E00"}},
            totals={"marker": {"color": "#56B4E9"}},
            hovertemplate=f"%{{x}}: {money.currency().hover()}",
            connector={"line": {"color": "grey", "width": 0.5}},
        )
    )
    span = float(np.abs(table["revenue_gain"]).sum())
    fig.update_yaxes(range=[current_revenue - 1.5 * span - 1, current_revenue + 1.5 * span + 1], title=money.code())
    fig.update_layout(showlegend=False, hovermode="closest")
    return apply_style(fig, f"Where the gain comes from<br><sup>predicted revenue over {weeks} week(s) ({money.code()})</sup>")


def roas_shift_bars(shifts: pd.DataFrame, *, tested: set[str], period: str) -> go.Figure:
    """ROAS per channel without and with the lift tests, each with its 90% band.

    Parameters
    ----------
    shifts : pandas.DataFrame
        :func:`core.mmm.report.test_shifts`: channel, roas, roas_low, roas_high and the same
        three ``*_without_tests``.
    tested : set of str
        Channels a used lift test measured; their axis label says "(tested)".
    """
    names = [f"{c}<br>(tested)" if c in tested else c for c in shifts["channel"]]
    series = [
        (
            "Without lift tests",
            "#BDBDBD",
            shifts["roas_without_tests"],
            shifts["roas_low_without_tests"],
            shifts["roas_high_without_tests"],
        ),
        ("With lift tests", "#2171B5", shifts["roas"], shifts["roas_low"], shifts["roas_high"]),
    ]
    return _band_bars(names, series, title=f"ROAS without and with the lift tests<br><sup>{period}, 90% bands</sup>")


def future_revenue(forecast: pd.DataFrame, *, history: pd.DataFrame | None = None) -> go.Figure:
    """Predicted weekly revenue of a plan for the next weeks, with its 90% band.

    Parameters
    ----------
    forecast : pandas.DataFrame
        :func:`core.mmm.planning.forecast_table`: week, revenue, low, high, baseline, carryover
        (EUR per week).
    history : pandas.DataFrame, optional
        Recent weeks (week, revenue) of actual revenue, drawn before the plan for context.
    """
    fig = go.Figure()
    if history is not None and len(history):
        fig.add_trace(
            go.Scatter(
                x=history["week"],
                y=history["revenue"],
                name="Actual revenue",
                mode="lines",
                line={"color": "#777777", "width": 1.5},
                hovertemplate=money.currency().hover(),
            )
        )
    band = {"x": forecast["week"], "mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", "legendgroup": "band"}
    fig.add_trace(go.Scatter(y=forecast["low"], name=BAND_NAME, showlegend=False, **band))
    fig.add_trace(
        go.Scatter(y=forecast["high"], name=BAND_NAME, fill="tonexty", fillcolor=translucent("#2171B5", 0.2), **band)
    )
    fig.add_trace(
        go.Scatter(
            x=forecast["week"],
            y=forecast["revenue"],
            name="Predicted revenue with the plan",
            mode="lines+markers",
            line={"color": "#2171B5", "width": 2},
            marker={"size": 5},
            customdata=np.column_stack([forecast["low"], forecast["high"]]),
            hovertemplate=f"{money.currency().hover()} (90% band {band_hover()})",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=forecast["week"],
            y=forecast["baseline"] + forecast["carryover"],
            name="With no new spend (baseline + carry-over)",
            mode="lines",
            line={"color": "#D55E00", "width": 1.5, "dash": "dot"},
            hovertemplate=money.currency().hover(),
        )
    )
    fig.update_yaxes(title=f"{money.code()} per week", rangemode="tozero")
    first, last = forecast["week"].iloc[0], forecast["week"].iloc[-1] + pd.Timedelta(days=6)
    title = (
        f"Predicted weekly revenue, next {len(forecast)} weeks ({money.code()})<br><sup>{first:%Y-%m-%d} – {last:%Y-%m-%d}</sup>"
    )
    fig = apply_style(fig, title, height=400)
    fig.update_layout(legend={"yanchor": "top", "y": -0.1, "xanchor": "left", "x": 0})
    return fig
