"""Recommendations page figures: hover texts and labels that stand alone."""

from __future__ import annotations

import pandas as pd

from core.recs.columns import NO_SEGMENT
from core.recs.explain import popular_in_segment, segment_label
from dashboard.recs import charts as recs_charts


def test_segment_without_purchases_is_not_called_shoppers():
    assert segment_label("web") == "web shoppers"
    assert segment_label(NO_SEGMENT) == "no purchases yet"
    assert popular_in_segment("app") == "popular in your segment (app shoppers)"
    by_segment = pd.DataFrame({"model": ["popular"] * 2, "segment": ["web", NO_SEGMENT], "customers": [120, 80],
                               "ndcg": [0.1, 0.2]})
    fig = recs_charts.segment_bars(by_segment, metric="ndcg", metric_label="NDCG@10", model_labels={},
                                   baseline="popular", title="t")
    (bar,) = fig.data
    assert list(bar.customdata) == ["web shoppers", "no purchases yet"]
    assert "%{customdata}" in bar.hovertemplate and "shoppers" not in bar.hovertemplate
