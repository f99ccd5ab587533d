"""The Segments page through AppTest: slider, feature choice, link state, messages instead of errors."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
from apptest_pages import open_app_page
from chart_specs import charts, title, titles, vega_data
from streamlit.testing.v1 import AppTest

from core.filters import Filters
from core.privacy import MIN_GROUP_SIZE
from core.segments.export import HIDDEN_NAME
from core.segments.features import customer_features
from core.segments.pipeline import segment

PAGE = "pages/segments.py"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = open_app_page(PAGE, query)
    return at


def show(at: AppTest, section: str) -> AppTest:
    """Open another section tab, as a click on it does (only the open section runs)."""
    at.session_state["segments_section"] = section
    return at.run()


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def segments_table(at: AppTest):
    return next(df.value for df in at.dataframe if "description" in df.value.columns)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)



def test_default_view(sample_env):
    at = open_page()
    assert_clean(at)
    assert at.title[0].value == "Segments"
    assert at.slider(key="segments_k").value == 6
    assert at.multiselect(key="segments_features").value == ["rfm", "channel", "category"]
    table = segments_table(at)
    assert table["segment"].tolist() == [1, 2, 3, 4, 5, 6]
    assert table["name"].is_unique
    assert [m.label for m in at.metric] == ["Customers segmented", "Silhouette", "Suggested k", "Largest segment"]
    # only the open section ran: the segments table with its CSV, plus the membership CSV
    assert len(at.dataframe) == 1
    assert [b.proto.label for b in at.get("download_button")] == ["Download CSV", "Download membership CSV"]
    shown = titles(at)
    assert len(shown) == 2 and not any("Segment profiles" in t for t in shown)
    # the open section draws Vega-Lite (it appears sooner than plotly in a fresh browser)
    assert [kind for kind, _, _ in charts(at)] == ["vega", "vega"]
    assert shown[0].startswith("Share of customers and of revenue (%)<br>2024-12-30")
    assert at.query_params["segments_k"] == "6" and at.query_params["segments_features"] == "rfm,channel,category"
    show(at, "Choosing k")
    assert_clean(at)
    assert "inertia" in at.dataframe[0].value.columns and len(at.dataframe) == 1
    for section, tables in (("Inside one segment", 2), ("RFM lens", 1), ("Profiles", 0)):
        show(at, section)
        assert_clean(at)
        assert len(at.dataframe) == tables, section


def test_slider_change_refits(sample_env):
    at = open_page()
    at.slider(key="segments_k").set_value(4).run()
    assert_clean(at)
    assert segments_table(at)["segment"].tolist() == [1, 2, 3, 4]
    assert at.query_params["segments_k"] == "4"
    names = segments_table(at)
    show(at, "Inside one segment")
    assert at.selectbox(key="segments_detail").options == [f"{s}. {n}" for s, n in
                                                             zip(names["segment"], names["name"], strict=True)]


def test_feature_choice_change(sample_env):
    at = open_page()
    before = segments_table(at)["name"].tolist()
    at.multiselect(key="segments_features").set_value(["rfm"]).run()
    assert_clean(at)
    after = segments_table(at)["name"].tolist()
    assert len(after) == 6 and after != before  # RFM alone cannot see the channel loyalties
    assert at.query_params["segments_features"] == "rfm"
    at.multiselect(key="segments_features").set_value([]).run()
    assert_clean(at)
    assert "Choose at least one feature group" in texts(at.info)


def test_link_restores_k_and_features(sample_env):
    at = open_page({"segments_k": "3", "segments_features": "channel,nonsense"})
    assert_clean(at)
    assert at.slider(key="segments_k").value == 3
    assert at.multiselect(key="segments_features").value == ["channel"]


def test_bad_k_in_link_falls_back(sample_env):
    at = open_page({"segments_k": "40"})
    assert_clean(at)
    assert at.slider(key="segments_k").value == 6


def test_picking_a_segment_shows_its_products_and_recommendations_link(sample_env):
    at = open_page()
    description = segments_table(at).set_index("segment").loc[2, "description"]
    show(at, "Inside one segment")
    at.selectbox(key="segments_detail").set_value(2).run()
    assert_clean(at)
    assert description in texts(at.caption)
    links = at.get("page_link")
    assert len(links) == 1
    link = links[0].proto
    assert link.page == "recommendations" and link.query_string.startswith("customer=")
    customer = link.query_string.removeprefix("customer=")
    assert customer in link.label
    # the sample customer really belongs to segment 2 of the fitted segmentation
    with duckdb.connect(str(sample_env), read_only=True) as con:
        feats = customer_features(con, Filters(dt.date(2024, 12, 30), dt.date(2025, 12, 28)))
    seg = segment(feats, k=6, seed=0)
    row = feats.table.index[feats.table["customer_id"] == customer][0]
    assert seg.labels[row] + 1 == 2


def test_no_orders_in_filter_is_a_message(sample_env):
    at = open_page({"channels": ""})
    assert_clean(at)
    assert "No customer placed an order" in texts(at.info)
    assert not at.slider


def chart(at: AppTest, title_part: str) -> tuple[str, dict, object]:
    """``(kind, spec, proto)`` of the chart whose title holds ``title_part``."""
    return next(c for c in charts(at) if title_part in title(c[0], c[1]))


def test_too_few_customers_for_segments_is_a_message(sample_env):
    # One day in one channel: a handful of buyers, whose segments would describe individuals.
    at = open_page({"start": "2025-12-28", "end": "2025-12-28", "channels": "social", "segments_k": "3"})
    assert_clean(at)
    assert f"fewer than {MIN_GROUP_SIZE} customers bought" in texts(at.info).lower()
    assert not at.metric and not at.dataframe and not at.slider


def test_small_segments_show_no_figures_or_names(sample_env):
    # Half a year of app buyers split 12 ways: most segments fall under the minimum group size.
    at = open_page({"start": "2025-07-01", "end": "2025-12-28", "channels": "app", "segments_k": "12"})
    assert_clean(at)
    table = segments_table(at)
    hidden = table["customers"].str.contains("fewer than|hidden")  # shown as text next to "1,234"
    assert 0 < hidden.sum() < len(table), "the filter should leave some segments visible and some hidden"
    assert (table.loc[hidden, "name"] == HIDDEN_NAME).all()
    assert table.loc[hidden, ["revenue", "customer_share", "revenue_share"]].isna().all().all()
    visible = [f"{s}. {n}" for s, n in zip(table.loc[~hidden, "segment"], table.loc[~hidden, "name"], strict=True)]
    legend = {row["segment"] for row in vega_data(chart(at, "sampled customers")[2])}
    assert legend <= set(visible) | {f"{s}. {HIDDEN_NAME}" for s in table.loc[hidden, "segment"]}
    bars = vega_data(chart(at, "Share of customers and of revenue")[2])
    for row in bars:  # a hidden segment's shares are not drawn, only a dash
        if row["segment"].endswith(HIDDEN_NAME):
            assert row["share"] is None and row["share_text"] == "–"
        else:
            assert row["segment"] in visible and row["share_text"] == f"{row['share']:.1f}%"
    assert {row["segment"] for row in bars} == set(visible) | {f"{s}. {HIDDEN_NAME}" for s in table.loc[hidden, "segment"]}
    assert chart(show(at, "Profiles"), "Segment profiles")[1]["data"][0]["y"] == visible
    assert show(at, "Inside one segment").selectbox(key="segments_detail").options == visible


def test_segments_table_shows_each_segments_customer_value(sample_env):
    from core.clv.model import fit_clv
    from dashboard.clv.tables import segment_value

    at = open_page()
    assert_clean(at)
    table = segments_table(at).set_index("segment")
    with duckdb.connect(str(sample_env), read_only=True) as con:
        filters = Filters(dt.date(2024, 12, 30), dt.date(2025, 12, 28), None)
        feats = customer_features(con, filters)
        clv = fit_clv(con, cutoff=filters.end, filters=Filters()).customers
    seg = segment(feats, k=6, seed=0, groups=("rfm", "channel", "category"))
    expected = segment_value(clv, feats.table["customer_id"].to_numpy(), seg.labels + 1).set_index("segment")
    for number, row in table.iterrows():
        if row["customers_hidden"] is None:
            assert row["mean_clv"] == pytest.approx(expected.loc[number, "mean_clv"])
            assert row["share_active"] == pytest.approx(expected.loc[number, "share_active"])
            assert row["expected_revenue"] == pytest.approx(expected.loc[number, "expected_revenue"])
        else:
            assert pd.isna(row["mean_clv"]) and pd.isna(row["expected_revenue"])
