"""The report's opening: headline KPIs with their change, then what happened by sales channel.

Figures come from :mod:`core.overview.queries` through :mod:`core.overview.privacy`, the same
path as the Overview page and ``omnimix overview``, so the report shows what the screen shows.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core.filters import Filters, data_start, previous_period_gap
from core.formatting import format_delta, format_value, is_money
from core.overview import privacy as overview_privacy
from core.overview import queries
from core.privacy import cell_text, hidden_reason, small_group_label
from core.report.base import Section, channels_text, period_text
from core.report.page import TEMPLATE, esc, figure_html, paragraphs, table_html
from core.settings import Currency, read_settings

UNIT_WORDS = {"share": "%", "ratio": "revenue per unit of spend"}
"""Units in words; amounts are in the database's currency (its code)."""
"""The unit of each KPI in words, for its card; counts (orders, customers) are named by their label."""
NEUTRAL = {"spend"}
"""KPIs whose rise is neither good nor bad news, so their change is not coloured."""


def _reading(metric: str, row: dict, unit: str, gap: str | None, days: int, currency: Currency) -> str:
    """One sentence: the KPI's change against the previous period, or why there is none."""
    label = queries.KPI_DEFINITIONS[metric].label
    if row["hidden"]:
        return f"{label} is hidden: it describes {small_group_label()} customers."
    if pd.isna(row["value"]):
        return f"No {label.lower()} in the period (nothing to divide by)."
    if gap is not None or pd.isna(row["previous"]):
        return f"No comparison: {gap or 'no previous value'}."
    change = row["change"]
    if change == 0:
        return f"Unchanged on the previous {days} days ({format_value(row['previous'], unit, currency)})."
    direction = "Up" if change > 0 else "Down"
    delta = format_delta(row, unit) or ""
    return f"{direction} {delta.lstrip('+-')} on the previous {days} days ({format_value(row['previous'], unit, currency)})."


def kpi_section(con: duckdb.DuckDBPyConnection, filters: Filters) -> Section:
    """Headline KPIs as cards: value, change vs the previous period of equal length, a one-line reading."""
    currency = read_settings(con).currency
    kpis = overview_privacy.private_kpis(queries.kpis(con, filters))
    gap = previous_period_gap(filters, data_start(con))
    days = filters.days or 0
    cards = []
    for row in kpis.to_dict("records"):
        metric = queries.KPI_DEFINITIONS[row["metric"]]
        value = small_group_label() if row["hidden"] else format_value(row["value"], metric.unit, currency)
        delta = None if row["hidden"] or gap else format_delta(row, metric.unit)
        css = "" if not delta or row["metric"] in NEUTRAL else ("up" if not delta.startswith("-") else "down")
        unit = f" ({currency.code if is_money(metric.unit) else UNIT_WORDS[metric.unit]})" \
            if is_money(metric.unit) or metric.unit in UNIT_WORDS else ""
        cards.append(
            f'<div class="card"><div class="label">{esc(metric.label + unit)}'
            f'</div><div class="value">{esc(value)}</div>'
            f'<div class="delta {css}">{esc(delta + " vs previous period" if delta else "no change shown")}</div>'
            f'<div class="reading">{esc(_reading(row["metric"], row, metric.unit, gap, days, currency))}</div></div>')
    previous = filters.previous_period()
    compared = (f"Changes compare with the previous {days} days, {period_text(previous.start, previous.end)}."
                if gap is None and previous is not None else f"No changes shown: {gap}.")
    lead = (f'<p class="lead">{esc(period_text(filters.start, filters.end))}, {esc(channels_text(filters))}. '
            f"{esc(compared)} Marketing spend and blended ROAS cover all channels (spend is not split by "
            "sales channel).</p>")
    return Section("kpis", "Headline KPIs", lead + f'<div class="cards">{"".join(cards)}</div>')


def channel_section(con: duckdb.DuckDBPyConnection, filters: Filters) -> Section:
    """Weekly revenue per sales channel, each channel's share, and buyers per channel (small ones hidden)."""
    import plotly.express as px
    import plotly.graph_objects as go

    title = "What happened by channel"
    settings = read_settings(con)
    currency, week_day = settings.currency, settings.week_start.capitalize()
    period = period_text(filters.start, filters.end)
    share = overview_privacy.private_channel_share(queries.channel_share(con, filters))
    if share.empty:
        return Section(title=title, key="channels", body="", missing="No orders match the period and channels.")
    weekly = queries.channel_timeseries(con, filters, grain="week")
    line = px.line(weekly, x="period", y="revenue", color="channel", template=TEMPLATE,
                   labels={"period": f"Week (starting {week_day})", "revenue": f"Revenue ({currency.code})", "channel": "Sales channel"},
                   title="Weekly revenue by sales channel")
    line.update_traces(hovertemplate=f"%{{fullData.name}}, week of %{{x|%d %b %Y}}: {currency.hover()}<extra></extra>")
    bars = go.Figure(go.Bar(x=share["revenue_share"] * 100, y=share["channel"], orientation="h",
                            text=[format_value(v, "share") for v in share["revenue_share"]], textposition="auto"))
    bars.update_layout(title="Share of revenue by sales channel", xaxis_title="Share of revenue (%)",
                       yaxis={"autorange": "reversed", "title": "Sales channel"})
    top = share.iloc[0]
    lines = [f"{top['channel'].capitalize()} brought the most revenue: {format_value(top['revenue'], 'money', currency)}, "
             f"{format_value(top['revenue_share'], 'share')} of the total."]
    if len(share) > 1:
        low = share.iloc[-1]
        lines.append(f"{low['channel'].capitalize()} brought the least: {format_value(low['revenue'], 'money', currency)} "
                     f"({format_value(low['revenue_share'], 'share')}).")
    reasons = hidden_reason(share, "customers")
    rows = [(r["channel"], format_value(r["revenue"], "money", currency), format_value(r["revenue_share"], "share"),
             f"{r['orders']:,.0f}", cell_text(r["customers"], reason))
            for r, reason in zip(share.to_dict("records"), reasons, strict=True)]
    table = table_html(["Sales channel", f"Revenue ({currency.code})", "Share of revenue", "Orders", "Buyers (customers)"],
                       rows, numeric=(1, 2, 3, 4))
    body = (paragraphs(lines)
            + figure_html(line, caption=f"Revenue in {currency.code} per week, {period}, {channels_text(filters)}.")
            + figure_html(bars, caption=f"Share of revenue in %, {period}.", height=260)
            + table + f'<p class="caption">{currency.code}, orders and distinct buyers, {esc(period)}; channels with '
            f"{esc(small_group_label())} buyers show no buyer count.</p>")
    return Section("channels", title, body, figures=2)
