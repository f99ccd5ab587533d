"""Customer features on a tiny hand-made database, every figure computed by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pytest

from core.errors import OmnimixError
from core.filters import Filters
from core.privacy import SMALL
from core.segments import features as F
from core.segments.features import customer_features, validate_groups
from core.store.schema import create_schema

PRODUCTS = [("P1", "Book one", "Books", "B", 10.0, None), ("P2", "Dress", "Fashion", "B", 50.0, None)]
CUSTOMERS = [
    ("A", dt.date(2024, 1, 1), None, None, None),
    ("B", dt.date(2024, 2, 1), None, None, None),
    ("C", dt.date(2024, 2, 1), None, None, None),  # never orders: not a row
]
ORDERS = [
    ("O1", "A", dt.datetime(2024, 3, 1, 10), "web"),
    ("O2", "A", dt.datetime(2024, 3, 11, 10), "store"),
    ("O3", "A", dt.datetime(2024, 3, 21, 10), "web"),
    ("O4", "B", dt.datetime(2024, 3, 15, 12), "app"),
]
ITEMS = [
    ("O1", "P1", 2, 10.0),  # 20, full price
    ("O2", "P2", 1, 40.0),  # 40, discounted
    ("O2", "P1", 1, 10.0),  # 10
    ("O3", "P2", 1, 50.0),  # 50
    ("O4", "P1", 3, 8.0),  # 24, discounted
]
EVENTS = [
    ("A", "P1", "web", "view", dt.datetime(2024, 2, 28, 9)),
    ("A", "P1", "web", "view", dt.datetime(2024, 2, 29, 9)),
    ("A", "P1", "web", "purchase", dt.datetime(2024, 3, 1, 10)),
    ("A", "P2", "app", "view", dt.datetime(2024, 3, 10, 9)),
    ("A", "P2", "web", "view", dt.datetime(2024, 3, 20, 9)),
    ("A", "P2", "web", "cart", dt.datetime(2024, 3, 21, 9)),
    ("A", "P2", "web", "purchase", dt.datetime(2024, 3, 21, 10)),
]


def build_tiny_db(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        create_schema(con)
        con.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?, ?)", PRODUCTS)
        con.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?)", CUSTOMERS)
        con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", ORDERS)
        con.executemany("INSERT INTO order_items VALUES (?, ?, ?, ?)", ITEMS)
        con.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", EVENTS)
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = build_tiny_db(tmp_path_factory.mktemp("seg") / "tiny.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def rows(features: F.CustomerFeatures) -> dict[str, dict[str, float]]:
    return features.table.set_index("customer_id").to_dict("index")


def test_all_data_features_by_hand(tiny):
    feats = customer_features(tiny, Filters())
    # Reference date = last order date (no end date given).
    assert feats.reference_date == dt.date(2024, 3, 21)
    assert list(feats.table["customer_id"]) == ["A", "B"]  # C never ordered
    assert feats.channels == ("app", "store", "web")
    assert feats.categories == ("Books", "Fashion")
    a, b = rows(feats)["A"], rows(feats)["B"]
    expected_a = {
        "recency_days": 0, "frequency": 3,
        # Sign-up 2024-01-01 is before the period start (first order, 2024-03-01): 3 orders in the
        # 20 days to the last order, counted as the 30-day minimum span.
        "orders_per_year": 3 * 365.25 / 30, "monetary": 120.0, "aov": 40.0, "basket_size": 4 / 3,
        "tenure_days": 80,  # 2024-01-01 -> 2024-03-21 (leap February)
        "days_between_orders": 10.0,  # 20 days between first and last order / 2 gaps
        "conversion": 0.5,  # 2 purchases / 4 views (web and app)
        "views_per_line": 1.0,  # 4 views / 4 order lines
        "discount_share": 0.25,  # 1 of 4 lines below list price
        "discount_depth": 0.05,  # (0 + 10/50 + 0 + 0) / 4 lines: the dress at 40 instead of 50
        "ch_app": 0.0, "ch_store": 1 / 3, "ch_web": 2 / 3,
        "cat_books": 30 / 120, "cat_fashion": 90 / 120,
    }
    expected_b = {
        "recency_days": 6, "frequency": 1, "orders_per_year": 365.25 / 30, "monetary": 24.0, "aov": 24.0, "basket_size": 1.0,
        "tenure_days": 49, "days_between_orders": 6.0,  # one order: days since it
        "conversion": 0.0, "views_per_line": 0.0, "discount_share": 1.0,
        "discount_depth": 0.2,  # the book at 8 instead of 10
        "ch_app": 1.0, "ch_store": 0.0, "ch_web": 0.0, "cat_books": 1.0, "cat_fashion": 0.0,
    }
    assert a == pytest.approx(expected_a)
    assert b == pytest.approx(expected_b)
    assert feats.table.notna().all().all()


def test_filters_restrict_orders_and_events(tiny):
    feats = customer_features(tiny, Filters(dt.date(2024, 3, 5), dt.date(2024, 3, 31), ("web",)))
    assert feats.reference_date == dt.date(2024, 3, 31)  # the end of the range
    assert feats.channels == ("web",)
    a = rows(feats)
    assert list(a) == ["A"]  # B only bought in the app
    assert a["A"] == pytest.approx({
        "recency_days": 10, "frequency": 1,
        "orders_per_year": 365.25 / 30,  # 2024-03-05 (range start) to 03-21 is 16 days: the 30-day minimum
        "monetary": 50.0, "aov": 50.0, "basket_size": 1.0,
        "tenure_days": 90, "days_between_orders": 10.0,
        "conversion": 1.0,  # the 03-20 web view and the 03-21 purchase; the app view is filtered out
        "views_per_line": 1.0,  # that one web view / one order line
        "discount_share": 0.0, "discount_depth": 0.0, "ch_web": 1.0, "cat_books": 0.0, "cat_fashion": 1.0,
    })


def test_groups_labels_and_cluster_columns(tiny):
    feats = customer_features(tiny, Filters())
    assert feats.groups["channel"] == ("ch_app", "ch_store", "ch_web")
    assert feats.labels["ch_store"] == "Share of orders: store"
    assert feats.labels["cat_fashion"] == "Share of revenue: Fashion"
    assert feats.units["monetary"] == "EUR"
    assert feats.columns(["channel"]) == ["ch_app", "ch_store", "ch_web"]
    clustered = feats.cluster_columns(["rfm"])
    assert "tenure_days" not in clustered and "monetary" not in clustered and "frequency" not in clustered
    assert "orders_per_year" in clustered and "recency_days" in clustered


@pytest.mark.parametrize("filters", [Filters(channels=("marketplace",)), Filters(dt.date(2025, 1, 1), dt.date(2025, 2, 1)),
                                     Filters(channels=())])
def test_empty_filter_result_is_a_clear_error(tiny, filters):
    with pytest.raises(OmnimixError, match="No customer placed an order"):
        customer_features(tiny, filters)


def test_group_choice_validation():
    assert validate_groups("channel, rfm") == ("rfm", "channel")
    with pytest.raises(OmnimixError, match="Unknown feature group 'colour'"):
        validate_groups(["rfm", "colour"])
    with pytest.raises(OmnimixError, match="at least one"):
        validate_groups("")


def test_channels_whose_columns_would_collide_are_rejected(tmp_path):
    path = build_tiny_db(tmp_path / "clash.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO channels VALUES ('Web', 'sales')")
        con.execute("INSERT INTO orders VALUES ('O5', 'B', TIMESTAMP '2024-03-16 10:00', 'Web')")
        with pytest.raises(OmnimixError, match="'Web' and 'web'|'web' and 'Web'"):
            customer_features(con, Filters())


def test_segment_top_products_and_channel_mix_by_hand(tiny):
    from core.segments.details import channel_mix, top_products

    products = top_products(tiny, ["A", "B"], Filters(), min_size=1)
    # P1: A's 20 + 10 and B's 24 = 54 EUR (2 buyers); P2: A's 40 + 50 = 90 EUR (1 buyer). Buyers rank first.
    assert products[["product_id", "buyers", "revenue"]].values.tolist() == [["P1", 2, 54.0], ["P2", 1, 90.0]]
    assert products["revenue_share"].tolist() == pytest.approx([54 / 144, 90 / 144])
    only_a_web = top_products(tiny, ["A"], Filters(channels=("web",)), min_size=1)
    assert only_a_web[["product_id", "revenue"]].values.tolist() == [["P2", 50.0], ["P1", 20.0]]
    hidden = top_products(tiny, ["A", "B"], Filters())  # default: groups under 50 are hidden
    assert hidden["buyers"].isna().all() and hidden["revenue"].isna().all()
    assert hidden["buyers_hidden"].tolist() == [SMALL] * 2

    feats = customer_features(tiny, Filters())
    mix = channel_mix(feats, np.array([True, True]), min_size=1)
    assert mix.values.tolist() == [["web", 1, 2, 0.5, None], ["app", 1, 1, 0.25, None], ["store", 1, 1, 0.25, None]]
    only_b = channel_mix(feats, np.array([False, True]), min_size=1)
    assert only_b.iloc[0].tolist() == ["app", 1, 1.0, 1.0, None]
    assert only_b["buyers_hidden"].tolist()[1:] == [SMALL, SMALL]  # no buyers there at all
    assert only_b["buyers"].iloc[1:].isna().all()


def test_one_slug_for_feature_columns_and_download_names():
    from core.formatting import slug

    assert F.category_column("Home & Kitchen") == "cat_home_kitchen" == "cat_" + slug("home-kitchen")
    assert F.channel_column("!!") == "ch_x"
    assert slug("Top products: segment 3") == "top_products_segment_3"
