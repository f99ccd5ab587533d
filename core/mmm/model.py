"""The marketing-mix model: adstock + Hill per channel, a trend-and-season baseline, lift tests.

``revenue[t] = baseline[t] + sum_c coef_c * saturation(adstock(spend_c)[t]; K_c, s_c) + noise``

with Hill or exponential saturation per channel (both sampled, see :mod:`core.mmm.posterior`).

The baseline is an intercept, a linear trend, yearly Fourier terms, retail events and the
user's controls.  Nothing is tuned to one data set: the curves (decay, K, s per channel) are
sampled from their posterior with the linear part integrated out
(:mod:`core.mmm.posterior`), and coefficients are drawn exactly for each sampled curve, so
every band carries the uncertainty of the curves, the baseline and the noise.  Lift tests
enter as extra observations (:mod:`core.mmm.experiments`).  Point figures are posterior
medians (ROAS) or means (revenue predictions); bands are the 5th-95th percentiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import InvalidParameterError, OmnimixError
from core.estimator import BOOLEAN, Estimator, Interval, check_is_fitted
from core.mmm.baseline import baseline_design
from core.mmm.experiments import calibration, check_experiments
from core.mmm.metrics import fit_metrics
from core.mmm.posterior import (
    CurveSamples,
    LinearPart,
    adstock,
    lag_matrix,
    sample_curves,
    split_rhat,
)
from core.mmm.prior import CurvePrior
from core.mmm.response import CurveDraws
from core.mmm.summary import BAND, channel_summary, decompose
from core.mmm.weekly import WeeklyData

MAX_SPEND_MULTIPLE = 3.0
"""Largest weekly spend explored, as a multiple of the current weekly spend: the response
curves end there, and so do the page's sliders and the optimiser's allowed change, so a
budget can always be shown on its curve.  Further out the curves are extrapolated far
beyond the spend the model has seen."""


@dataclass(frozen=True)
class BudgetPrediction:
    """Predicted revenue of a weekly budget held for ``weeks`` weeks (EUR)."""

    revenue: float
    low: float
    high: float
    baseline: float
    media: dict[str, float]
    spend: dict[str, float]
    weeks: int

    @property
    def roas(self) -> float:
        """Media revenue per EUR of spend."""
        total = sum(self.spend.values())
        return sum(self.media.values()) / total if total > 0 else float("nan")


class MediaMixModel(Estimator):
    """Bayesian marketing-mix regression, fast enough for a live page.

    Parameters
    ----------
    fourier_order : int, default=2
        Yearly sine/cosine pairs in the baseline.
    events : bool, default=True
        Add Black Friday/Cyber week, Christmas run-up and January sales indicators.
    growing_season : bool, default=False
        Let seasonal swings and event peaks grow with the trend (multiplicative seasonality).
    holdout_weeks : int, default=12
        Final weeks a first, separate fit never sees, to report honest accuracy (at most a
        fifth of the weeks).
    current_weeks : int, default=52
        The "current" budget and baseline are averages over the last this many weeks.
    prior : CurvePrior, optional
        Prior beliefs about the curves; default :class:`~core.mmm.prior.CurvePrior`.
    n_chains : int, default=16
        Markov chains run side by side (vectorised).
    n_warmup : int, default=300
        Sweeps per chain spent finding the posterior and tuning step sizes (discarded).
    n_samples : int, default=400
        Sweeps per chain after warm-up; every ``thin``-th is kept.
    thin : int, default=8
        At most half of ``n_samples``.
    random_state : int or None, default=0
        Seed of the sampler and the coefficient draws.

    Attributes
    ----------
    channels_, controls_ : tuple of str
    draws_ : CurveDraws
        Posterior draws of coef (EUR per week at saturation), decay, half-saturation
        (adstocked EUR per week) and shape, each of shape (n_draws, n_channels).
    decay_, half_saturation_, shape_, coef_ : ndarray of shape (n_channels,)
        Posterior medians, for display.
    base_level_draws_ : ndarray of shape (n_draws,)
        Mean weekly baseline over the last ``current_weeks_`` weeks, per draw (EUR).
    base_level_ : float
        Its mean.
    metrics_ : dict
        ``{"train": {...}, "holdout": {...}}`` with r2, mape, nrmse and weeks.
    decomposition_ : pandas.DataFrame
        Per week: revenue, predicted, baseline, controls and one column per channel (EUR).
    channel_summary_ : pandas.DataFrame
        Per channel: spend, contribution, roas with its 90% band, current weekly spend,
        mroas with its band, the curve medians, ``band_width`` ((high - low) / roas),
        ``paused_weeks`` and ``always_on``, ``well_measured`` and ``test_value`` (EUR a
        year the ROAS band spans at current spend: the channel a lift test would help most
        has the largest); with lift tests also ``roas_without_tests`` and its band.
    experiments_ : pandas.DataFrame
        Every lift test given, with ``used`` and ``reason``.
    convergence_ : dict
        ``rhat`` per channel (split-R-hat of the channel's total effect; below 1.1 is fine) and
        ``acceptance``.
    current_spend_ : ndarray of shape (n_channels,)
        Mean weekly spend over the last ``current_weeks_`` weeks (EUR).
    current_weeks_ : int
        Weeks actually averaged: ``min(current_weeks, n_weeks)``.
    """

    _parameter_constraints = {
        "fourier_order": [Interval(int, 0, None)],
        "events": [BOOLEAN],
        "growing_season": [BOOLEAN],
        "holdout_weeks": [Interval(int, 0, None)],
        "current_weeks": [Interval(int, 1, None)],
        "prior": [CurvePrior, None],
        "n_chains": [Interval(int, 2, None)],
        "n_warmup": [Interval(int, 0, None)],
        "n_samples": [Interval(int, 2, None)],
        "thin": [Interval(int, 1, None)],
        "random_state": [Interval(int, 0, None), None],
    }

    def __init__(
        self,
        *,
        fourier_order: int = 2,
        events: bool = True,
        growing_season: bool = False,
        holdout_weeks: int = 12,
        current_weeks: int = 52,
        prior: CurvePrior | None = None,
        n_chains: int = 16,
        n_warmup: int = 300,
        n_samples: int = 400,
        thin: int = 8,
        random_state: int | None = 0,
    ) -> None:
        self.fourier_order = fourier_order
        self.events = events
        self.growing_season = growing_season
        self.holdout_weeks = holdout_weeks
        self.current_weeks = current_weeks
        self.prior = prior
        self.n_chains = n_chains
        self.n_warmup = n_warmup
        self.n_samples = n_samples
        self.thin = thin
        self.random_state = random_state

    # ---- fitting ---------------------------------------------------------------------------
    def fit(self, data: WeeklyData, experiments: pd.DataFrame | None = None) -> MediaMixModel:
        """Sample the posterior, score a holdout, calibrate to lift tests.

        Parameters
        ----------
        data : WeeklyData
            Validated weekly table (see :mod:`core.mmm.weekly`).
        experiments : DataFrame, optional
            Lift tests (see :mod:`core.mmm.experiments`); tests on channels or weeks the
            data do not have are listed in ``experiments_`` as not used.

        Returns
        -------
        self
        """
        self._validate_params()
        if self.n_samples < 2 * self.thin:
            raise InvalidParameterError(f"n_samples ({self.n_samples}) must be at least twice thin ({self.thin}).")
        tests = check_experiments(experiments)
        rng = np.random.default_rng(self.random_state)
        n = len(data)
        holdout = min(int(self.holdout_weeks), n // 5)  # short histories keep four fifths to learn from
        n_train = n - holdout
        y, spend = data.revenue, data.spend
        self.channels_, self.controls_ = data.channels, data.controls
        self.weeks_ = data.weeks
        self.y_scale_ = float(y[:n_train].mean()) or 1.0
        ys = y / self.y_scale_
        mean_spend = spend.mean(axis=0)
        self.spend_scale_ = np.where(mean_spend > 0, mean_spend, 1.0)
        lags = [lag_matrix(col) for col in (spend / self.spend_scale_).T]
        ctrl = data.control_values
        self.control_mean_ = ctrl[:n_train].mean(axis=0) if ctrl.size else np.zeros(0)
        std = ctrl[:n_train].std(axis=0) if ctrl.size else np.zeros(0)
        self.control_std_ = np.where(std > 0, std, 1.0)
        base, self.base_names_ = self._design(data.weeks, ctrl)
        prior = self.prior or CurvePrior()
        n_ch = len(self.channels_)

        # 1. A first fit on the earlier weeks only: honest accuracy on the final weeks, and the
        #    noise level that turns a lift test's standard error into a weight.
        roas_scale = self.y_scale_ / np.where(spend.sum(axis=0) > 0, spend.sum(axis=0), np.inf)
        train_scale = self.y_scale_ / np.where(spend[:n_train].sum(axis=0) > 0, spend[:n_train].sum(axis=0), np.inf)
        train = LinearPart(base[:n_train], ys[:n_train], n_ch, prior, roas_scale=train_scale)
        pilot = self._sample(train, [lag[:, :n_train] for lag in lags], rng, short=True)
        p_base, p_beta, p_sigma = train.draw_coefficients(pilot.media, rng)
        full = pilot.media_on(lags, prior)  # every week, the holdout included
        predicted = ((base @ p_base.T).T + np.einsum("wtc,wc->wt", full, p_beta)).mean(axis=0) * self.y_scale_
        self.noise_sd_ = float(np.median(p_sigma)) * self.y_scale_
        resid = ys[:n_train] - predicted[:n_train] / self.y_scale_
        # Positive autocorrelation only: treating it as negative would narrow the bands.
        self.noise_rho_ = float(np.clip(np.corrcoef(resid[1:], resid[:-1])[0, 1], 0.0, 0.8)) if n_train > 8 else 0.0

        # 2. The posterior on every week; 3. the same, calibrated to the lift tests.
        linear = LinearPart(base, ys, n_ch, prior, roas_scale=roas_scale, rho=self.noise_rho_)
        samples = self._sample(linear, lags, rng)
        cal, self.experiments_ = calibration(tests, weeks=data.weeks, channels=self.channels_, y_scale=self.y_scale_,
                                             noise_sd=self.noise_sd_ / self.y_scale_)
        without = None
        if len(cal):
            without = self._roas_draws(linear, samples, spend, rng)
            linear = LinearPart(base, ys, n_ch, prior, calibration=cal, roas_scale=roas_scale, rho=self.noise_rho_)
            start = (samples.theta[-self.n_chains :], samples.family[-self.n_chains :])
            samples = self._sample(linear, lags, rng, start=start)
        base_coef, beta, _ = linear.draw_coefficients(samples.media, rng)
        rhat = split_rhat((samples.media.sum(axis=1) * beta).reshape(-1, samples.n_chains, n_ch))
        self.convergence_ = {
            "rhat": dict(zip(self.channels_, rhat.round(3).tolist(), strict=True)),
            "acceptance": dict(zip(self.channels_, samples.acceptance.round(3).tolist(), strict=True)),
        }
        decay, _, shape = prior.to_curves(samples.theta)
        self.draws_ = CurveDraws(beta * self.y_scale_, decay, samples.half * self.spend_scale_, shape, samples.family)
        self.base_coef_draws_ = base_coef * self.y_scale_
        self.decay_, self.shape_ = np.median(decay, axis=0), np.median(shape, axis=0)
        self.half_saturation_ = np.median(self.draws_.half_saturation, axis=0)
        self.coef_ = np.median(self.draws_.coef, axis=0)

        contrib = samples.media * beta[:, None, :] * self.y_scale_  # (draws, weeks, channels)
        fitted = (base @ self.base_coef_draws_.T).T.mean(axis=0) + contrib.sum(axis=2).mean(axis=0)
        self.metrics_ = {"train": fit_metrics(y, fitted),
                         "holdout": fit_metrics(y[n_train:], predicted[n_train:]) if holdout else {}}
        recent = slice(max(0, n - self.current_weeks), n)
        self.current_weeks_ = recent.stop - recent.start  # fewer than current_weeks on a short history
        self.current_spend_ = spend[recent].mean(axis=0)
        self.base_level_draws_ = (base[recent] @ self.base_coef_draws_.T).mean(axis=0)
        self.base_level_ = float(self.base_level_draws_.mean())
        self.recent_controls_ = (ctrl[recent].mean(axis=0) if ctrl.size else np.zeros(0))
        # Adstock each draw carries out of the last week (EUR): the start of any future plan.
        self.last_adstock_ = np.stack([adstock(lags[j][:, -1:], decay[:, j])[:, 0] for j in range(n_ch)], axis=-1) * self.spend_scale_
        own = base.shape[1] - len(self.controls_)
        self.decomposition_ = decompose(data, base, own, self.base_coef_draws_.mean(axis=0), contrib.mean(axis=0), fitted)
        self.channel_summary_ = channel_summary(self, spend, contrib.sum(axis=1), without)
        return self

    def _sample(self, linear: LinearPart, lags: list[np.ndarray], rng: np.random.Generator, *, short: bool = False,
                start: tuple[np.ndarray, np.ndarray] | None = None) -> CurveSamples:
        # The pilot and a warm-started calibrated run need less warm-up than a cold start.
        warm = self.n_warmup // 2 if short or start is not None else self.n_warmup
        keep = self.n_samples // 2 if short else self.n_samples
        chains = max(2, self.n_chains // 2) if short else self.n_chains
        return sample_curves(linear, lags, n_chains=chains, n_warmup=warm, n_keep=keep, thin=self.thin, rng=rng,
                             start=start)

    def _roas_draws(self, linear: LinearPart, samples: CurveSamples, spend: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        _, beta, _ = linear.draw_coefficients(samples.media, rng)
        return samples.media.sum(axis=1) * beta * self.y_scale_ / _safe(spend.sum(axis=0))

    def _design(self, weeks: pd.DatetimeIndex, controls: np.ndarray) -> tuple[np.ndarray, list[str]]:
        scaled = (controls - self.control_mean_) / self.control_std_ if controls.size else None
        design, names = baseline_design(weeks, origin=self.weeks_[0], fourier_order=self.fourier_order,
                                        events=self.events, growing_season=self.growing_season, controls=scaled)
        return design, names + list(self.controls_)

    # ---- steady-state response (what a weekly budget held for a while returns) ----------
    def spend_vector(self, spend: Mapping[str, float] | Sequence[float] | np.ndarray) -> np.ndarray:
        """Weekly spend per channel as an array in ``channels_`` order (missing channels: current spend)."""
        check_is_fitted(self, "coef_")
        if isinstance(spend, Mapping):
            unknown = sorted(set(spend) - set(self.channels_))
            if unknown:
                channels = ", ".join(self.channels_)
                raise OmnimixError(f"Unknown channel {unknown[0]!r}; the model's channels are: {channels}.")
            x = np.array([float(spend.get(c, cur)) for c, cur in zip(self.channels_, self.current_spend_, strict=True)])
        else:
            x = np.asarray(spend, dtype=float)
            if x.shape[-1] != len(self.channels_):
                raise OmnimixError(f"Expected {len(self.channels_)} spend values, got {x.shape[-1]}.")
        if np.any(x < 0) or not np.all(np.isfinite(x)):
            raise OmnimixError("Weekly spend must be a finite amount of at least 0 EUR for every channel.")
        return x

    def weekly_response(self, spend: np.ndarray) -> np.ndarray:
        """Revenue per week each channel drives at a constant weekly ``spend`` (..., n_channels).

        The posterior mean over the draws; a constant spend settles at an adstock of
        ``spend / (1 - decay)``, and absurd amounts stay at full saturation instead of NaN.
        """
        return self.draws_.settled(spend).mean(axis=-2)

    def revenue_draws(self, spend: np.ndarray) -> np.ndarray:
        """Weekly media revenue summed over channels, per posterior draw: shape (..., n_draws)."""
        return self.draws_.settled(spend).sum(axis=-1)

    def marginal_roas(self, spend: np.ndarray) -> np.ndarray:
        """Extra revenue per extra EUR of weekly spend, per channel, at a constant weekly ``spend``."""
        return self.draws_.marginal(spend).mean(axis=-2)

    def predict_budget(
        self, spend: Mapping[str, float] | Sequence[float] | np.ndarray, *, weeks: int = 1
    ) -> BudgetPrediction:
        """Predicted revenue of holding a weekly budget for ``weeks`` weeks, with a 90% band.

        The band covers the model's uncertainty about the expected revenue (curves, baseline,
        coefficients), not the week-to-week noise around it.  Assumes the budget has run long enough for carry-over to settle and a typical recent
        week's baseline (the mean of the last ``current_weeks`` weeks).

        Parameters
        ----------
        spend : mapping channel -> EUR per week, or array of shape (n_channels,)
        weeks : int, default=1
            Length of the planning period; revenue and band scale with it.
        """
        x = self.spend_vector(spend)
        if weeks < 1:
            raise OmnimixError(f"The planning period must be at least 1 week (got {weeks}).")
        media = self.weekly_response(x)
        draws = self.base_level_draws_ + self.revenue_draws(x)
        lo, hi = np.percentile(draws, BAND)
        return BudgetPrediction(
            revenue=float(self.base_level_ + media.sum()) * weeks,
            low=float(lo) * weeks,
            high=float(hi) * weeks,
            baseline=self.base_level_ * weeks,
            media={c: float(v) * weeks for c, v in zip(self.channels_, media, strict=True)},
            spend={c: float(v) * weeks for c, v in zip(self.channels_, x, strict=True)},
            weeks=int(weeks),
        )

    def response_curves(
        self,
        *,
        points: int = 60,
        max_multiple: float = MAX_SPEND_MULTIPLE,
        max_spend: Mapping[str, float] | None = None,
    ) -> pd.DataFrame:
        """Weekly revenue per channel over a grid of weekly spend.

        Parameters
        ----------
        points : int, default=60
            Grid points per channel, from 0 EUR.
        max_multiple : float, default=MAX_SPEND_MULTIPLE
            The grid ends at this multiple of the current weekly spend (at least 1 EUR)...
        max_spend : mapping channel -> EUR per week, optional
            ...or at these amounts (e.g. the sliders' maxima); channels left out use ``max_multiple``.

        Returns
        -------
        pandas.DataFrame
            Columns channel, spend, revenue (posterior mean) with its 90% band revenue_low and
            revenue_high, roas, mroas (EUR per week), ``points`` rows per channel.
        """
        check_is_fitted(self, "coef_")
        top = np.maximum(self.current_spend_, 1.0) * max_multiple
        if max_spend is not None:
            top = np.array([float(max_spend.get(c, t)) for c, t in zip(self.channels_, top, strict=True)])
        grid = np.linspace(0, 1, points)[:, None] * top
        draws = self.draws_.settled(grid)  # (points, draws, channels)
        rev = draws.mean(axis=1)
        low, high = np.percentile(draws, BAND, axis=1)
        mroas = self.marginal_roas(grid)
        with np.errstate(invalid="ignore", divide="ignore"):
            roas = np.where(grid > 0, rev / grid, np.nan)
        return pd.DataFrame(
            {
                "channel": np.tile(np.array(self.channels_, dtype=object), points),
                "spend": grid.ravel(),
                "revenue": rev.ravel(),
                "revenue_low": low.ravel(),
                "revenue_high": high.ravel(),
                "roas": roas.ravel(),
                "mroas": mroas.ravel(),
            }
        )


def _safe(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, np.nan)
