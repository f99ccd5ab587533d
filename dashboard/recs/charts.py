"""Figures of the Recommendations page (the customer preview's timeline in Vega-Lite, the rest plotly): DataFrames in, figures out (no Streamlit calls).

Titles carry the unit and the period (purchase dates, or the held-out weeks of the
evaluation) so an exported chart stands alone.  The popularity baseline is always grey.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from core.recs.explain import segment_label
from dashboard import money, vega
from dashboard.charts import apply_style

BASELINE_COLOR = "#9e9e9e"
_MODEL_PALETTE = px.colors.qualitative.Set2
SHARE_COLORS = {"rec_share": "#1f77b4", "catalogue_share": "#bdbdbd", "sales_share": "#ff7f0e"}
SHARE_LABELS = {"rec_share": "Recommendation slots", "catalogue_share": "Catalogue", "sales_share": "Sales (order lines)"}


def model_colors(models: list[str], *, baseline: str) -> dict[str, str]:
    """A stable colour per model name, grey for the baseline."""
    others = [m for m in models if m != baseline]
    colors = {m: _MODEL_PALETTE[i % len(_MODEL_PALETTE)] for i, m in enumerate(others)}
    colors[baseline] = BASELINE_COLOR
    return colors


def purchase_timeline(history: pd.DataFrame, *, customer_id: str) -> alt.Chart:
    """Monthly spend of one customer, stacked by sales channel (Vega-Lite: the page's first chart draws fast).

    Parameters
    ----------
    history : DataFrame
        Output of :func:`core.recs.profile.purchase_history` (``order_ts``, ``channel``, ``revenue``).
    customer_id : str
        Shown in the title.
    """
    currency = money.currency()
    month = pd.to_datetime(history["order_ts"]).dt.to_period("M").dt.to_timestamp()
    monthly = (history.assign(month=month, channel=history["channel"].astype(str))
               .groupby(["month", "channel"], as_index=False)["revenue"].sum())
    monthly["month_text"] = monthly["month"].dt.strftime("%b %Y")
    monthly["revenue_text"] = [currency.amount(v) for v in monthly["revenue"]]
    first, last = month.min(), month.max()
    period = f"{first:%b %Y} – {last:%b %Y}" if len(history) else "no purchases"
    chart = alt.Chart(monthly).mark_bar().encode(
        # Monthly bars on a time axis: each bar is as wide as its month, so gaps show months without orders.
        x=alt.X("yearmonth(month):T", title=None),
        y=alt.Y("sum(revenue):Q", title=currency.code, axis=alt.Axis(labelExpr=vega.money_label(currency))),
        color=alt.Color("channel:N", scale=vega.channel_scale(sorted(monthly["channel"].unique())),
                        legend=vega.legend()),
        tooltip=[alt.Tooltip("month_text:N", title="Month"), alt.Tooltip("channel:N", title="Channel"),
                 alt.Tooltip("revenue_text:N", title="Spend")],
    )
    return vega.style(chart, f"Customer {customer_id}: spend per month by channel ({currency.code})", period=period,
                      height=330)


def metric_bars(metrics: pd.DataFrame, *, columns: list[str], labels: dict[str, str], model_labels: dict[str, str],
                baseline: str, title: str, percent: bool = True, legend_below: bool = False) -> go.Figure:
    """Grouped bars: one group per metric, one bar per model (baseline grey).

    Parameters
    ----------
    metrics : DataFrame
        :attr:`core.recs.evaluate.Evaluation.metrics` (``model`` plus one column per metric).
    columns : list of str
        Metrics to draw, in order.
    labels, model_labels : dict of str to str
        Display names of metrics and models.
    baseline : str
        Model name drawn in grey.
    title : str
    percent : bool, default=True
        Axis in percent (the metrics are fractions).
    legend_below : bool, default=False
        Legend under the plot: in a half-width chart it would cover the title.
    """
    colors = model_colors(metrics["model"].tolist(), baseline=baseline)
    fig = go.Figure()
    fmt = "%{y:.1%}" if percent else "%{y:.2f}"
    for row in metrics.itertuples(index=False):
        name = model_labels.get(row.model, row.model)
        values = [getattr(row, c) for c in columns]
        fig.add_trace(go.Bar(x=[labels[c] for c in columns], y=values, name=name, marker_color=colors[row.model],
                             hovertemplate=f"{name}: {fmt}<extra>%{{x}}</extra>"))
    fig.update_layout(barmode="group", yaxis_tickformat=".0%" if percent else None)
    fig = apply_style(fig, title, height=420 if legend_below else 360)
    fig.update_layout(hovermode="closest")
    if legend_below:
        fig.update_layout(legend={"yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0})
    return fig


def segment_bars(by_segment: pd.DataFrame, *, metric: str, metric_label: str, model_labels: dict[str, str],
                 baseline: str, title: str) -> go.Figure:
    """One metric per customer segment (x) and model (bars); hidden (small) segments are left out."""
    data = by_segment.dropna(subset=[metric])
    colors = model_colors(list(dict.fromkeys(by_segment["model"])), baseline=baseline)
    fig = go.Figure()
    for model, part in data.groupby("model", sort=False):
        name = model_labels.get(model, model)
        fig.add_trace(go.Bar(x=part["segment"], y=part[metric], name=name, marker_color=colors[model],
                             customdata=[segment_label(str(seg)) for seg in part["segment"]],
                             hovertemplate=f"{name}: %{{y:.1%}}<extra>%{{customdata}}</extra>"))
    fig.update_layout(barmode="group", yaxis_tickformat=".0%", yaxis_title=metric_label, xaxis_title="Segment (main channel)")
    fig = apply_style(fig, title, height=360)
    fig.update_layout(hovermode="closest")
    return fig


def fairness_bars(fairness: pd.DataFrame, *, group_label: str, title: str, top: int = 15) -> go.Figure:
    """Horizontal bars per group: share of recommendation slots vs share of catalogue and of sales.

    Parameters
    ----------
    fairness : DataFrame
        Rows of :attr:`core.recs.evaluate.Evaluation.fairness` for one model and one dimension.
    group_label : str
        Axis title, e.g. "Brand".
    top : int, default=15
        Groups shown (largest by recommendation or catalogue share); the table has them all.
    """
    data = fairness.assign(_size=fairness[["rec_share", "catalogue_share"]].max(axis=1))
    data = data.nlargest(top, "_size").sort_values("_size")
    fig = go.Figure()
    for col in ("catalogue_share", "sales_share", "rec_share"):
        fig.add_trace(go.Bar(y=data["group"], x=data[col], name=SHARE_LABELS[col], orientation="h",
                             marker_color=SHARE_COLORS[col],
                             hovertemplate=f"{SHARE_LABELS[col]}: %{{x:.1%}}<extra>%{{y}}</extra>"))
    fig.update_layout(barmode="group", xaxis_tickformat=".0%", yaxis_title=group_label, xaxis_title="Share")
    fig = apply_style(fig, title, height=max(320, 60 + 36 * len(data)))
    fig.update_layout(hovermode="closest")
    return fig


def history_bars(by_history: pd.DataFrame, *, metric: str, metric_label: str, model_labels: dict[str, str],
                 baseline: str, title: str) -> go.Figure:
    """One metric for customers with a history and for new customers (x, with their count) per model (bars).

    ``by_history`` holds :attr:`core.recs.evaluate.Evaluation.by_history` rows; a hidden (small)
    group has no value and is left out.
    """
    data = by_history.dropna(subset=[metric])
    colors = model_colors(list(dict.fromkeys(by_history["model"])), baseline=baseline)
    fig = go.Figure()
    for model, part in data.groupby("model", sort=False):
        name = model_labels.get(model, model)
        x = [f"{h} ({int(n):,} customers)" for h, n in zip(part["history"], part["customers"], strict=True)]
        fig.add_trace(go.Bar(x=x, y=part[metric], name=name, marker_color=colors[model],
                             hovertemplate=f"{name}: %{{y:.1%}}<extra>%{{x}}</extra>"))
    fig.update_layout(barmode="group", yaxis_tickformat=".0%", yaxis_title=metric_label,
                      xaxis_title="Customers scored, by history before the cutoff")
    fig = apply_style(fig, title, height=360)
    fig.update_layout(hovermode="closest")
    return fig
