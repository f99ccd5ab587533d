"""Plotly figures for the Customer value page: tables of :mod:`dashboard.clv.tables` in, figures out.

No Streamlit calls and no queries. Groups hidden by the privacy rule arrive as missing values
flagged in ``<count>_hidden`` (:mod:`core.privacy`); the figures leave them blank and say
"fewer than 50" in the cell text or hover, never plotting a figure about them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.privacy import cell_text, hidden_reason, is_hidden
from dashboard import money
from dashboard.charts import apply_style
from dashboard.clv.tables import FREQUENCY_LABELS, WEEKS_SINCE_LABELS

_BLUE, _ORANGE, _GREY, _HIDDEN = "#2171b5", "#e6550d", "#bdbdbd", "#eeeeee"


def _titled(fig: go.Figure, title: str, subtitle: str, *, height: int = 380) -> go.Figure:
    apply_style(fig, f"{title}<br><sup>{subtitle}</sup>", height=height)
    fig.update_layout(hovermode="closest")
    return fig


def clv_distribution(hist: pd.DataFrame, *, horizon_weeks: int, cutoff: str) -> go.Figure:
    """Customers per CLV band (EUR over the horizon); hidden bands are left out."""
    shown = hist[~is_hidden(hist, "customers")]
    fig = go.Figure(go.Bar(x=shown["label"], y=shown["customers"], marker_color=_BLUE,
                           hovertemplate="CLV %{x}<br>%{y:,} customers<extra></extra>"))
    fig.update_xaxes(title=f"Predicted CLV ({money.code()}, next {horizon_weeks} weeks)", type="category",
                     categoryorder="array", categoryarray=hist["label"].tolist())
    fig.update_yaxes(title="Customers")
    return _titled(fig, f"Customers by predicted CLV ({money.code()}, next {horizon_weeks} weeks)",
                   f"fitted on orders up to {cutoff}; bands of fewer than 50 customers left out")


def activity_heatmap(grid: pd.DataFrame, *, cutoff: str) -> go.Figure:
    """Mean probability "still active" (%) by repeat purchases × time since the last order."""
    z = pd.DataFrame(np.nan, index=list(FREQUENCY_LABELS), columns=list(WEEKS_SINCE_LABELS))
    text = pd.DataFrame("", index=z.index, columns=z.columns)
    reasons = hidden_reason(grid, "customers")
    for row, reason in zip(grid.itertuples(index=False), reasons, strict=True):
        f, r = str(row.frequency_band), str(row.recency_band)
        if reason is not None and reason == reason:
            text.loc[f, r] = cell_text(np.nan, reason).replace("than ", "than<br>")
        else:
            z.loc[f, r] = 100 * row.p_alive
            text.loc[f, r] = f"{100 * row.p_alive:.0f}%<br>{int(row.customers):,} cust."
    keep = z.notna().any(axis=1) | (text != "").any(axis=1)
    z, text = z[keep], text[keep]
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=z.columns.tolist(), y=z.index.tolist(), text=text.to_numpy(), texttemplate="%{text}",
        colorscale="RdYlGn", zmin=0, zmax=100, colorbar={"title": "%"}, hoverongaps=False, textfont={"size": 11},
        hovertemplate="%{y} repeat purchases, last order %{x} ago<br>%{text}<extra></extra>"))
    fig.update_xaxes(title="Time since the last order", side="bottom", showgrid=False)
    fig.update_yaxes(title="Repeat purchases", type="category", autorange="reversed", showgrid=False)
    fig = _titled(fig, "Probably active (% of customers)",
                  f"by repeat purchases and time since the last order, at {cutoff}; grey: fewer than 50 customers",
                  height=420)
    fig.update_layout(plot_bgcolor=_HIDDEN)  # hidden and empty cells show the background
    return fig


def holdout_chart(by_frequency: pd.DataFrame, *, holdout_weeks: int, period: str) -> go.Figure:
    """Predicted vs actual orders per customer in the holdout, by repeat purchases before it."""
    shown = by_frequency[~is_hidden(by_frequency, "customers")]
    x = shown["frequency"].astype(str)
    fig = go.Figure([
        go.Bar(x=x, y=shown["actual_per_customer"], name="Actual", marker_color=_GREY,
               customdata=shown["customers"], hovertemplate="%{x} repeat purchases: %{y:.2f} orders actual "
               "(%{customdata:,} customers)<extra></extra>"),
        go.Scatter(x=x, y=shown["predicted_per_customer"], name="Predicted", mode="lines+markers",
                   line={"color": _BLUE}, hovertemplate="%{x} repeat purchases: %{y:.2f} orders predicted"
                   "<extra></extra>"),
    ])
    fig.update_xaxes(title="Repeat purchases before the holdout", type="category")
    fig.update_yaxes(title="Orders per customer in the holdout")
    return _titled(fig, f"Predicted vs actual orders per customer in the {holdout_weeks}-week holdout",
                   f"{period}; groups of fewer than 50 customers left out")


def clv_vs_cac(value: pd.DataFrame, *, horizon_weeks: int, period: str) -> go.Figure:
    """Mean CLV and CAC per acquisition channel (EUR), hidden and spend-less figures left out."""
    x = value["channel"]
    fig = go.Figure([
        go.Bar(x=x, y=value["mean_clv"], name=f"Mean CLV, next {horizon_weeks} weeks", marker_color=_BLUE,
               hovertemplate=f"%{{x}}: mean CLV {money.currency().hover()}<extra></extra>"),
        go.Bar(x=x, y=value["cac"], name="Cost to acquire a customer (CAC)", marker_color=_ORANGE,
               text=[f"{r:.1f}×" if r == r else "" for r in value["clv_to_cac"]], textposition="outside",
               textfont={"size": 12}, constraintext="none", cliponaxis=False,
               hovertemplate=f"%{{x}}: CAC {money.currency().hover()}<extra></extra>"),
    ])
    fig.update_layout(barmode="group")
    fig.update_xaxes(title="Acquisition channel")
    fig.update_yaxes(title=f"{money.code()} per customer")
    return _titled(fig, f"Mean CLV vs cost to acquire a customer ({money.code()} per customer) by acquisition channel",
                   f"CAC: spend ÷ new customers in {period}; CLV:CAC above each CAC bar; no bar: no spend")
