"""Figures of the Segments page: data in, figure out (no Streamlit calls, no queries).

The section the page opens on ("The segments") draws Vega-Lite (Altair) charts, which appear
sooner in a fresh browser than plotly's (:mod:`dashboard.vega`); the other sections keep plotly.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard import vega
from dashboard.charts import apply_style
from dashboard.presentation import is_presenting

PALETTE = px.colors.qualitative.Safe + px.colors.qualitative.Vivid


def segment_color(number: int) -> str:
    """Colour of segment ``number`` (1-based), the same in every chart of the page."""
    return PALETTE[(int(number) - 1) % len(PALETTE)]


def diagnostics_chart(diag: pd.DataFrame, *, chosen: int, suggested: int, period: str) -> go.Figure:
    """Elbow (inertia per customer) and silhouette over k, the chosen k marked.

    Parameters
    ----------
    diag : pandas.DataFrame
        :func:`core.segments.clustering.diagnose` output (``k``, ``inertia``, ``silhouette``).
    chosen, suggested : int
        k on the slider (vertical line) and the suggested k (star).
    """
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("Elbow: spread within segments (lower is tighter)",
                                        "Silhouette: separation (higher is clearer)"))
    for col, measure, fmt in ((1, "inertia", ".3f"), (2, "silhouette", ".3f")):
        fig.add_trace(go.Scatter(x=diag["k"], y=diag[measure], mode="lines+markers", name=measure, showlegend=False,
                                 line={"color": "#2171b5"},
                                 hovertemplate=f"k = %{{x}}: %{{y:{fmt}}}<extra>{measure}</extra>"), row=1, col=col)
        best = diag.loc[diag["k"] == suggested, measure]
        if len(best):
            fig.add_trace(go.Scatter(x=[suggested], y=best, mode="markers", showlegend=False, name=f"suggested k = {suggested}",
                                     marker={"symbol": "star", "size": 16, "color": "#e6550d"},
                                     hovertemplate=f"suggested k = {suggested}<extra></extra>"), row=1, col=col)
        fig.add_vline(x=chosen, line_dash="dash", line_color="#636363", row=1, col=col,
                      annotation_text=f"chosen k = {chosen}", annotation_position="top right",
                      annotation_font={"size": 11, "color": "#636363"})
    apply_style(fig, f"How well k segments fit the customers (★ suggested k = {suggested}), {period}", height=400)
    fig.update_layout(hovermode="closest", margin={"t": 100})
    fig.update_xaxes(title="k (number of segments)", dtick=1)
    return fig


def profile_heatmap(index: pd.DataFrame, names: dict[int, str], labels: dict[str, str], *, period: str) -> go.Figure:
    """Segments × features, coloured by the index vs the whole base (100 = average).

    The colour scale is logarithmic around 100 so "half the average" and "twice the average"
    are equally strong; the cells show the index itself.
    """
    vals = index.to_numpy(dtype=float)
    finite = np.isfinite(vals)
    z = np.where(finite, np.log2(np.clip(np.where(finite, vals, 100.0), 1, None) / 100.0), np.nan)
    y = [f"{s}. {names[s]}" for s in index.index]
    x = [labels.get(c, c) for c in index.columns]
    text = [[f"{v:.0f}" if np.isfinite(v) else "–" for v in row] for row in vals]
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=y, text=text, texttemplate="%{text}", zmid=0, zmin=-2, zmax=2, colorscale="RdBu",
        colorbar={"title": {"text": "Index"}, "tickvals": [-2, -1, 0, 1, 2], "ticktext": ["25", "50", "100", "200", "400"]},
        hovertemplate="%{y}<br>%{x}: index %{text} (100 = all customers)<extra></extra>", hoverongaps=False))
    apply_style(fig, f"Segment profiles: feature mean as index vs all customers (100 = average), {period}",
            height=220 + 40 * len(y))
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=None, tickangle=-40)
    return fig


def pca_scatter(points: pd.DataFrame, *, period: str) -> alt.Chart:
    """A sample of customers on the first two principal components, coloured by segment (Vega-Lite).

    Parameters
    ----------
    points : pandas.DataFrame
        :func:`dashboard.segments.data.scatter` output (``pc1``, ``pc2``, ``segment``, ``name``;
        ``attrs["explained"]``: the share of variance of each component). Hidden segments
        arrive under their public name (:data:`core.segments.export.HIDDEN_NAME`).
    period : str
        Date range shown under the title.
    """
    explained = points.attrs.get("explained", [np.nan, np.nan])
    data = points[["pc1", "pc2"]].assign(segment=[f"{s}. {n}" for s, n in zip(points["segment"], points["name"],
                                                                                strict=True)])
    order = points[["segment", "name"]].drop_duplicates().sort_values("segment")
    scale = alt.Scale(domain=[f"{s}. {n}" for s, n in zip(order["segment"], order["name"], strict=True)],
                      range=[segment_color(s) for s in order["segment"]])
    chart = alt.Chart(data).mark_circle(size=22, opacity=0.6).encode(
        x=alt.X("pc1:Q", title=f"Component 1 ({explained[0]:.0%} of variance)", scale=alt.Scale(zero=False)),
        y=alt.Y("pc2:Q", title=f"Component 2 ({explained[1]:.0%} of variance)", scale=alt.Scale(zero=False)),
        color=alt.Color("segment:N", scale=scale, legend=_legend_below(columns=2)),
        tooltip=[alt.Tooltip("segment:N", title="Segment")],
    )
    return vega.style(chart, f"{len(points):,} sampled customers, coloured by segment", period=period, height=490)


def size_revenue_bars(summary: pd.DataFrame, *, period: str) -> alt.LayerChart:
    """Each segment's share of customers next to its share of revenue (%, Vega-Lite horizontal bars).

    A hidden segment (privacy rule: its shares are missing) gets no bar, only a "–".
    """
    measures = {"customer_share": "Share of customers", "revenue_share": "Share of revenue"}
    colors = {"Share of revenue": "#2171b5", "Share of customers": "#9ecae1"}  # revenue on top, as in the legend
    segments = [f"{s}. {n}" for s, n in zip(summary["segment"], summary["name"], strict=True)]
    rows = []
    for label, (_, row) in zip(segments, summary.iterrows(), strict=True):
        for column, measure in measures.items():
            value = pd.to_numeric(pd.Series([row[column]]), errors="coerce").iloc[0] * 100
            rows.append({"segment": label, "measure": measure, "share": None if pd.isna(value) else float(value),
                         "share_text": "–" if pd.isna(value) else f"{value:.1f}%"})
    data = pd.DataFrame(rows, columns=["segment", "measure", "share", "share_text"])
    data["label_at"] = data["share"].fillna(0.0)  # a hidden segment's "–" sits at 0
    shares = data["share"].dropna()
    top = float(shares.max()) if len(shares) else 100.0  # every share hidden: any axis will do
    base = alt.Chart(data).encode(
        y=alt.Y("segment:N", sort=segments, title=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("measure:N", sort=list(colors)),
        tooltip=[alt.Tooltip("segment:N", title="Segment"), alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("share_text:N", title="Share")],
    )
    axis = alt.Axis(labelExpr="datum.value + '%'")
    scale = alt.Scale(domain=[0, top * 1.25])
    bars = base.mark_bar().encode(
        x=alt.X("share:Q", title=None, scale=scale, axis=axis),
        color=alt.Color("measure:N", scale=alt.Scale(domain=list(colors), range=list(colors.values())),
                        legend=_legend_below()))
    labels = base.mark_text(align="left", dx=3, fontSize=15 if is_presenting() else 11, color="#444444").encode(
        x=alt.X("label_at:Q", title=None, scale=scale, axis=axis), text="share_text:N")
    height = max(460, 110 + 48 * len(segments)) + 30  # the whole chart's, as the plotly one's
    return vega.style(alt.layer(bars, labels), "Share of customers and of revenue (%)", period=period, height=height)


def _legend_below(columns: int = 1) -> alt.Legend:
    """Legend under the plot, no title: long segment names need the width of the chart."""
    return alt.Legend(orient="bottom", direction="vertical", columns=columns, title=None, labelLimit=210)
