"""Vega-Lite (Altair) styling shared by the charts a page draws first.

Why two chart libraries: plotly.js is a 4.7 MB script that the browser evaluates before it
draws any plotly chart, and then draws every plotly chart of the page in one batch; a
Vega-Lite chart appears about a second sooner in a fresh browser (docs/page-speed.md). So
the section a page opens on draws Vega-Lite charts, and plotly keeps the richer charts of
the other sections (bands, sankeys, heatmaps with annotations).

Like :mod:`dashboard.charts`: titles carry the unit and the period, each channel keeps its
colour, and presentation mode draws taller charts with larger type. Builders take
DataFrames and return ``alt.Chart`` objects; no Streamlit calls, no queries.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.settings import Currency
from dashboard.charts import HEIGHT, PROJECTOR_SCALE, channel_color
from dashboard.presentation import is_presenting

CHART_HEIGHT = HEIGHT + 30
"""Whole height of a chart, title and legend included: the same as the plotly charts'."""


def money_label(currency: Currency, *, decimals: int = 0) -> str:
    """A Vega expression writing ``datum.value`` as an amount with the currency's symbol on its side.

    d3's own formats only know the dollar, so the symbol is attached here, and the minus sign
    goes in front of it (``-£1,200``), as :meth:`Currency.amount` writes it.
    """
    number = f"format(abs(datum.value), ',.{decimals}f')"
    symbol = currency.symbol.replace("\\", "\\\\").replace("'", "\\'")
    body = f"{number} + ' {symbol}'" if currency.symbol_after else f"'{symbol}' + {number}"
    return f"(datum.value < 0 ? '-' : '') + {body}"


def channel_scale(channels: list[str]) -> alt.Scale:
    """The colour scale giving every channel its colour from :func:`dashboard.charts.channel_color`."""
    return alt.Scale(domain=channels, range=[channel_color(c) for c in channels])


def legend() -> alt.Legend:
    """Legend above the plot, no title: the same place as the plotly charts'."""
    return alt.Legend(orient="top", title=None, labelLimit=220)


def style(chart: alt.Chart, title: str, *, period: str | None = None, height: int = CHART_HEIGHT) -> alt.Chart:
    """Title (with the period below it), height and fonts every Vega-Lite chart shares.

    Presentation mode draws the chart :data:`dashboard.charts.PROJECTOR_SCALE` times taller
    with type sized for a projector, as :func:`dashboard.charts.apply_style` does for plotly.
    """
    projector = is_presenting()
    if projector:
        height = round(height * PROJECTOR_SCALE)
    subtitle = [period] if period else []
    styled = chart.properties(
        title=alt.TitleParams(title, subtitle=subtitle, anchor="start", fontSize=24 if projector else 16,
                              subtitleFontSize=18 if projector else 13),
        height=height,
    )
    if projector:
        styled = styled.configure_axis(labelFontSize=16, titleFontSize=18).configure_legend(
            labelFontSize=18, symbolSize=160).configure_line(strokeWidth=3)
    return styled


def with_text(df: pd.DataFrame, column: str, currency: Currency) -> pd.DataFrame:
    """``df`` with ``<column>_text``: the amount written in the currency, for tooltips."""
    return df.assign(**{f"{column}_text": [currency.whole(v) for v in df[column]]})
