"""Small groups of buyers are hidden on the Overview and in `omnimix overview` (privacy rule)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pandas as pd
import pytest

from core.cli import main
from core.filters import Filters
from core.overview import privacy as overview_privacy
from core.overview import queries
from core.privacy import (
    COMPLEMENT,
    COMPLEMENT_LABEL,
    MIN_GROUP_SIZE,
    NOTE_COLUMN,
    SMALL,
    for_export,
    hidden_reason,
    labelled_counts,
)

# A quarter of two small channels in the 2,000-customer sample: few multi-channel buyers.
NARROW = Filters(dt.date(2025, 10, 6), dt.date(2025, 12, 28), ("marketplace", "social"))


def cells(df: pd.DataFrame, column: str) -> list:
    """Each cell of a count column as the representation holds it: the count, or its hidden flag.

    Also checks the representation: a flagged cell is a missing value, never text.
    """
    reasons = hidden_reason(df, column)
    assert df.loc[reasons.notna(), column].isna().all(), "a hidden count must be a missing value"
    assert pd.api.types.is_numeric_dtype(df[column]), "a count column stays a number column"
    return [r if r is not None else v for v, r in zip(df[column], reasons, strict=True)]


def test_channel_count_groups_below_the_minimum_are_hidden_with_their_complement():
    groups = pd.DataFrame({"channels_used": ["1", "2", "3+", "4+"], "customers": [120, 49, 60, 0],
                           "orders": [130, 60, 90, 0],
                           "revenue": [1e4, 5e3, 8e3, 0.0], "revenue_per_customer": [83.3, 102.0, 133.3, float("nan")],
                           "customer_share": [0.52, 0.21, 0.26, 0.0]})
    shown = overview_privacy.private_channel_counts(groups)
    # 49 is hidden; alone it would follow from the total (229 - 120 - 60), so 60 goes too.
    # The empty group describes nobody and stays 0.
    assert cells(shown, "customers") == [120, SMALL, COMPLEMENT, 0]
    assert labelled_counts(shown)["customers"].tolist() == ["120", "fewer than 50", COMPLEMENT_LABEL, "0"]
    assert shown.loc[[1, 2], ["orders", "revenue", "revenue_per_customer"]].isna().all().all()
    assert shown["customer_share"].isna().all(), "shares would reveal the hidden counts"
    assert shown.loc[0, "orders"] == 130 and shown.loc[0, "revenue"] == 1e4


def test_two_hidden_groups_need_no_extra_suppression():
    groups = pd.DataFrame({"channels_used": ["1", "2", "3+"], "customers": [300, 20, 10], "orders": [1, 2, 3],
                           "revenue": [1.0, 2.0, 3.0], "revenue_per_customer": [1.0, 1.0, 1.0],
                           "customer_share": [0.9, 0.06, 0.04]})
    shown = overview_privacy.private_channel_counts(groups)
    assert cells(shown, "customers") == [300, SMALL, SMALL]
    assert shown.loc[0, "revenue"] == 1.0


def test_pairs_with_few_buyers_are_hidden_but_empty_pairs_stay():
    pairs = pd.DataFrame({"channel_a": ["app", "app", "store"], "channel_b": ["store", "web", "web"],
                          "customers_both": [0, 12, 300], "customers_a": [400, 400, 500],
                          "customers_b": [30, 600, 600], "jaccard": [0.0, 0.012, 0.375],
                          "share_of_a": [0.0, 0.03, 0.6], "share_of_b": [0.0, 0.02, 0.5]})
    shown = overview_privacy.private_pair_overlap(pairs, min_size=MIN_GROUP_SIZE)
    assert cells(shown, "customers_both") == [0, SMALL, 300]
    assert cells(shown, "customers_b") == [SMALL, 600, 600]
    assert cells(shown, "customers_a") == [400, 400, 500]
    assert shown.loc[[0, 1], ["jaccard", "share_of_a", "share_of_b"]].isna().all().all()
    assert shown.loc[2, "jaccard"] == pytest.approx(0.375)


def test_channel_buyers_and_customer_kpi_hidden_when_small():
    share = pd.DataFrame({"channel": ["web", "marketplace"], "revenue": [9e3, 1e3], "orders": [90, 12],
                          "customers": [80, 11], "revenue_share": [0.9, 0.1], "orders_share": [0.88, 0.12]})
    shown = overview_privacy.private_channel_share(share)
    assert cells(shown, "customers") == [80, SMALL]
    assert shown["revenue"].tolist() == [9e3, 1e3], "sales figures are not about a group of people"
    kpis = pd.DataFrame({"metric": ["revenue", "customers"], "value": [1e3, 12.0], "previous": [9e2, 70.0],
                         "change": [1e2, -58.0], "change_pct": [11.1, -82.9]})
    shown = overview_privacy.private_kpis(kpis)
    assert shown["hidden"].tolist() == [False, True]
    assert shown.loc[1, ["value", "previous", "change", "change_pct"]].isna().all()
    assert shown.loc[0, "value"] == 1e3


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
    expected = overview_privacy.private_channel_counts(raw_groups)
    shown = {g["channels_used"]: g["customers_hidden"] or g["customers"] for g in out["buyers_by_channel_count"]}
    assert shown == dict(zip(expected["channels_used"], cells(expected, "customers"), strict=True))
    assert SMALL in shown.values()
    # JSON keeps numbers numeric: a hidden count is null with its reason beside it, never text.
    for g in out["buyers_by_channel_count"]:
        assert (g["customers"] is None) == (g["customers_hidden"] is not None)
        assert g["customers"] is None or isinstance(g["customers"], int)
    assert all(p["customers_both"] == 0 or (p["customers_both"] is None and p["customers_both_hidden"] == SMALL)
               or p["customers_both"] >= 50 for p in out["channel_pairs"])


def test_export_keeps_numbers_numeric_with_hidden_cells_empty_and_a_note():
    groups = pd.DataFrame({"channels_used": ["1", "2", "3+"], "customers": [300, 20, 10], "orders": [1, 2, 3],
                           "revenue": [1.0, 2.0, 3.0], "revenue_per_customer": [1.0, 1.0, 1.0],
                           "customer_share": [0.9, 0.06, 0.04]})
    csv = for_export(overview_privacy.private_channel_counts(groups)).to_csv(index=False).splitlines()
    assert csv[0] == f"channels_used,customers,orders,revenue,revenue_per_customer,customer_share,{NOTE_COLUMN}"
    assert csv[1] == "1,300,1.0,1.0,1.0,,"
    assert csv[2] == "2,,,,,,customers: fewer than 50"
    assert "fewer than" not in "".join(csv).replace("customers: fewer than 50", "")


@pytest.mark.parametrize("args, needle", [
    (["--start", "2025-13-01"], "--start must be a date"),
    (["--start", "2025-03-01", "--end", "2025-01-01"], "is after --end"),
    (["--channels", "web,teleshopping"], "Unknown sales channel(s) teleshopping"),
])
def test_cli_overview_bad_filters_exit_2_with_one_sentence(small_db, capsys, args, needle):
    code = main(["overview", "--db", str(small_db), *args])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and "Traceback" not in err
