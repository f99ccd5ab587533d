"""Truth recovery on the small generated sample: the data-driven models beat last click.

The generator draws touches from a purchase-chance model whose true incremental orders per
channel it writes to ``truth_channel_incremental``; brand search and email come late in the
journeys of customers TV and social moved, so last click over-credits them. Measured on the
2,000-customer sample (seed 7, generator at b054fc3): last click 0.062, Markov 0.040, Shapley 0.038 (mean absolute
share error).
"""

from __future__ import annotations

import duckdb
import pytest

from core.attribution.compare import analyse


@pytest.fixture(scope="module")
def report(small_db):
    with duckdb.connect(str(small_db), read_only=True) as con:
        return analyse(con)


def test_sample_has_touchpoints_and_truth(report):
    assert report.has_truth and report.truth_scope == "full"
    assert report.summary["orders_with_touches"] > 1000 and report.summary["paths_without_order"] > 1000


def test_data_driven_models_are_closer_to_the_truth_than_last_click(report):
    errors = report.errors
    assert errors["markov"] < errors["last_click"]
    assert errors["shapley"] < errors["last_click"]
    assert errors["last_click"] - errors["markov"] > 0.01  # not a tie: about two points of share


def test_last_click_over_credits_the_late_channels(report):
    t = report.table[report.table["model"] == "last_click"].set_index("channel")
    late = t.loc[["search", "email"]]
    assert (late["order_share"] > late["truth_share"]).all()
