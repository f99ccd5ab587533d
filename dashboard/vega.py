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


PROJECTOR_CONFIG = {"axis": {"labelFontSize": 16, "titleFontSize": 18},
                    "legend": {"labelFontSize": 18, "symbolSize": 160}, "line": {"strokeWidth": 3}}
"""Vega-Lite config of presentation mode: type sized for a projector, thicker lines."""


def _title(title: str, period: str | None) -> dict:
    """The title with the period below it, larger in presentation mode."""
    projector = is_presenting()
    return {"text": title, "subtitle": [period] if period else [], "anchor": "start",
            "fontSize": 24 if projector else 16, "subtitleFontSize": 18 if projector else 13}


def style(chart: alt.TopLevelMixin, title: str, *, period: str | None = None,
          height: int | None = CHART_HEIGHT) -> alt.TopLevelMixin:
    """Title (with the period below it), height and fonts every Vega-Lite chart shares.

    Presentation mode draws the chart :data:`dashboard.charts.PROJECTOR_SCALE` times taller
    with type sized for a projector, as :func:`dashboard.charts.apply_style` does for plotly.
    ``height=None`` leaves the heights to the caller (panels of a concatenated chart, sized
    with :func:`panel_height`).
    """
    size = {} if height is None else {"height": panel_height(height)}
    styled = chart.properties(title=alt.TitleParams(**_title(title, period)), **size)
    if is_presenting():
        styled = (styled.configure_axis(**PROJECTOR_CONFIG["axis"]).configure_legend(**PROJECTOR_CONFIG["legend"])
                  .configure_line(**PROJECTOR_CONFIG["line"]))
    return styled


def style_spec(spec: dict, title: str, *, period: str | None = None) -> dict:
    """:func:`style` for a Vega-Lite spec written as a dict (a chart rebuilt too often for Altair's overhead)."""
    # Without its schema the embed does not know the spec is Vega-Lite and draws an empty 0 x 0 view.
    spec = {"$schema": alt.SCHEMA_URL, **spec, "title": _title(title, period)}
    if is_presenting():
        spec["config"] = PROJECTOR_CONFIG
    return spec


def panel_height(height: int) -> int:
    """A height, :data:`dashboard.charts.PROJECTOR_SCALE` times taller in presentation mode."""
    return round(height * PROJECTOR_SCALE) if is_presenting() else height
