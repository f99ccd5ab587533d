"""Notable weeks: channel-weeks whose revenue departed from its seasonal expectation.

The detection is that of the Market insight page and ``omnimix insight``
(:func:`core.insight.anomalies.weekly_channel_revenue`), which already hides channel-weeks
with fewer than 50 buyers.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core.filters import Filters
from core.insight.anomalies import anomaly_weeks, weekly_channel_revenue
from core.insight.readings import anomaly_reading
from core.report.base import Section, channels_text, missing, period_text
from core.report.page import TEMPLATE, esc, figure_html, paragraphs, table_html
from core.settings import read_settings

TOP = 10
"""Notable weeks listed in the table (largest departures first)."""


def weeks_section(con: duckdb.DuckDBPyConnection, filters: Filters) -> Section:
    """Weekly revenue per channel with the notable weeks marked, and the largest departures listed."""
    import plotly.express as px

    key, title = "weeks", "Notable weeks"
    settings = read_settings(con)
    currency, week_day = settings.currency, settings.week_start.capitalize()
    weekly = weekly_channel_revenue(con, filters)
    if weekly.empty:
        return missing(key, title, "No complete week of orders in the period and channels.")
    period = period_text(filters.start, filters.end)
    flagged = anomaly_weeks(weekly)
    plot = weekly.assign(week=pd.to_datetime(weekly["week"]))
    # Markers: with channel-weeks of few buyers hidden, a line may be a few isolated weeks.
    fig = px.line(plot, x="week", y="revenue", color="channel", markers=True, template=TEMPLATE, title="Weekly revenue by sales channel; "
                  "notable weeks marked", labels={"week": f"Week (starting {week_day})", "revenue": f"Revenue ({currency.code})",
                                                  "channel": "Sales channel"})
    fig.update_traces(hovertemplate=f"%{{fullData.name}}, week of %{{x|%d %b %Y}}: {currency.hover()}<extra></extra>")
    if not flagged.empty:
        marks = flagged.assign(week=pd.to_datetime(flagged["week"]))
        fig.add_scatter(x=marks["week"], y=marks["revenue"], mode="markers", name="Notable week",
                        marker={"size": 11, "symbol": "circle-open", "color": "#b42318", "line": {"width": 2}},
                        text=marks["channel"], hovertemplate=f"%{{text}}, week of %{{x|%d %b %Y}}: {currency.hover()}")
    rows = [(f"{pd.Timestamp(r['week']):%d %b %Y}", r["channel"], f"{r['revenue']:,.0f}",
             f"{r['expected_revenue']:,.0f}", "–" if pd.isna(r["deviation"]) else f"{r['deviation']:+.0%}")
            for r in flagged.head(TOP).to_dict("records")]
    grid = (table_html(["Week of", "Sales channel", f"Revenue ({currency.code})", f"Expected ({currency.code})", "Change"], rows,
                       numeric=(2, 3, 4))
            if rows else "")
    lead = (f'<p class="lead">Complete weeks starting in {esc(period)}, {esc(channels_text(filters))}. A week is '
            f"notable when its revenue is more than {weekly.attrs.get('threshold', 3.5):g} robust standard "
            "deviations from what the channel's trend and season lead to expect; channel-weeks with fewer than "
            "50 buyers are hidden.</p>")
    body = (lead + paragraphs([anomaly_reading(weekly, currency=currency)])
            + figure_html(fig, caption=f"Revenue in {currency.code} per week and sales channel, {period}.")
            + grid)
    return Section(key, title, body, figures=1)
