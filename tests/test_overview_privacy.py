"""Small groups of buyers are hidden on the Overview and in `omnimix overview` (privacy rule)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pandas as pd
import pytest

from core import queries
from core.cli import main
from core.filters import Filters
from core.privacy import MIN_GROUP_SIZE

# A quarter of two small channels in the 2,000-customer sample: few multi-channel buyers.
NARROW = Filters(dt.date(2025, 10, 6), dt.date(2025, 12, 28), ("marketplace", "social"))


def test_channel_count_groups_below_the_minimum_are_hidden():
    groups = pd.DataFrame({"channels_used": ["1", "2", "3+", "4+"], "customers": [120, 49, 50, 0],
                           "orders": [130, 60, 90, 0],
                           "revenue": [1e4, 5e3, 8e3, 0.0], "revenue_per_customer": [83.3, 102.0, 160.0, float("nan")],
                           "customer_share": [0.55, 0.22, 0.23, 0.0]})
    shown = queries.private_channel_counts(groups)
    assert shown["customers"].tolist() == [120, "fewer than 50", 50, 0]  # an empty group describes nobody
    assert shown.loc[1, ["orders", "revenue", "revenue_per_customer", "customer_share"]].isna().all()
    assert shown.loc[2, "revenue"] == 8e3 and shown.loc[0, "orders"] == 130


def test_pairs_with_few_shared_buyers_are_hidden_but_empty_pairs_stay():
    pairs = pd.DataFrame({"channel_a": ["app", "app", "store"], "channel_b": ["store", "web", "web"],
                          "customers_both": [0, 12, 300], "customers_a": [400, 400, 500],
                          "customers_b": [500, 600, 600], "jaccard": [0.0, 0.012, 0.375],
                          "share_of_a": [0.0, 0.03, 0.6], "share_of_b": [0.0, 0.02, 0.5]})
    shown = queries.private_pair_overlap(pairs, min_size=MIN_GROUP_SIZE)
    assert shown["customers_both"].tolist() == [0, "fewer than 50", 300]
    assert shown.loc[1, ["jaccard", "share_of_a", "share_of_b"]].isna().all()
    assert shown.loc[2, "jaccard"] == pytest.approx(0.375)


def test_cli_overview_hides_small_groups_and_matches_the_queries(small_db, capsys):
    with duckdb.connect(str(small_db), read_only=True) as con:
        raw_groups = queries.customers_by_channel_count(con, NARROW)
        revenue = queries.kpis(con, NARROW).set_index("metric").loc["revenue", "value"]
    small = (raw_groups["customers"] > 0) & (raw_groups["customers"] < MIN_GROUP_SIZE)
    assert small.any(), "fixture must contain a small, non-empty group"
    code = main(["overview", "--db", str(small_db), "--start", "2025-10-06", "--end", "2025-12-28",
                 "--channels", "social,marketplace", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["kpis"][0]["metric"] == "revenue" and out["kpis"][0]["value"] == pytest.approx(revenue)
    shown = {g["channels_used"]: g["customers"] for g in out["buyers_by_channel_count"]}
    for row in raw_groups.itertuples():
        expected = "fewer than 50" if 0 < row.customers < MIN_GROUP_SIZE else row.customers
        assert shown[row.channels_used] == expected
    assert all(p["customers_both"] == 0 or p["customers_both"] == "fewer than 50" or p["customers_both"] >= 50
               for p in out["channel_pairs"])


@pytest.mark.parametrize("args, needle", [
    (["--start", "2025-13-01"], "--start must be a date"),
    (["--start", "2025-03-01", "--end", "2025-01-01"], "is after --end"),
    (["--channels", "web,teleshopping"], "Unknown sales channel(s) teleshopping"),
])
def test_cli_overview_bad_filters_exit_2_with_one_sentence(small_db, capsys, args, needle):
    code = main(["overview", "--db", str(small_db), *args])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and "Traceback" not in err
