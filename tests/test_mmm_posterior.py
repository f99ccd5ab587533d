"""The Bayesian machinery behind the budget model, each piece against an independent reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.signal import lfilter

from core.errors import OmnimixError
from core.mmm.experiments import calibration, check_experiments
from core.mmm.model import MediaMixModel
from core.mmm.planning import FuturePeriod, SteadyState, forecast_table
from core.mmm.posterior import Calibration, LinearPart, adstock, lag_matrix, media_columns, split_rhat
from core.mmm.prior import CurvePrior
from core.mmm.saturation import hill, saturate
from tests.test_mmm_model import CHANNELS, synthetic


def brute_log_evidence(base, media, y, lam, a0, b0, rho=0.0, cal_rows=None):
    """log p(y | media) with every matrix written out (Normal-inverse-gamma, AR(1) by an explicit W)."""
    n = len(y)
    w = np.eye(n)
    if rho:
        w[0, 0] = np.sqrt(1 - rho**2)
        w[np.arange(1, n), np.arange(n - 1)] = -rho
    x = np.hstack([base, media]) if cal_rows is None else None
    xw, yw = w @ np.hstack([base, media]), w @ y
    if cal_rows is not None:
        rows, targets = cal_rows
        xw, yw = np.vstack([xw, rows]), np.concatenate([yw, targets])
    del x
    pen = np.r_[1e-8, np.full(base.shape[1] - 1, lam), np.full(media.shape[1], lam)]
    gram = xw.T @ xw + np.diag(pen)
    rhs = xw.T @ yw
    resid = yw @ yw - rhs @ np.linalg.solve(gram, rhs)
    n_obs = len(yw)
    return -0.5 * np.linalg.slogdet(gram)[1] - (a0 + n_obs / 2) * np.log(b0 + resid / 2)


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    n = 60
    base = np.column_stack([np.ones(n), np.linspace(0, 1, n), np.sin(np.arange(n) / 8)])
    media = rng.random((n, 2))
    y = base @ [1.0, 0.2, 0.1] + media @ [0.3, 0.1] + rng.normal(0, 0.02, n)
    return base, media, y


@pytest.mark.parametrize("rho", [0.0, 0.4])
def test_evidence_differences_match_the_full_design_computation(problem, rho):
    base, media, y = problem
    prior = CurvePrior()
    part = LinearPart(base, y, 2, prior, rho=rho)
    alt = media.copy()
    alt[:, 1] = np.sqrt(media[:, 1])  # another curve for channel 2, still clearly positive
    both = np.stack([media, alt])
    ours = part.log_evidence(both, np.einsum("st,wtc->wsc", part.projector, both))
    # The evidence also multiplies in P(beta >= 0); take it out to compare the Gaussian part.
    ref = [brute_log_evidence(base, m, y, part.lam, part.a0, part.b0, rho) for m in (media, alt)]
    gram, rhs = part.stats(both, np.einsum("st,wtc->wsc", part.projector, both))
    assert np.all(np.linalg.solve(gram, rhs[..., None])[..., 0] > 0)  # so the orthant factor is close to 1
    np.testing.assert_allclose(ours[0] - ours[1], ref[0] - ref[1], atol=0.05)


def test_lift_test_rows_enter_the_evidence_as_extra_observations(problem):
    base, media, y = problem
    weeks = np.zeros((1, len(y)), bool)
    weeks[0, 10:16] = True
    cal = Calibration(channel=np.array([1]), weeks=weeks, target=np.array([0.5]), weight=np.array([2.0]))
    part = LinearPart(base, y, 2, CurvePrior(), calibration=cal)
    alt = media * [1.0, 0.5]
    both = np.stack([media, alt])
    ours = part.log_evidence(both, np.einsum("st,wtc->wsc", part.projector, both))
    ref = []
    for m in (media, alt):
        row = np.zeros(base.shape[1] + 2)
        row[base.shape[1] + 1] = m[10:16, 1].sum()
        ref.append(brute_log_evidence(base, m, y, part.lam, part.a0, part.b0, cal_rows=(2.0 * row[None], [1.0])))
    np.testing.assert_allclose(ours[0] - ours[1], ref[0] - ref[1], atol=0.05)


def test_coefficient_draws_centre_on_least_squares(problem):
    base, media, y = problem
    part = LinearPart(base, y, 2, CurvePrior())
    m = np.repeat(media[None], 4000, axis=0)
    b, beta, sigma = part.draw_coefficients(m, np.random.default_rng(1))
    ls, *_ = np.linalg.lstsq(np.hstack([base, media]), y, rcond=None)
    np.testing.assert_allclose(beta.mean(axis=0), ls[3:], atol=0.01)
    np.testing.assert_allclose(b.mean(axis=0), ls[:3], atol=0.02)
    assert np.all(beta >= 0)
    assert 0.015 < np.median(sigma) < 0.025  # the noise sd was 0.02


def test_adstock_and_media_columns_match_a_direct_filter():
    x = np.random.default_rng(3).random(80)
    lags = lag_matrix(x)
    decay = np.array([0.0, 0.5, 0.85])
    direct = np.stack([lfilter([1.0], [1.0, -d], x) for d in decay])
    np.testing.assert_allclose(adstock(lags, decay), direct, atol=1e-3)  # 52 lags: 0.85^52 of the tail is left out
    cols, half = media_columns(lags, decay, np.array([1.0, 2.0, 0.5]), np.array([1.0, 1.5, 2.0]))
    np.testing.assert_allclose(half, [1.0, 2.0, 0.5] * adstock(lags, decay).mean(axis=1))
    np.testing.assert_allclose(cols[1], hill(adstock(lags, decay)[1], half[1], 1.5))


def test_split_rhat_flags_chains_that_disagree():
    rng = np.random.default_rng(4)
    same = rng.normal(size=(200, 8, 1))
    apart = same + np.arange(8)[None, :, None]
    assert split_rhat(same)[0] < 1.05
    assert split_rhat(apart)[0] > 1.5


# ---- model-level behaviour ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def world():
    data, roas = synthetic(n=156, seed=7, noise=0.02)
    return data, roas


def lift_test(data, channel: str, weeks: slice, value: float, se: float) -> pd.DataFrame:
    w = data.weeks[weeks]
    return pd.DataFrame(
        {"channel": [channel], "start_week": [w[0]], "end_week": [w[-1]], "incremental_revenue": [value], "standard_error": [se]}
    )


def test_a_precise_lift_test_pulls_its_channel_to_the_test(world):
    data, _ = world
    plain = MediaMixModel(random_state=0).fit(data)
    j = plain.channels_.index("tv")
    implied = plain.decomposition_["tv"].iloc[100:108].sum()
    # A test that says tv drove 30% less than the model thinks over weeks 100-107, with a 3% error.
    tests = lift_test(data, "tv", slice(100, 108), 0.7 * implied, 0.03 * implied)
    calibrated = MediaMixModel(random_state=0).fit(data, experiments=tests)
    before, after = plain.channel_summary_.iloc[j], calibrated.channel_summary_.iloc[j]
    assert after["roas"] < 0.85 * before["roas"]
    assert after["roas_high"] - after["roas_low"] < before["roas_high"] - before["roas_low"]
    assert calibrated.channel_summary_["roas_without_tests"].iloc[j] == pytest.approx(before["roas"], rel=0.1)
    assert calibrated.experiments_["used"].tolist() == [True]
    assert calibrated.decomposition_["tv"].iloc[100:108].sum() == pytest.approx(0.7 * implied, rel=0.1)


def test_lift_tests_the_data_cannot_use_are_listed_with_the_reason(world):
    data, _ = world
    too_early = lift_test(data, "tv", slice(10, 14), 1000.0, 100.0).assign(start_week=pd.Timestamp("2015-01-05"))
    tests = pd.concat([lift_test(data, "radio", slice(10, 14), 1000.0, 100.0), too_early])
    table = calibration(tests, weeks=data.weeks, channels=CHANNELS, y_scale=1.0, noise_sd=1.0)[1]
    assert table["used"].tolist() == [False, False]
    assert "no spend on 'radio'" in table["reason"].iloc[0]
    assert "not all inside the weeks" in table["reason"].iloc[1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.assign(standard_error=0.0), "standard_error must be above 0"),
        (lambda t: t.assign(end_week=t["start_week"] - pd.Timedelta(days=7)), "is before start_week"),
        (lambda t: t.drop(columns="incremental_revenue"), "need the column(s) incremental_revenue"),
    ],
)
def test_bad_lift_tests_are_refused_naming_the_field(world, change, message):
    data, _ = world
    with pytest.raises(OmnimixError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_experiments(change(lift_test(data, "tv", slice(10, 14), 1000.0, 100.0)))


BAD_PARAMETERS = [("n_chains", 1), ("n_warmup", -1), ("n_samples", 1), ("thin", 0), ("holdout_weeks", -2),
                  ("fourier_order", 1.5), ("current_weeks", 0), ("n_samples", 10)]


@pytest.mark.parametrize(("param", "value"), BAD_PARAMETERS)
def test_bad_parameters_are_named(world, param, value):
    data, _ = world
    kwargs = {param: value, "thin": 8} if param == "n_samples" else {param: value}
    with pytest.raises(OmnimixError, match=param):
        MediaMixModel(**kwargs).fit(data)


# ---- planning ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fitted_world(world):
    data, _ = world
    return MediaMixModel(random_state=1).fit(data), data


def test_future_period_carries_over_the_recent_spend(fitted_world):
    model, data = fitted_world
    period = FuturePeriod(model, 6)
    plan = np.array([500.0, 0.0, 2000.0])
    weekly = period.weekly_media(plan)  # (weeks, draws, channels)
    # Reference for one draw: continue the real history with the plan through a plain filter.
    i, j = 5, 2
    d = model.draws_
    history = np.concatenate([data.spend[:, j], np.full(6, plan[j])])
    ad = lfilter([1.0], [1.0, -d.decay[i, j]], history)[-6:]
    expected = d.coef[i, j] * saturate(ad, d.half_saturation[i, j], d.shape[i, j], d.family[i, j])
    np.testing.assert_allclose(weekly[:, i, j], expected, rtol=2e-3)  # 52-week truncation of the old adstock
    table = forecast_table(period, plan)
    assert list(table["week"]) == list(pd.date_range(data.weeks[-1] + pd.Timedelta(days=7), periods=6, freq="7D"))
    assert np.all((table["low"] < table["revenue"]) & (table["revenue"] < table["high"]))
    assert np.all(np.diff(table["carryover"]) <= 1e-9)  # what past spend still brings fades week by week


def test_cautious_plans_move_money_to_the_channel_the_model_is_sure_about(fitted_world):
    from core.mmm.optimizer import optimize_budget
    from core.mmm.response import CurveDraws

    model, _ = fitted_world
    rng = np.random.default_rng(0)
    n = 400
    toy = MediaMixModel()
    toy.channels_ = ("sure", "unsure")
    toy.current_spend_ = np.array([100.0, 100.0])
    # Same mean curve; the second channel's size is uncertain (coef 1000 +- 600).
    coef = np.column_stack([np.full(n, 1000.0), 1000.0 + 600.0 * rng.standard_normal(n).clip(-1.6, 1.6)])
    toy.draws_ = CurveDraws(coef, np.zeros((n, 2)), np.full((n, 2), 100.0), np.ones((n, 2)))
    toy.base_level_draws_ = np.full(n, 5000.0)
    toy.base_level_ = 5000.0
    toy.coef_ = coef.mean(axis=0)
    mean_plan = optimize_budget(toy, 200.0)
    cautious = optimize_budget(toy, 200.0, cautious=True)
    assert abs(mean_plan.proposed[0] - mean_plan.proposed[1]) < 10.0
    assert cautious.proposed[0] > mean_plan.proposed[0] + 20.0
    assert cautious.proposed_band[0] > mean_plan.proposed_band[0]  # a better pessimistic case
    assert cautious.cautious and "Cautious split" in cautious.message
    assert isinstance(SteadyState(toy).subset(50).draws.coef, np.ndarray)


def test_roas_prior_enters_the_evidence_at_the_implied_roas(problem):
    base, media, y = problem
    prior = CurvePrior()
    scale = np.array([2.0, 5.0])
    plain = LinearPart(base, y, 2, prior)
    with_prior = LinearPart(base, y, 2, prior, roas_scale=scale)
    m = media[None]
    pm = np.einsum("st,wtc->wsc", plain.projector, m)
    gram, rhs = plain.stats(m, pm)
    roas = np.linalg.solve(gram, rhs[..., None])[..., 0] * media.sum(axis=0) * scale
    lognormal = np.sum(-0.5 * ((np.log(roas) - np.log(2.0)) / 1.0) ** 2 - np.log(roas))
    np.testing.assert_allclose(with_prior.log_evidence(m, pm) - plain.log_evidence(m, pm), lognormal)
    # an implausible ROAS (x100) costs more than a plausible one
    assert prior.roas_log_density(np.array([[200.0, 2.0]]))[0] < prior.roas_log_density(np.array([[2.0, 2.0]]))[0] - 5
