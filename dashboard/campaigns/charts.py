"""The Campaigns & content page's charts: spend vs credited revenue, the theme × segment heatmap, the SEO trend.

The campaign bars, which the page opens on, are a Vega-Lite (Altair) chart; the other sections' charts are plotly.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import plotly.graph_objects as go

from core.campaigns.seo import ALL_ORGANIC
from core.privacy import cell_text, is_hidden, small_group_label
from core.settings import DEFAULT_CURRENCY, Currency
from dashboard import vega
from dashboard.charts import PALETTE, apply_style

TOP_CAMPAIGNS = 15
"""Campaigns in the bar chart (by spend); the table below lists them all."""
_SPEND, _REVENUE = "Spend", "Credited revenue"


def campaign_bars(table: pd.DataFrame, *, period: str, top: int = TOP_CAMPAIGNS,
                  currency: Currency = DEFAULT_CURRENCY) -> alt.Chart:
    """Spend next to credited revenue for the campaigns with the most spend (horizontal bars, in ``currency``).

    Vega-Lite, not plotly: the page opens on this chart and a Vega-Lite chart draws about a
    second sooner (docs/page-speed.md).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`core.campaigns.table.campaign_table`; hidden revenue shows as no bar, "fewer than 50" on hover.
    period : str
        The period in words, for the title.
    top : int, default=TOP_CAMPAIGNS
    currency : Currency, default=EUR
        Currency of the amounts (the database's setting).
    """
    shown = table.sort_values("spend", ascending=False).head(top)
    names = [f"{n} ({c})" for n, c in zip(shown["name"], shown["channel"], strict=True)]
    hidden = is_hidden(shown, "customers").to_numpy()
    revenue = shown["revenue"].astype(float).where(~hidden)
    campaign = pd.DataFrame({
        "campaign": names,
        "spend_text": [currency.whole(v) for v in shown["spend"]],
        "revenue_text": [small_group_label() + " customers" if h else "–" if pd.isna(v) else currency.whole(v)
                         for v, h in zip(revenue, hidden, strict=True)],
        "roas_text": ["–" if pd.isna(r) else f"{r:.2f}×" for r in shown["roas"]],
    })
    bars = pd.concat([campaign.assign(measure=_SPEND, amount=shown["spend"].astype(float).to_numpy()),
                      campaign.assign(measure=_REVENUE, amount=revenue.to_numpy())], ignore_index=True)
    chart = alt.Chart(bars).mark_bar().encode(
        x=alt.X("amount:Q", title=currency.code, axis=alt.Axis(labelExpr=vega.money_label(currency), tickCount=6),
                scale=alt.Scale(zero=True)),
        y=alt.Y("campaign:N", title=None, sort=names, axis=alt.Axis(labelLimit=420)),
        yOffset=alt.YOffset("measure:N", sort=[_SPEND, _REVENUE]),
        color=alt.Color("measure:N", scale=alt.Scale(domain=[_SPEND, _REVENUE], range=["#bdbdbd", "#2171b5"]),
                        legend=vega.legend()),
        tooltip=[alt.Tooltip("campaign:N", title="Campaign"), alt.Tooltip("spend_text:N", title="Spend"),
                 alt.Tooltip("revenue_text:N", title="Credited revenue"), alt.Tooltip("roas_text:N", title="ROAS")],
    )
    # The height is the whole chart's (Streamlit fits the chart in it): title, legend and axis take about 150 px.
    return vega.style(chart, f"Spend and credited revenue of the {len(shown)} campaigns with the most spend "
                             f"({currency.code})",
                      period=f"{period}; revenue of orders credited by the 7-day last-touch rule",
                      height=max(vega.CHART_HEIGHT, 150 + 30 * len(names)))


def theme_heatmap(cells: pd.DataFrame, *, measure: str, period: str) -> go.Figure:
    """Content themes (rows) × segments (columns), coloured by ``measure`` in %.

    Parameters
    ----------
    cells : pandas.DataFrame
        :func:`core.campaigns.themes.theme_segments`.
    measure : {"conversion_rate", "engaged_rate"}
    period : str
    """
    word = {"conversion_rate": "Conversion rate (credited orders per session)",
            "engaged_rate": "Engaged rate (engaged sessions per session)"}[measure]
    segments = cells.drop_duplicates("segment").sort_values("segment")
    x = [f"{s}. {n}" for s, n in zip(segments["segment"], segments["name"], strict=True)]
    themes = sorted(cells["theme"].unique())
    grid = cells.assign(hidden=is_hidden(cells, "customers"))
    z = grid.pivot(index="theme", columns="segment", values=measure).reindex(index=themes,
                                                                             columns=segments["segment"])
    hidden = grid.pivot(index="theme", columns="segment", values="hidden").reindex(index=themes,
                                                                                  columns=segments["segment"])
    sessions = grid.pivot(index="theme", columns="segment", values="sessions").reindex(index=themes,
                                                                                      columns=segments["segment"])
    def words(value: float, hidden_cell: object, n_sessions: object) -> str:
        if hidden_cell is True or hidden_cell == True:  # noqa: E712 - numpy booleans too
            return cell_text(None, "small") + " customers"
        if pd.isna(n_sessions) or n_sessions == 0:
            return "no sessions"
        return "–" if pd.isna(value) else f"{value:.1%}"

    text = [[words(v, h, n) for v, h, n in zip(zr, hr, sr, strict=True)]
            for zr, hr, sr in zip(z.to_numpy(dtype=float), hidden.to_numpy(dtype=object),
                                  sessions.to_numpy(dtype=object), strict=True)]
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(dtype=float) * 100, x=x, y=themes, text=text, texttemplate="%{text}", colorscale="Blues",
        colorbar={"title": {"text": "%"}, "ticksuffix": "%"}, hoverongaps=False,
        hovertemplate="%{y} × %{x}: %{text}<extra></extra>"))
    apply_style(fig, f"{word}, by content theme and customer segment (%)<br><sup>{period}</sup>",
                height=160 + 42 * len(themes))
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=None, tickangle=-20)
    return fig


def seo_trend(trend: pd.DataFrame, *, by: str, by_label: str, grain: str, period: str) -> go.Figure:
    """Organic search sessions per week or month, per ``by`` and in total (lines; hidden periods are gaps)."""
    fig = go.Figure()
    groups = [g for g in trend.groupby(by)["sessions"].sum().sort_values(ascending=False).index if g != ALL_ORGANIC]
    for i, group in enumerate([ALL_ORGANIC, *groups]):
        part = trend[trend[by] == group].sort_values("period")
        if pd.to_numeric(part["sessions"]).isna().all():  # every point hidden: no line, no legend entry
            continue
        total = group == ALL_ORGANIC
        fig.add_trace(go.Scatter(
            x=part["period"], y=pd.to_numeric(part["sessions"]).astype(float), name=str(group), mode="lines+markers",
            connectgaps=False, marker={"size": 4},
            line={"color": "#252525" if total else PALETTE[(i - 1) % len(PALETTE)], "width": 3 if total else 2,
                  "dash": "dot" if total else "solid"},
            hovertemplate=f"{group}: %{{y:,.0f}} sessions<extra></extra>"))
    apply_style(fig, f"Organic search sessions per {grain}, in total and by {by_label.lower()} (sessions)"
                     f"<br><sup>{period}; a {grain} with fewer than 50 visitors of a line is a gap</sup>")
    fig.update_yaxes(title=f"Sessions per {grain}", rangemode="tozero", tickformat=",.0f")
    fig.update_xaxes(title=f"{grain.title()} starting")
    return fig
