"""Plotly figures of the Attribution page: the models side by side per channel, and their errors.

No Streamlit calls and no queries. Channels hidden by the privacy rule (fewer than 50 customers)
arrive as missing values and are left out of the bars.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import PALETTE, apply_style

_TRUTH = "#222222"


def shares_by_channel(table: pd.DataFrame, *, column: str = "order_share", lookback_days: int) -> go.Figure:
    """Grouped bars: per channel, each model's share of orders (and the true share as a black bar)."""
    fig = go.Figure()
    for i, (_model, rows) in enumerate(table.groupby("model", sort=False)):
        label = rows["model_label"].iloc[0]
        fig.add_bar(x=rows["channel"], y=rows[column], name=label, marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate=f"{label}<br>%{{x}}: %{{y:.1%}}<extra></extra>")
    truth = table.groupby("channel", sort=False)["truth_share"].first()
    if truth.notna().any():
        fig.add_bar(x=truth.index, y=truth.to_numpy(), name="Truth (incremental orders)", marker_color=_TRUTH,
                    hovertemplate="Truth<br>%{x}: %{y:.1%}<extra></extra>")
    what = "orders" if column == "order_share" else "revenue"
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=f"Share of {what}", tickformat=".0%")
    fig.update_xaxes(title="Touch channel")
    apply_style(fig, f"Share of {what} credited to each channel, by model<br><sup>touches in the "
                     f"{lookback_days} days before each order</sup>", height=500)
    # Nine series make a legend of three lines: below the bars, not over the title.
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.18, "xanchor": "left", "x": 0},
                      margin={"b": 120}, hovermode="closest")
    return fig


def errors_chart(errors: dict[str, float], labels: dict[str, str]) -> go.Figure:
    """Horizontal bars: each model's mean absolute share error against the truth (percentage points)."""
    items = sorted(errors.items(), key=lambda kv: kv[1])
    fig = go.Figure(go.Bar(x=[v * 100 for _, v in items], y=[labels[k] for k, _ in items], orientation="h",
                           marker_color=PALETTE[0], hovertemplate="%{y}: %{x:.1f} points<extra></extra>"))
    fig.update_xaxes(title="Mean gap to the true share (percentage points)")
    fig.update_yaxes(autorange="reversed")
    return apply_style(fig, "How far each model is from the truth<br><sup>lower is better</sup>")
