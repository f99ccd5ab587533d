"""Figures for the Market insight page: DataFrames of :mod:`core.insight` in, figures out.

The cohort heatmaps, which the page opens on, are Vega-Lite (Altair) charts; the other sections'
charts are plotly.

No Streamlit calls and no queries. Groups hidden by the privacy rule arrive as missing values
with a flag in ``<count>_hidden`` (:mod:`core.privacy`); the figures leave them blank and say so
("fewer than 50") in the cell text or the hover, never plotting a figure about them.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.insight.journeys import NO_REPEAT
from core.privacy import COMPLEMENT, COMPLEMENT_LABEL, cell_text, hidden_label, hidden_reason, is_hidden
from core.store.schema import EVENT_TYPES
from dashboard import money, vega
from dashboard.charts import apply_style, channel_color
from dashboard.presentation import is_presenting

_STEP_WORDS = {"view": "Viewed", "cart": "Added to cart", "purchase": "Purchased"}
_HIDDEN_COLOR = "#e0e0e0"
_PERIOD_COLORS = {"previous": "#bdbdbd", "selected": "#2171b5"}
_NO_REPEAT_COLOR = "#d9d9d9"


def _titled(fig: go.Figure, title: str, period: str, *, height: int = 400, legend: bool = True) -> go.Figure:
    """The shared layout with the period on a second, smaller title line (half-width charts)."""
    apply_style(fig, f"{title}<br><sup>{period}</sup>", height=height)
    fig.update_layout(hovermode="closest", margin={"l": 10, "r": 10, "t": 70, "b": 10})
    if legend:
        fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0})
    return fig


def _size_text(size: object, reason: object) -> str:
    """A cohort's size in its row label: ``"1,234"``, ``"fewer than 50"`` or ``"hidden"`` (a complement)."""
    return "hidden" if reason == COMPLEMENT else cell_text(size, reason)


def _cell_text(value: float, percent: bool) -> str:
    """What a heatmap cell writes: ``"39%"``, ``"734"`` or ``"1.2k"`` (four characters at most, to fit a month's cell)."""
    if pd.isna(value):
        return ""
    if percent:
        return f"{value:.0f}%"
    return f"{value:,.0f}" if abs(value) < 999.5 else f"{value / 1000:.1f}k"


def _cohort_cells(df: pd.DataFrame, measure: str) -> tuple[pd.DataFrame, list[str]]:
    """One row per cohort × month (row label, value, cell text, hover text), and the row labels in order.

    Hidden cells (small groups) keep no value and carry the reason in their hover; cells with no
    value and no reason (revenue after a hidden month, months not passed) are left out.
    """
    retention = measure == "retention"
    currency = money.currency()
    firsts = df.drop_duplicates("cohort")
    sizes = {c: _size_text(s, r) for c, s, r in zip(firsts["cohort"], firsts["cohort_size"],
                                                     hidden_reason(firsts, "cohort_size"), strict=True)}
    values = df[measure].astype(float) * (100 if retention else 1)
    labels = [hidden_label(r) for r in hidden_reason(df, "active_customers")]
    cells = pd.DataFrame({
        "row": [f"{c} ({sizes[c]})" for c in df["cohort"]],
        "month": df["months_since"].astype(int).astype(str),
        "value": values.to_numpy(),
        "hidden": [bool(label) and pd.isna(v) for label, v in zip(labels, values, strict=True)],
    })
    cells["cell"] = [_cell_text(v, retention) for v in cells["value"]]
    shown = [f"month {k}: {v:.1f}% ordered" if retention else f"months 0–{k}: {currency.whole(v)} per customer"
             for k, v in zip(cells["month"], cells["value"], strict=True)]
    cells["hover"] = [(label if label == COMPLEMENT_LABEL else f"hidden ({label} customers)") if h else text
                      for h, label, text in zip(cells["hidden"], labels, shown, strict=True)]
    return cells[cells["value"].notna() | cells["hidden"]], [f"{c} ({sizes[c]})" for c in sorted(sizes)]


