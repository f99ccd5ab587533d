"""Adstock and Hill saturation against values computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.mmm.adstock import geometric_adstock
from core.mmm.baseline import EVENTS, baseline_design, retail_events
from core.mmm.saturation import hill


def test_geometric_adstock_carries_a_share_of_last_week():
    # a = [100, 0 + .5*100, 20 + .5*50, 0 + .5*45]
    np.testing.assert_allclose(geometric_adstock(np.array([100.0, 0.0, 20.0, 0.0]), 0.5), [100, 50, 45, 22.5])


def test_geometric_adstock_per_channel_decay_and_normalisation():
    x = np.array([[10.0, 10.0], [10.0, 10.0], [10.0, 10.0]])
    out = geometric_adstock(x, np.array([0.0, 0.2]))
    np.testing.assert_allclose(out[:, 0], [10, 10, 10])
    np.testing.assert_allclose(out[:, 1], [10, 12, 12.4])
    # normalised: multiplied by (1 - decay) so a constant spend settles at itself
    np.testing.assert_allclose(geometric_adstock(x, 0.2, normalize=True)[:, 1], [8, 9.6, 9.92])


def test_constant_spend_settles_at_spend_over_one_minus_decay():
    out = geometric_adstock(np.full(200, 30.0), 0.4)
    assert out[-1] == pytest.approx(30 / 0.6)


@pytest.mark.parametrize("decay", [-0.1, 1.0])
def test_adstock_rejects_decay_outside_unit_interval(decay):
    with pytest.raises(ValueError, match="decay"):
        geometric_adstock(np.ones(3), decay)


def test_hill_hand_values():
    # x^s / (x^s + K^s): K=2, s=1 -> 0, 1/3, 1/2, 2/3 ; K=2, s=2 -> 4/(4+4)=.5, 16/(16+4)=.8
    np.testing.assert_allclose(hill(np.array([0.0, 1.0, 2.0, 4.0]), 2.0, 1.0), [0, 1 / 3, 1 / 2, 2 / 3])
    np.testing.assert_allclose(hill(np.array([2.0, 4.0]), 2.0, 2.0), [0.5, 0.8])


def test_hill_is_stable_for_huge_spend_and_clips_negative():
    out = hill(np.array([-5.0, 1e300]), 1.0, 3.0)
    np.testing.assert_allclose(out, [0.0, 1.0])


def test_retail_events_mark_black_friday_christmas_and_january():
    weeks = pd.DatetimeIndex(
        [
            "2024-11-18",
            "2024-11-25",
            "2024-12-02",
            "2024-12-09",
            "2024-12-23",
            "2024-12-30",
            "2025-01-06",
            "2025-01-13",
            "2025-03-03",
        ]
    )
    ev = pd.DataFrame(retail_events(weeks), columns=EVENTS, index=weeks.date.astype(str))
    # Black Friday 2024 is 29 November: its week starts 25 November, Cyber Monday week 2 December.
    assert ev["black_friday"].tolist() == [0, 1, 1, 0, 0, 0, 0, 0, 0]
    assert ev["christmas"].tolist() == [0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert ev["january_sales"].tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 0]  # weeks starting 1-14 January


def test_baseline_design_columns_and_growing_season():
    weeks = pd.date_range("2024-01-01", periods=60, freq="7D")
    design, names = baseline_design(weeks, origin=weeks[0], fourier_order=1, events=False)
    assert names == ["intercept", "trend", "sin_1", "cos_1"]
    np.testing.assert_allclose(design[:, 1], (weeks - weeks[0]).days / 365.25)
    grown, grown_names = baseline_design(weeks, origin=weeks[0], fourier_order=1, events=False, growing_season=True)
    assert grown_names[4:] == ["trend_x_sin_1", "trend_x_cos_1"]
    np.testing.assert_allclose(grown[:, 4], design[:, 1] * design[:, 2])
