"""Budget optimiser on models whose response curves are known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import OmnimixError
from core.mmm.bounds import parse_bounds
from core.mmm.model import MediaMixModel
from core.mmm.optimizer import optimize_budget, target_roas_budget
from core.mmm.response import CurveDraws


def toy_model(coef=(1000.0, 400.0), k=(100.0, 100.0), shape=(1.0, 1.0), current=(150.0, 150.0)) -> MediaMixModel:
    """Two channels with weekly revenue ``coef * x / (x + k)`` (no carry-over, concave when shape=1)."""
    m = MediaMixModel()
    m.channels_ = ("search", "tv")
    m.coef_ = np.array(coef)
    # One posterior draw: the curves are known exactly.
    m.draws_ = CurveDraws(np.array([coef], float), np.zeros((1, 2)), np.array([k], float), np.array([shape], float))
    m.current_spend_ = np.array(current)
    m.base_level_ = 5000.0
    m.base_level_draws_ = np.full(1, 5000.0)
    return m


def analytic_split(c1, c2, k1, k2, total):
    # equal marginal returns: c1 k1 / (x + k1)^2 = c2 k2 / (T - x + k2)^2
    a, b = np.sqrt(c1 * k1), np.sqrt(c2 * k2)
    x = (a * (total + k2) - b * k1) / (a + b)
    return x, total - x


def test_fixed_total_matches_the_analytic_optimum():
    model = toy_model()
    plan = optimize_budget(model, 300.0)
    x, y = analytic_split(1000, 400, 100, 100, 300)
    np.testing.assert_allclose(plan.proposed, [x, y], rtol=1e-4)
    assert plan.proposed.sum() == pytest.approx(300.0)
    assert plan.improved and plan.gain > 0
    # the prediction of the proposed split is what the curves say
    expected = 5000 + 1000 * x / (x + 100) + 400 * y / (y + 100)
    assert plan.proposed_revenue == pytest.approx(expected, rel=1e-9)


def test_bounds_and_total_are_respected_when_binding():
    model = toy_model()
    plan = optimize_budget(model, 300.0, bounds={"search": (0.0, 120.0), "tv": (50.0, 300.0)})
    np.testing.assert_allclose(plan.proposed, [120.0, 180.0], atol=1e-6)


def test_percentage_and_absolute_bounds_are_parsed_against_current_spend():
    model = toy_model(current=(200.0, 100.0))
    assert parse_bounds(["search=-20%:+50%", "tv=10:90"], model) == {"search": (160.0, 300.0), "tv": (10.0, 90.0)}
    with pytest.raises(OmnimixError, match="unknown channel 'radio'"):
        parse_bounds(["radio=0:10"], model)
    with pytest.raises(OmnimixError, match="is not CHANNEL=LO:HI"):
        parse_bounds(["search=lots"], model)
    with pytest.raises(OmnimixError, match="Bound 'search=1.2.3:5' is not CHANNEL=LO:HI"):
        parse_bounds(["search=1.2.3:5"], model)
    assert parse_bounds(["tv=.5:1."], model) == {"tv": (0.5, 1.0)}


def test_never_worse_than_current_when_current_is_already_best():
    model = toy_model(coef=(500.0, 500.0), current=(150.0, 150.0))  # identical channels: equal split is optimal
    plan = optimize_budget(model, 300.0)
    assert not plan.improved
    np.testing.assert_allclose(plan.proposed, [150.0, 150.0])
    assert plan.proposed_revenue == plan.current_revenue
    assert "keeping it" in plan.message


@pytest.mark.parametrize("current", [(10.0, 290.0), (290.0, 10.0), (150.0, 150.0), (0.0, 300.0)])
def test_s_curves_never_return_a_worse_split(current):
    model = toy_model(coef=(800.0, 800.0), k=(120.0, 200.0), shape=(3.0, 2.5), current=current)
    plan = optimize_budget(model, 300.0)
    assert plan.proposed_revenue >= plan.current_revenue - 1e-9
    assert plan.proposed.sum() == pytest.approx(300.0)
    assert np.all(plan.proposed >= -1e-9)


def test_infeasible_bounds_say_which_side():
    model = toy_model()
    with pytest.raises(OmnimixError, match="lower bounds add up to 300 EUR per week, above the total of 200 EUR"):
        optimize_budget(model, 200.0, bounds={"search": (150.0, 400.0), "tv": (150.0, 400.0)})
    with pytest.raises(OmnimixError, match="upper bounds add up to 100 EUR per week, below the total of 200 EUR"):
        optimize_budget(model, 200.0, bounds={"search": (0.0, 50.0), "tv": (0.0, 50.0)})
    with pytest.raises(OmnimixError, match="lower bound of 'tv' .* is above its upper bound"):
        optimize_budget(model, 200.0, bounds={"tv": (90.0, 10.0)})


def test_target_roas_finds_the_largest_budget_meeting_the_target():
    model = toy_model()
    plan = target_roas_budget(model, 3.0)
    assert plan.roas == pytest.approx(3.0, rel=1e-3)
    # spending a little more at the best split falls below the target
    more = optimize_budget(model, plan.total * 1.02)
    assert more.roas < 3.0
    with pytest.raises(OmnimixError, match="reaches a ROAS of 50"):
        target_roas_budget(model, 50.0)  # even the first EUR returns at most 10 per EUR here


def test_target_roas_met_up_to_the_limit_says_so_and_names_the_limit():
    model = toy_model()
    plan = target_roas_budget(model, 0.5, bounds={"search": (0.0, 200.0), "tv": (0.0, 200.0)})
    assert plan.total == pytest.approx(400.0)
    assert "ROAS stays at or above 0.5 up to the largest budget allowed: 400 EUR per week" in plan.message
    assert "the sum of the channels' upper bounds" in plan.message and "Largest weekly budget" not in plan.message
    plan = target_roas_budget(model, 0.5, max_total=250.0)
    assert plan.total == pytest.approx(250.0) and "the largest budget you set" in plan.message


def test_target_roas_minimums_above_the_largest_budget_are_infeasible():
    model = toy_model()
    with pytest.raises(OmnimixError, match="lower bounds add up to 5,000 EUR per week, above the total of 1,000 EUR"):
        target_roas_budget(model, 2.0, bounds={"search": (5000.0, 6000.0)}, max_total=1000.0)