def cohort_heatmap(df: pd.DataFrame, *, measure: str, cohort_title: str, period: str) -> alt.LayerChart:
    """Heatmap of retention (%) or cumulative revenue per customer, cohorts × months since (Vega-Lite).

    Coloured cells with their value written in them (a rect layer and a text layer); hidden cells
    (small groups) are grey with the reason in the tooltip; each row label carries the cohort
    size or ``"fewer than N"``. Vega-Lite, not plotly: the page opens on this section and a
    Vega-Lite chart draws about a second sooner (docs/page-speed.md).

    Parameters
    ----------
    df : DataFrame
        Output of :func:`core.insight.cohort_table`.
    measure : {"retention", "cumulative_revenue_per_customer"}
    cohort_title : str
        How cohorts are grouped, e.g. ``"First-order month"`` (y-axis title).
    period : str
        Period of the first orders, for the title.
    """
    currency = money.currency()
    cells, rows = _cohort_cells(df, measure)
    if measure == "retention":
        title, scheme, top, word = "Retention: share of the cohort ordering (%)", "blues", 100.0, "Retention"
        legend = alt.Legend(title="%", labelExpr="datum.value + '%'")
    else:
        title, scheme, word = f"Revenue per customer to date ({currency.code})", "greens", "Revenue per customer to date"
        top = max(float(cells["value"].max()), 1.0) if cells["value"].notna().any() else 1.0
        legend = alt.Legend(title=currency.code, labelExpr=vega.money_label(currency))
    months = [str(k) for k in sorted(df["months_since"].astype(int).unique())]
    base = alt.Chart(cells).encode(
        x=alt.X("month:N", title="Months since the first order", scale=alt.Scale(domain=months),
                axis=alt.Axis(labelAngle=0, orient="bottom")),
        y=alt.Y("row:N", title=f"{cohort_title} (customers)", scale=alt.Scale(domain=rows),
                axis=alt.Axis(labelLimit=220)),
        tooltip=[alt.Tooltip("row:N", title=cohort_title), alt.Tooltip("hover:N", title=word)],
    )
    hidden = base.transform_filter("datum.hidden").mark_rect(color=_HIDDEN_COLOR)
    colored = base.transform_filter("!datum.hidden").mark_rect().encode(
        color=alt.Color("value:Q", scale=alt.Scale(scheme=scheme, domain=[0, top]), legend=legend))
    text = base.transform_filter("!datum.hidden").mark_text(fontSize=10 if is_presenting() else 9).encode(
        text="cell:N",
        color=alt.condition(f"datum.value > {top * 0.55!r}", alt.value("white"), alt.value("#252525")),
    )
    # The height is the whole chart's (Streamlit fits the chart in it): title and axes take about 140 px.
    chart = vega.style(alt.layer(hidden, colored, text), title, period=f"first orders {period}",
                       height=max(vega.CHART_HEIGHT, 140 + 26 * len(rows)))
    chart.title.subtitle = [f"first orders {period},", "by month since the first order; grey = hidden group"]
    return chart


