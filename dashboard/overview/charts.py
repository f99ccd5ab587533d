"""The Overview's charts: channel trends, share, channel counts and overlap."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.privacy import cell_text, hidden_reason
from dashboard import money, vega
from dashboard.charts import GRAIN_WORDS, HEIGHT, PALETTE, apply_style


def channel_trend(df: pd.DataFrame, *, measure: str, grain: str, period: str) -> alt.Chart:
    """Lines of ``measure`` ("revenue" or "orders") per channel over time (Vega-Lite: the first section draws fast).

    Parameters
    ----------
    df : pandas.DataFrame
        Output of :func:`core.overview.queries.channel_timeseries` (``period``, ``channel``,
        ``revenue``, ``orders``).
    measure : {"revenue", "orders"}
        Column to plot.
    grain : {"day", "week", "month"}
        Period length, used in the title.
    period : str
        Date range shown under the title, see :func:`format_period`.
    """
    currency = money.currency()
    unit = currency.code if measure == "revenue" else "count"
    data = df[["period", "channel", measure]].assign(channel=lambda d: d["channel"].astype(str))
    data["value_text"] = ([currency.whole(v) for v in data[measure]] if measure == "revenue"
                          else [f"{v:,.0f} orders" for v in data[measure]])
    axis = alt.Axis(labelExpr=vega.money_label(currency)) if measure == "revenue" else alt.Axis(format=",.0f")
    word = GRAIN_WORDS.get(grain, grain.title())
    chart = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2).encode(
        x=alt.X("period:T", title=f"{grain.title()} starting"),
        y=alt.Y(f"{measure}:Q", title=f"{measure.title()} ({unit})", axis=axis),
        color=alt.Color("channel:N", scale=vega.channel_scale(sorted(data["channel"].unique())), legend=vega.legend()),
        tooltip=[alt.Tooltip("period:T", title=f"{grain.title()} starting"), alt.Tooltip("channel:N", title="Channel"),
                 alt.Tooltip("value_text:N", title=measure.title())],
    )
    return vega.style(chart, f"{word} {measure} by channel ({unit})", period=period)


def channel_share_bars(df: pd.DataFrame, *, period: str) -> go.Figure:
    """Each channel's share of revenue next to its share of orders (horizontal bars, %).

    A channel whose revenue share exceeds its order share sells bigger baskets.
    """
    ordered = df.sort_values("revenue_share")
    fig = go.Figure()
    # Coloured by measure, not channel: the legend must tell revenue from orders.
    for column, name, color in (("orders_share", "Share of orders", "#9ecae1"), ("revenue_share", "Share of revenue", "#2171b5")):
        fig.add_trace(
            go.Bar(
                y=ordered["channel"],
                x=ordered[column] * 100,
                name=name,
                orientation="h",
                marker={"color": color},
                text=[f"{v:.1f}%" for v in ordered[column] * 100],
                textposition="outside",
                hovertemplate="%{y}: %{x:.1f}%<extra>" + name + "</extra>",
            )
        )
    apply_style(fig, f"Channel share of revenue and orders (%)<br><sup>{period}</sup>")
    fig.update_layout(barmode="group", hovermode="closest", bargap=0.25, legend={"traceorder": "reversed"})
    top = float(np.nanmax(ordered[["orders_share", "revenue_share"]].to_numpy() * 100)) if len(ordered) else 100.0
    fig.update_xaxes(title="Share (%)", range=[0, top * 1.2], ticksuffix="%")
    fig.update_yaxes(title=None)
    return fig


def channel_count_bars(df: pd.DataFrame, *, period: str) -> go.Figure:
    """Buyers by number of sales channels used, with revenue per buyer in a second panel."""
    labels = [f"{g} channel{'s' if g != '1' else ''}" for g in df["channels_used"]]
    # Groups hidden by the privacy rule have a missing count and a flag; the bar reads "fewer than 50".
    customers = df["customers"].astype(float)
    customer_text = [cell_text(v, r) for v, r in zip(customers, hidden_reason(df, "customers"), strict=True)]
    currency = money.currency()
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Buyers (count)", f"Revenue per buyer ({currency.code})"),
                        horizontal_spacing=0.12)
    fig.add_trace(
        go.Bar(
            x=labels,
            y=customers.fillna(0),
            marker_color=PALETTE[0],
            text=customer_text,
            textposition="outside",
            hovertemplate="%{x}: %{y:,.0f} buyers<extra></extra>",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=labels,
            y=df["revenue_per_customer"].fillna(0),
            marker_color=PALETTE[2],
            text=["–" if pd.isna(v) else currency.whole(v) for v in df["revenue_per_customer"]],
            textposition="outside",
            hovertemplate=f"%{{x}}: {currency.hover()} per buyer<extra></extra>",
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    apply_style(fig, f"Buyers by number of sales channels they bought in<br><sup>{period}</sup>")
    fig.update_layout(hovermode="closest")
    for col, values in ((1, customers.fillna(0)), (2, df["revenue_per_customer"].fillna(0))):
        top = float(values.max()) if len(values) and values.max() > 0 else 1.0
        fig.update_yaxes(range=[0, top * 1.2], tickformat=",.0f", row=1, col=col)
    return fig


def overlap_heatmap(df: pd.DataFrame, *, period: str) -> go.Figure:
    """Symmetric heatmap of channel-pair overlap (Jaccard %, shared buyers in the cells).

    Parameters
    ----------
    df : pandas.DataFrame
        Output of :func:`core.overview.queries.channel_pair_overlap` (all pairs, not only the top).
    """
    channels = sorted(set(df["channel_a"]) | set(df["channel_b"]))
    jac = pd.DataFrame(np.nan, index=channels, columns=channels)
    both = pd.DataFrame("", index=channels, columns=channels)
    for row in df.itertuples(index=False):
        for a, b in ((row.channel_a, row.channel_b), (row.channel_b, row.channel_a)):
            jac.loc[a, b] = row.jaccard * 100
            both.loc[a, b] = (f"{row.jaccard * 100:.0f}%<br>{row.customers_both:,.0f} buyers" if pd.notna(row.jaccard)
                              else f"{cell_text(row.customers_both, getattr(row, 'customers_both_hidden', None))}<br>buyers")
    fig = go.Figure(
        go.Heatmap(
            z=jac.to_numpy(),
            x=channels,
            y=channels,
            text=both.to_numpy(),
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            colorbar={"title": {"text": "Jaccard (%)"}, "ticksuffix": "%"},
            hovertemplate="%{y} & %{x}: %{z:.1f}% of buyers of either bought in both<extra></extra>",
            hoverongaps=False,
        )
    )
    apply_style(fig, f"Channel overlap, buyers in both ÷ either (%)<br><sup>{period}</sup>", height=HEIGHT + 40)
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=None, side="bottom")
    return fig
