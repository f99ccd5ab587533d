"""Figures for the Customer value page: tables of :mod:`dashboard.clv.tables` in, figures out.

No Streamlit calls and no queries. Groups hidden by the privacy rule arrive as missing values
flagged in ``<count>_hidden`` (:mod:`core.privacy`); the figures leave them blank and say
"fewer than 50" in the cell text or hover, never plotting a figure about them.

The section the page opens on (the risk tiers) draws Vega-Lite (Altair) charts, which appear
sooner in a fresh browser than plotly's (:mod:`dashboard.vega`); the other sections keep plotly.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.privacy import cell_text, hidden_reason, is_hidden
from dashboard import money, vega
from dashboard.charts import apply_style
from dashboard.clv.tables import FREQUENCY_LABELS, WEEKS_SINCE_LABELS
from dashboard.presentation import is_presenting
from dashboard.vega import CHART_HEIGHT

_BLUE, _ORANGE, _GREY, _HIDDEN = "#2171b5", "#e6550d", "#bdbdbd", "#eeeeee"
_TWO_LINES = ("[slice(datum.label, 0, lastindexof(datum.label, ' ')), "
              "slice(datum.label, lastindexof(datum.label, ' ') + 1)]")
"""Vega label expression: "3–6 months" on two lines, "3–6" above "months" (five labels fit a half-width chart)."""


def _titled(fig: go.Figure, title: str, subtitle: str, *, height: int = 380) -> go.Figure:
    apply_style(fig, f"{title}<br><sup>{subtitle}</sup>", height=height)
    fig.update_layout(hovermode="closest")
    return fig


def clv_distribution(hist: pd.DataFrame, *, horizon_weeks: int, cutoff: str) -> alt.Chart:
    """Customers per CLV band (Vega-Lite bars); hidden bands keep their place on the axis but get no bar.

    Parameters
    ----------
    hist : pandas.DataFrame
        :func:`dashboard.clv.tables.clv_histogram` output: ``label`` (the band written in the
        currency), ``customers`` and its ``customers_hidden`` flag.
    horizon_weeks : int
        Horizon of the CLV, in the titles.
    cutoff : str
        Last order day the model saw, under the title.
    """
    shown = hist[~is_hidden(hist, "customers")]
    data = pd.DataFrame({"label": shown["label"].astype(str), "customers": shown["customers"].astype(float),
                         "customers_text": [f"{v:,.0f}" for v in shown["customers"]]})
    title = f"Predicted CLV ({money.code()}, next {horizon_weeks} weeks)"
    chart = alt.Chart(data).mark_bar(color=_BLUE).encode(
        x=alt.X("label:N", title=title, sort=hist["label"].astype(str).tolist(),
                scale=alt.Scale(domain=hist["label"].astype(str).tolist()),
                axis=alt.Axis(labelAngle=-45, labelOverlap=False)),
        y=alt.Y("customers:Q", title="Customers", axis=alt.Axis(format=",.0f", tickCount=5)),
        tooltip=[alt.Tooltip("label:N", title="CLV"), alt.Tooltip("customers_text:N", title="Customers")],
    )
    return vega.style(chart, f"Customers by predicted CLV ({money.code()}, next {horizon_weeks} weeks)",
                      period=f"fitted on orders up to {cutoff}; bands of fewer than 50 customers left out",
                      height=CHART_HEIGHT)


def activity_heatmap(grid: pd.DataFrame, *, cutoff: str) -> alt.LayerChart:
    """Mean probability "still active" (%) by repeat purchases × time since the last order (Vega-Lite heatmap).

    Cells of fewer than 50 customers are grey and say so, cells of none are grey and blank; rows with
    no customer at all are left out.

    Parameters
    ----------
    grid : pandas.DataFrame
        :func:`dashboard.clv.tables.activity_grid` output (``frequency_band``, ``recency_band``,
        ``customers``, ``p_alive``, ``customers_hidden``).
    cutoff : str
        Day the probabilities are for, under the title.
    """
    rows = []
    for row, reason in zip(grid.itertuples(index=False), hidden_reason(grid, "customers"), strict=True):
        hidden = reason is not None and reason == reason
        share = None if hidden else 100 * float(row.p_alive)
        customers = cell_text(np.nan, reason) if hidden else f"{int(row.customers):,}"
        rows.append({"frequency": str(row.frequency_band), "recency": str(row.recency_band), "p_alive": share,
                     "p_alive_text": "hidden" if hidden else f"{share:.0f}%", "customers_text": customers,
                     "cell": customers.replace("than ", "than\n") if hidden else f"{share:.0f}%\n{customers} cust.",
                     "last_order": f"{row.recency_band} ago"})
    data = pd.DataFrame(rows, columns=["frequency", "recency", "p_alive", "p_alive_text", "customers_text", "cell",
                                       "last_order"])
    frequencies = [f for f in FREQUENCY_LABELS if f in set(data["frequency"])]
    base = alt.Chart(data).encode(
        x=alt.X("recency:N", title="Time since the last order", sort=list(WEEKS_SINCE_LABELS),
                scale=alt.Scale(domain=list(WEEKS_SINCE_LABELS)),
                axis=alt.Axis(labelAngle=0, labelOverlap=False, labelExpr=_TWO_LINES)),
        y=alt.Y("frequency:N", title="Repeat purchases", sort=frequencies, scale=alt.Scale(domain=frequencies)),
        tooltip=[alt.Tooltip("frequency:N", title="Repeat purchases"), alt.Tooltip("last_order:N", title="Last order"),
                 alt.Tooltip("p_alive_text:N", title="Probably active"),
                 alt.Tooltip("customers_text:N", title="Customers")],
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.condition("isValid(datum.p_alive)",
                            alt.Color("p_alive:Q", title="%", scale=alt.Scale(scheme="redyellowgreen", domain=[0, 100]),
                                      legend=alt.Legend(gradientLength=180)),
                            alt.value(_HIDDEN)))
    text = base.mark_text(fontSize=16 if is_presenting() else 11, lineBreak="\n").encode(
        text="cell:N",
        color=alt.condition("isValid(datum.p_alive) && (datum.p_alive < 20 || datum.p_alive > 80)",
                            alt.value("white"), alt.value("#262730")))
    chart = vega.style(alt.layer(cells, text), "Probably active (% of customers)",
                       period=f"by repeat purchases and time since the last order, at {cutoff};", height=450)
    chart.title.subtitle = [*chart.title.subtitle, "grey: fewer than 50 customers"]  # one line is too wide
    return chart.configure_view(fill=_HIDDEN)  # cells without customers show the grey background, as hidden ones


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