def funnel_bars(df: pd.DataFrame, *, period: str) -> go.Figure:
    """Share of product views reaching each step, per channel, with the drop-off at each step.

    Parameters
    ----------
    df : DataFrame
        Rows of :func:`core.insight.funnel_comparison` for one period (or :func:`funnel_table`).
    """
    fig = go.Figure()
    for step in EVENT_TYPES:
        part = df[df["step"] == step]
        text = []
        for r, hidden in zip(part.itertuples(index=False), is_hidden(part, "events"), strict=True):
            if pd.isna(r.overall_conversion):
                text.append("hidden" if hidden or step == "view" else "–")
            elif step == "view" or pd.isna(r.drop_off):
                text.append(f"{r.overall_conversion * 100:.0f}%")
            else:
                text.append(f"{r.overall_conversion * 100:.0f}%<br>−{r.drop_off * 100:.0f}%")
        events = [f"{cell_text(v, r)} shoppers" if pd.notna(r) else f"{v:,.0f} events"
                  for v, r in zip(part["events"], hidden_reason(part, "events"), strict=True)]
        fig.add_trace(go.Bar(
            x=part["channel"], y=part["overall_conversion"] * 100, name=_STEP_WORDS[step], text=text,
            textposition="outside", customdata=events,
            hovertemplate="%{x}: %{y:.1f}% of views (%{customdata})<extra>" + _STEP_WORDS[step] + "</extra>",
        ))
    _titled(fig, "Funnel per channel: % of views reaching each step (−drop-off)", period)
    fig.update_layout(barmode="group", bargap=0.2)
    fig.update_traces(marker_line_width=0)
    for trace, shade in zip(fig.data, ("#c6dbef", "#6baed6", "#08519c"), strict=True):
        trace.marker.color = shade
    fig.update_yaxes(title="% of product views", range=[0, 125], ticksuffix="%")
    fig.update_xaxes(title=None)
    return fig


def funnel_period_bars(df: pd.DataFrame, *, periods: dict[str, str]) -> go.Figure:
    """Purchases per product view by channel, selected period next to the previous one (%).

    Parameters
    ----------
    df : DataFrame
        Output of :func:`core.insight.funnel_comparison`.
    periods : dict
        ``{"selected": "2025-01-01 – …", "previous": "…"}`` for the legend.
    """
    fig = go.Figure()
    purchases = df[df["step"] == "purchase"]
    for label in ("previous", "selected"):
        part = purchases[purchases["period"] == label]
        if part.empty:
            continue
        fig.add_trace(go.Bar(
            x=part["channel"], y=part["overall_conversion"] * 100, name=periods.get(label, label),
            marker_color=_PERIOD_COLORS[label],
            text=["hidden" if pd.isna(v) else f"{v * 100:.1f}%" for v in part["overall_conversion"]],
            textposition="outside", hovertemplate="%{x}: %{y:.2f}% of views bought<extra>%{fullData.name}</extra>",
        ))
    _titled(fig, "Purchases per product view by channel (%)", "selected vs previous period of equal length")
    fig.update_layout(barmode="group", bargap=0.25)
    top = float(np.nanmax(purchases["overall_conversion"].to_numpy(dtype=float) * 100)) if purchases[
        "overall_conversion"].notna().any() else 1.0
    fig.update_yaxes(title="Purchases per view (%)", range=[0, top * 1.25], ticksuffix="%")
    return fig


def journey_sankey(df: pd.DataFrame, *, period: str) -> go.Figure:
    """Sankey of first-purchase channel → channels of later purchases (customers).

    Hidden cells (fewer than the minimum) are left out of the links; the title says so.
    """
    links = df[df["customers"].notna() & ~is_hidden(df, "customers")].copy()
    links["customers"] = links["customers"].astype(float)
    firsts = sorted(df["first_channel"].unique())
    laters = sorted(c for c in df["later_channel"].unique() if c != NO_REPEAT) + [NO_REPEAT]
    labels = [f"{c} (first)" for c in firsts] + [c if c == NO_REPEAT else f"{c} (later)" for c in laters]
    colors = [channel_color(c) for c in firsts] + [_NO_REPEAT_COLOR if c == NO_REPEAT else channel_color(c) for c in laters]
    src = [firsts.index(c) for c in links["first_channel"]]
    dst = [len(firsts) + laters.index(c) for c in links["later_channel"]]
    share = links["share_of_first"].to_numpy(dtype=float) * 100
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": labels, "color": colors, "pad": 14, "thickness": 16,
              "hovertemplate": "%{label}<extra></extra>"},
        link={"source": src, "target": dst, "value": links["customers"].to_numpy(),
              "color": [_fade(channel_color(c)) for c in links["first_channel"]], "customdata": share,
              "hovertemplate": "%{source.label} → %{target.label}: %{value:,.0f} customers "
                               "(%{customdata:.0f}% of the first channel's)<extra></extra>"},
    ))
    _titled(fig, "Where customers bought after their first purchase (customers)",
            f"first purchases {period}; groups under the minimum size are left out", height=440, legend=False)
    return fig


