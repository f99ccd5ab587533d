"""Figures of the Attribution page: the models side by side per channel, and their errors.

The shares by channel, which the page opens on, are a Vega-Lite (Altair) chart; the errors are plotly.

No Streamlit calls and no queries. Channels hidden by the privacy rule (fewer than 50 customers)
arrive as missing values and are left out of the bars.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import plotly.graph_objects as go

from dashboard import vega
from dashboard.charts import PALETTE, apply_style

_TRUTH = "#222222"
TRUTH_LABEL = "Truth (incremental orders)"


def shares_by_channel(table: pd.DataFrame, *, column: str = "order_share", lookback_days: int) -> alt.Chart:
    """Grouped bars: per channel, each model's share of orders (and the true share as a black bar).

    Vega-Lite, not plotly: the page opens on this chart and a Vega-Lite chart draws about a
    second sooner (docs/page-speed.md). Hidden channels' shares are missing: no bar.
    """
    labels = list(dict.fromkeys(table["model_label"]))
    bars = pd.DataFrame({"model": table["model_label"].to_numpy(), "channel": table["channel"].astype(str).to_numpy(),
                         "share": table[column].astype(float).to_numpy()})
    truth = table.groupby("channel", sort=False)["truth_share"].first()
    if truth.notna().any():
        labels.append(TRUTH_LABEL)
        bars = pd.concat([bars, pd.DataFrame({"model": TRUTH_LABEL, "channel": truth.index.astype(str),
                                              "share": truth.astype(float).to_numpy()})], ignore_index=True)
    bars["share_text"] = ["–" if pd.isna(v) else f"{v:.1%}" for v in bars["share"]]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(labels))]
    if labels and labels[-1] == TRUTH_LABEL:
        colors[-1] = _TRUTH
    what = "orders" if column == "order_share" else "revenue"
    chart = alt.Chart(bars).mark_bar().encode(
        x=alt.X("channel:N", title="Touch channel", sort=list(dict.fromkeys(bars["channel"])),
                axis=alt.Axis(labelAngle=0, labelLimit=200)),
        xOffset=alt.XOffset("model:N", sort=labels),
        y=alt.Y("share:Q", title=f"Share of {what}", axis=alt.Axis(format=".0%")),
        color=alt.Color("model:N", scale=alt.Scale(domain=labels, range=colors),
                        # Nine series make a legend of three lines: below the bars, not over the title.
                        legend=alt.Legend(orient="bottom", title=None, columns=4, labelLimit=400)),
        tooltip=[alt.Tooltip("model:N", title="Model"), alt.Tooltip("channel:N", title="Channel"),
                 alt.Tooltip("share_text:N", title=f"Share of {what}")],
    )
    return vega.style(chart, f"Share of {what} credited to each channel, by model",
                      period=f"touches in the {lookback_days} days before each order", height=530)


def errors_chart(errors: dict[str, float], labels: dict[str, str]) -> go.Figure:
    """Horizontal bars: each model's mean absolute share error against the truth (percentage points)."""
    items = sorted(errors.items(), key=lambda kv: kv[1])
    fig = go.Figure(go.Bar(x=[v * 100 for _, v in items], y=[labels[k] for k, _ in items], orientation="h",
                           marker_color=PALETTE[0], hovertemplate="%{y}: %{x:.1f} points<extra></extra>"))
    fig.update_xaxes(title="Mean gap to the true share (percentage points)")
    fig.update_yaxes(autorange="reversed")
    return apply_style(fig, "How far each model is from the truth<br><sup>lower is better</sup>")
