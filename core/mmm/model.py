"""The marketing-mix model: adstock + Hill per channel, non-negative ridge, trend and seasonality.

``revenue[t] = baseline[t] + sum_c beta_c * hill(adstock(spend_c)[t]; K_c, s_c) + noise``

The baseline is an intercept, a linear trend, yearly Fourier terms, retail events and the
user's controls.  Per-channel hyper-parameters (decay, K, s) come from a seeded search on
time-ordered validation (:mod:`core.mmm.search`); the coefficients from a closed-form ridge
with ``beta >= 0`` (:mod:`core.mmm.ridge`).  A moving-block bootstrap over weeks refits the
coefficients to give uncertainty bands (hyper-parameters held fixed, so bands are a lower
bound on the true uncertainty).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.db import OmnimixError
from core.mmm.baseline import baseline_design
from core.mmm.metrics import fit_metrics
from core.mmm.ridge import fit_nonneg_ridge
from core.mmm.saturation import hill
from core.mmm.search import SearchSpace, blocked_folds, media_feature, search_hyperparameters, time_folds
from core.mmm.weekly import WEEK, WeeklyData

ALPHAS = (0.03, 0.3)
"""Ridge penalties tried when ``alpha`` is not given."""
BAND = (5.0, 95.0)
"""Percentiles of the bootstrap shown as the uncertainty band (a 90% interval)."""
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


class MediaMixModel:
    """Marketing-mix regression with a seeded, time-ordered hyper-parameter search.

    Parameters
    ----------
    fourier_order : int, default=2
        Yearly sine/cosine pairs in the baseline.
    events : bool, default=True
        Add Black Friday/Cyber week, Christmas run-up and January sales indicators.
    growing_season : bool, default=False
        Let seasonal swings and event peaks grow with the trend (multiplicative seasonality).
    alpha : float, optional
        Ridge penalty on the scaled problem (revenue divided by its mean); by default the
        one of :data:`ALPHAS` with the lowest validation error.
    holdout_weeks : int, default=12
        Final weeks kept out of the search and the first fit, to report honest accuracy
        (at most a fifth of the weeks).
    cv : {"blocked", "forward"}, default="blocked"
        Validation of the hyper-parameters on the other weeks: ``"blocked"`` scores each of
        ``n_folds`` contiguous time blocks with a fit on the rest (every week validated once);
        ``"forward"`` scores the last ``n_folds`` blocks with fits on the weeks before each.
        Weeks are never shuffled.
    n_folds : int, default=6
        Number of validation blocks.
    search_rounds, search_candidates : int, default=4, 60
        Coarse-to-fine rounds and candidates per channel and round.
    n_bootstrap : int, default=200
        Block-bootstrap replicates for the bands.
    block_weeks : int, default=8
        Length of the resampled blocks (keeps neighbouring weeks together).
    current_weeks : int, default=52
        The "current" budget and baseline are averages over the last this many weeks.
    space : SearchSpace, optional
        Allowed hyper-parameter ranges.
    random_state : int, default=0
        Seed of the search and the bootstrap.

    Attributes
    ----------
    channels_, controls_ : tuple of str
    decay_, half_saturation_, shape_ : ndarray of shape (n_channels,)
        Adstock decay, Hill half-saturation (adstocked EUR per week) and Hill shape.
    alpha_ : float
        Ridge penalty used.
    coef_ : ndarray of shape (n_channels,)
        Revenue per week at full saturation (EUR), >= 0.
    metrics_ : dict
        ``{"train": {...}, "holdout": {...}}`` with r2, mape, nrmse and weeks.
    decomposition_ : pandas.DataFrame
        Per week: revenue, predicted, baseline, controls and one column per channel (EUR).
    channel_summary_ : pandas.DataFrame
        Per channel: spend, contribution, roas (+ band), current weekly spend, mroas (+ band)
        and the hyper-parameters.
    current_spend_ : ndarray of shape (n_channels,)
        Mean weekly spend over the last ``current_weeks_`` weeks (EUR).
    current_weeks_ : int
        Weeks actually averaged for the current spend and baseline: ``min(current_weeks, n_weeks)``.
    """

    def __init__(
        self,
        *,
        fourier_order: int = 2,
        events: bool = True,
        growing_season: bool = False,
        alpha: float | None = None,
        holdout_weeks: int = 12,
        cv: str = "blocked",
        n_folds: int = 6,
        search_rounds: int = 4,
        search_candidates: int = 60,
        n_bootstrap: int = 200,
        block_weeks: int = 8,
        current_weeks: int = 52,
        space: SearchSpace | None = None,
        random_state: int = 0,
    ) -> None:
        self.fourier_order = fourier_order
        self.events = events
        self.growing_season = growing_season
        self.alpha = alpha
        self.holdout_weeks = holdout_weeks
        self.cv = cv
        self.n_folds = n_folds
        self.search_rounds = search_rounds
        self.search_candidates = search_candidates
        self.n_bootstrap = n_bootstrap
        self.block_weeks = block_weeks
        self.current_weeks = current_weeks
        self.space = space
        self.random_state = random_state

    # ---- fitting ---------------------------------------------------------------------------
    def fit(self, data: WeeklyData) -> MediaMixModel:
        """Search hyper-parameters, fit, score the holdout, refit on all weeks, bootstrap.

        Parameters
        ----------
        data : WeeklyData
            Validated weekly table (see :mod:`core.mmm.weekly`).

        Returns
        -------
        self
        """
        rng = np.random.default_rng(self.random_state)
        n = len(data)
        if self.holdout_weeks < 0:
            raise OmnimixError(f"holdout_weeks must be at least 0 (got {self.holdout_weeks}).")
        holdout = min(int(self.holdout_weeks), n // 5)  # short histories keep four fifths to learn from
        n_train = n - holdout
        y, spend = data.revenue, data.spend
        self.channels_, self.controls_ = data.channels, data.controls
        self.weeks_ = data.weeks
        self.y_scale_ = float(y[:n_train].mean()) or 1.0
        ys = y / self.y_scale_
        ctrl = data.control_values
        self.control_mean_ = ctrl[:n_train].mean(axis=0) if ctrl.size else np.zeros(0)
        self.control_std_ = ctrl[:n_train].std(axis=0) if ctrl.size else np.zeros(0)
        self.control_std_ = np.where(self.control_std_ > 0, self.control_std_, 1.0)
        base, self.base_names_ = self._design(data.weeks, ctrl)

        if self.cv == "blocked":
            folds = blocked_folds(n_train, self.n_folds)
        elif self.cv == "forward":
            folds = time_folds(n_train, self.n_folds, max(8, n_train // (2 * self.n_folds)))
        else:
            raise OmnimixError(f"Unknown cv {self.cv!r}; choose 'blocked' or 'forward'.")
        # Ridge shrinks media towards zero (ROAS too low) while too little penalty lets noisy
        # channels swing: the penalty is picked on the same time-ordered validation.
        self.alpha_, params, self.search_score_ = None, None, np.inf
        for alpha in ALPHAS if self.alpha is None else (self.alpha,):
            found, score = search_hyperparameters(
                spend, ys, base, folds, alpha=alpha, space=self.space or SearchSpace(),
                rounds=self.search_rounds, candidates=self.search_candidates, rng=np.random.default_rng(rng.integers(2**32)),
            )  # fmt: skip
            if score < self.search_score_:
                self.alpha_, params, self.search_score_ = alpha, found, score
        self.decay_ = params[:, 0]
        self.shape_ = params[:, 2]
        feats = [media_feature(spend[:, j], *params[j]) for j in range(len(self.channels_))]
        media = np.column_stack([f for f, _ in feats])
        self.half_saturation_ = np.array([k for _, k in feats])

        # Honest accuracy: coefficients from the earlier weeks only, scored on the final weeks.
        b_tr, m_tr = fit_nonneg_ridge(base[:n_train], media[:n_train], ys[:n_train], self.alpha_)
        pred_first = (base @ b_tr + media @ m_tr) * self.y_scale_
        base_coef, media_coef = fit_nonneg_ridge(base, media, ys, self.alpha_)
        self.base_coef_ = base_coef * self.y_scale_
        self.coef_ = media_coef * self.y_scale_
        fitted = base @ self.base_coef_ + media @ self.coef_
        self.metrics_ = {
            "train": fit_metrics(y, fitted),
            "holdout": fit_metrics(y[n_train:], pred_first[n_train:]) if holdout else {},
        }
        self._bootstrap(base, media, ys, rng)
        recent = slice(max(0, n - self.current_weeks), n)
        self.current_weeks_ = recent.stop - recent.start  # fewer than current_weeks on a short history
        self.current_spend_ = spend[recent].mean(axis=0)
        self.base_level_ = float((base[recent] @ self.base_coef_).mean())
        self.base_level_boot_ = (base[recent] @ self.base_coef_boot_.T).mean(axis=0)
        self.decomposition_ = self._decompose(data, base, media, fitted)
        self.channel_summary_ = self._summarise(spend, media)
        return self

    def _design(self, weeks: pd.DatetimeIndex, controls: np.ndarray) -> tuple[np.ndarray, list[str]]:
        scaled = (controls - self.control_mean_) / self.control_std_ if controls.size else None
        design, names = baseline_design(
            weeks, origin=self.weeks_[0], fourier_order=self.fourier_order, events=self.events,
            growing_season=self.growing_season, controls=scaled,
        )  # fmt: skip
        return design, names + list(self.controls_)

    def _bootstrap(self, base: np.ndarray, media: np.ndarray, ys: np.ndarray, rng: np.random.Generator) -> None:
        """Moving-block bootstrap over weeks: residual autocorrelation survives inside blocks."""
        n, block = len(ys), max(1, min(self.block_weeks, len(ys) // 4))
        n_blocks = -(-n // block)
        base_boot, coef_boot = [], []
        for _ in range(self.n_bootstrap):
            starts = rng.integers(0, n - block + 1, n_blocks)
            idx = (starts[:, None] + np.arange(block)).ravel()[:n]
            b, m = fit_nonneg_ridge(base[idx], media[idx], ys[idx], self.alpha_)
            base_boot.append(b)
            coef_boot.append(m)
        self.base_coef_boot_ = np.array(base_boot).reshape(-1, base.shape[1]) * self.y_scale_
        self.coef_boot_ = np.array(coef_boot).reshape(-1, media.shape[1]) * self.y_scale_

    def _decompose(self, data: WeeklyData, base: np.ndarray, media: np.ndarray, fitted: np.ndarray) -> pd.DataFrame:
        n_ctrl = len(self.controls_)
        own = base.shape[1] - n_ctrl
        out = pd.DataFrame({WEEK: data.weeks, "revenue": data.revenue, "predicted": fitted})
        out["baseline"] = base[:, :own] @ self.base_coef_[:own]
        out["controls"] = base[:, own:] @ self.base_coef_[own:] if n_ctrl else 0.0
        for j, c in enumerate(self.channels_):
            out[c] = media[:, j] * self.coef_[j]
        return out

    def _summarise(self, spend: np.ndarray, media: np.ndarray) -> pd.DataFrame:
        total_spend = spend.sum(axis=0)
        contrib = media.sum(axis=0) * self.coef_
        contrib_boot = media.sum(axis=0) * self.coef_boot_
        safe = np.where(total_spend > 0, total_spend, np.nan)
        roas_boot = contrib_boot / safe
        mroas = self.marginal_roas(self.current_spend_)
        mroas_boot = self._marginal(self.current_spend_, self.coef_boot_)
        lo, hi = BAND
        return pd.DataFrame(
            {
                "channel": list(self.channels_),
                "spend": total_spend,
                "contribution": contrib,
                "revenue_share": contrib / max(float(self.decomposition_["revenue"].sum()), 1e-9),
                "roas": contrib / safe,
                "roas_low": np.percentile(roas_boot, lo, axis=0),
                "roas_high": np.percentile(roas_boot, hi, axis=0),
                "current_weekly_spend": self.current_spend_,
                "mroas": mroas,
                "mroas_low": np.percentile(mroas_boot, lo, axis=0),
                "mroas_high": np.percentile(mroas_boot, hi, axis=0),
                "decay": self.decay_,
                "half_saturation": self.half_saturation_,
                "shape": self.shape_,
                "coef": self.coef_,
            }
        )

    # ---- steady-state response (what a weekly budget held for a while returns) ----------
    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise OmnimixError("The budget model is not fitted yet; call fit first.")

    def spend_vector(self, spend: Mapping[str, float] | Sequence[float] | np.ndarray) -> np.ndarray:
        """Weekly spend per channel as an array in ``channels_`` order (missing channels: current spend)."""
        self._check_fitted()
        if isinstance(spend, Mapping):
            unknown = sorted(set(spend) - set(self.channels_))
            if unknown:
                raise OmnimixError(
                    f"Unknown channel {unknown[0]!r}; the model's channels are: {', '.join(self.channels_)}."
                )
            x = np.array([float(spend.get(c, cur)) for c, cur in zip(self.channels_, self.current_spend_, strict=True)])
        else:
            x = np.asarray(spend, dtype=float)
            if x.shape[-1] != len(self.channels_):
                raise OmnimixError(f"Expected {len(self.channels_)} spend values, got {x.shape[-1]}.")
        if np.any(x < 0) or not np.all(np.isfinite(x)):
            raise OmnimixError("Weekly spend must be a finite amount of at least 0 EUR for every channel.")
        return x

    def _saturation(self, x: np.ndarray) -> np.ndarray:
        # A constant weekly spend x settles at an adstock of x / (1 - decay).
        return (x / (1 - self.decay_)) / self.half_saturation_

    def weekly_response(self, spend: np.ndarray, coef: np.ndarray | None = None) -> np.ndarray:
        """Revenue per week each channel drives at a constant weekly ``spend`` (..., n_channels)."""
        # A constant weekly spend settles at an adstock of spend / (1 - decay); hill() also keeps
        # absurd amounts at full saturation instead of inf / inf = NaN.
        settled = np.asarray(spend, float) / (1 - self.decay_)
        return (self.coef_ if coef is None else coef) * hill(settled, self.half_saturation_, self.shape_)

    def _marginal(self, spend: np.ndarray, coef: np.ndarray) -> np.ndarray:
        u = np.maximum(self._saturation(np.asarray(spend, float)), 1e-9)
        r = np.power(u, self.shape_)
        du_dx = 1 / ((1 - self.decay_) * self.half_saturation_)
        return coef * self.shape_ * r / (u * (1 + r) ** 2) * du_dx

    def marginal_roas(self, spend: np.ndarray) -> np.ndarray:
        """Extra revenue per extra EUR of weekly spend, per channel, at a constant weekly ``spend``."""
        return self._marginal(spend, self.coef_)

    def predict_budget(
        self, spend: Mapping[str, float] | Sequence[float] | np.ndarray, *, weeks: int = 1
    ) -> BudgetPrediction:
        """Predicted revenue of holding a weekly budget for ``weeks`` weeks, with a 90% band.

        Assumes the budget has run long enough for carry-over to settle and a typical recent
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
        boot = self.base_level_boot_ + self.weekly_response(x, self.coef_boot_).sum(axis=1)
        lo, hi = np.percentile(boot, BAND)
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
            Columns channel, spend, revenue, roas, mroas (EUR per week), ``points`` rows per channel.
        """
        self._check_fitted()
        top = np.maximum(self.current_spend_, 1.0) * max_multiple
        if max_spend is not None:
            top = np.array([float(max_spend.get(c, t)) for c, t in zip(self.channels_, top, strict=True)])
        grid = np.linspace(0, 1, points)[:, None] * top
        rev = self.weekly_response(grid)
        mroas = self.marginal_roas(grid)
        with np.errstate(invalid="ignore", divide="ignore"):
            roas = np.where(grid > 0, rev / grid, np.nan)
        return pd.DataFrame(
            {
                "channel": np.tile(np.array(self.channels_, dtype=object), points),
                "spend": grid.ravel(),
                "revenue": rev.ravel(),
                "roas": roas.ravel(),
                "mroas": mroas.ravel(),
            }
        )