def _fade(color: str, alpha: float = 0.35) -> str:
    color = color.strip()
    if color.startswith("rgb("):
        return color.replace("rgb(", "rgba(").replace(")", f", {alpha})")
    h = color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def value_bars(df: pd.DataFrame, *, period: str) -> go.Figure:
    """Multi- vs single-channel customers: revenue per customer, orders per customer, order value."""
    panels = (("revenue_per_customer", f"Revenue/customer ({money.code()})", f"{{:,.0f}} {money.code()}"),
              ("orders_per_customer", "Orders/customer", "{:.2f}"),
              ("average_order_value", f"Avg order value ({money.code()})", f"{{:,.0f}} {money.code()}"))
    fig = make_subplots(rows=1, cols=3, subplot_titles=[p[1] for p in panels], horizontal_spacing=0.1)
    short = [g.replace("-channel", "") for g in df["group"]]
    colors = {"single-channel": "#9ecae1", "multi-channel": "#2171b5"}
    for col, (column, _, fmt) in enumerate(panels, start=1):
        values = df[column].astype(float)
        fig.add_trace(go.Bar(
            x=short, y=values.fillna(0), marker_color=[colors.get(g, "#888") for g in df["group"]],
            text=["hidden" if pd.isna(v) else fmt.format(v) for v in values], textposition="outside",
            hovertemplate="%{x}: %{text}<extra></extra>", showlegend=False,
        ), row=1, col=col)
        top = float(values.max()) if values.notna().any() and values.max() > 0 else 1.0
        fig.update_yaxes(range=[0, top * 1.25], row=1, col=col)
    _titled(fig, "Multi- vs single-channel customers", period, legend=False)
    fig.update_annotations(font_size=11, yshift=4)
    fig.update_layout(margin={"t": 95})
    return fig


def weekly_anomaly_lines(df: pd.DataFrame, *, period: str, threshold: float) -> go.Figure:
    """Weekly revenue per channel (lines), its seasonal expectation (dotted) and anomaly weeks (markers)."""
    fig = go.Figure()
    for channel, part in df.groupby("channel", sort=True):
        color = channel_color(str(channel))
        fig.add_trace(go.Scatter(
            x=part["week"], y=part["revenue"], name=str(channel), mode="lines", legendgroup=str(channel),
            line={"color": color, "width": 2}, hovertemplate=f"{channel}: {money.currency().hover()}<extra></extra>",
        ))
        fig.add_trace(go.Scatter(
            x=part["week"], y=part["expected_revenue"], name=f"{channel} expected", mode="lines",
            legendgroup=str(channel), showlegend=False, line={"color": color, "width": 1, "dash": "dot"},
            hovertemplate=f"{channel} expected: {money.currency().hover()}<extra></extra>",
        ))
    flagged = df[df["is_anomaly"].astype(bool)]
    if not flagged.empty:
        fig.add_trace(go.Scatter(
            x=flagged["week"], y=flagged["revenue"], name="anomaly week", mode="markers",
            marker={"symbol": "circle-open", "size": 14, "line": {"width": 3}, "color": "#d62728"},
            customdata=np.column_stack([flagged["channel"], flagged["z_score"].astype(float)]),
            hovertemplate="%{customdata[0]}: unusual week (robust z %{customdata[1]:+.1f})<extra></extra>",
        ))
    apply_style(fig, f"Weekly revenue by channel ({money.code()}) with its seasonal expectation (dotted) and anomaly weeks "
                 f"(|z| > {threshold:g}), {period}", height=420)
    fig.update_yaxes(title=f"Revenue ({money.code()})", rangemode="tozero", tickformat=",.0f")
    fig.update_xaxes(title="Week starting")
    return fig
