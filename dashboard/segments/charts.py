"""Plotly figures of the Segments page: data in, figure out (no Streamlit, no queries)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.charts import apply_style

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


def pca_scatter(points: pd.DataFrame, *, period: str) -> go.Figure:
    """A sample of customers on the first two principal components, coloured by segment."""
    explained = points.attrs.get("explained", [np.nan, np.nan])
    fig = go.Figure()
    for (number, name), part in points.groupby(["segment", "name"], sort=True):
        fig.add_trace(go.Scattergl(x=part["pc1"], y=part["pc2"], mode="markers", name=f"{number}. {name}",
                                   marker={"size": 5, "opacity": 0.6, "color": segment_color(number)},
                                   hovertemplate=f"{number}. {name}<extra></extra>"))
    apply_style(fig, f"{len(points):,} sampled customers, coloured by segment<br><sup>{period}</sup>", height=460)
    fig.update_layout(hovermode="closest", legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.15, "yanchor": "top"})
    fig.update_xaxes(title=f"Component 1 ({explained[0]:.0%} of variance)", zeroline=False)
    fig.update_yaxes(title=f"Component 2 ({explained[1]:.0%} of variance)", zeroline=False)
    return fig


def size_revenue_bars(summary: pd.DataFrame, *, period: str) -> go.Figure:
    """Each segment's share of customers next to its share of revenue (%)."""
    ordered = summary.iloc[::-1]
    y = [f"{s}. {n}" for s, n in zip(ordered["segment"], ordered["name"], strict=True)]
    fig = go.Figure()
    for column, name, color in (("customer_share", "Share of customers", "#9ecae1"), ("revenue_share", "Share of revenue", "#2171b5")):
        values = pd.to_numeric(ordered[column], errors="coerce") * 100
        fig.add_trace(go.Bar(y=y, x=values, name=name, orientation="h", marker={"color": color},
                             text=["–" if pd.isna(v) else f"{v:.1f}%" for v in values], textposition="outside",
                             hovertemplate="%{y}: %{x:.1f}%<extra>" + name + "</extra>"))
    apply_style(fig, f"Share of customers and of revenue (%)<br><sup>{period}</sup>", height=max(460, 110 + 48 * len(y)))
    shares = pd.to_numeric(summary[["customer_share", "revenue_share"]].stack(), errors="coerce").dropna()
    top = float(shares.max()) * 100 if len(shares) else 100.0  # every share hidden: any axis will do
    fig.update_layout(barmode="group", hovermode="closest", bargap=0.25,
                      legend={"traceorder": "reversed", "orientation": "h", "y": -0.12, "yanchor": "top", "x": 0, "xanchor": "left"})
    fig.update_xaxes(title=None, range=[0, top * 1.25], ticksuffix="%")
    fig.update_yaxes(title=None)
    return fig
