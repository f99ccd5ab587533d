"""Posterior over the media curves with the linear part integrated out.

For fixed curves (adstock decay, half-saturation, Hill shape per channel) the model is a
linear regression: ``y = B b + M(theta) beta + noise``.  With a weak Gaussian prior on the
coefficients and the noise variance integrated out (Normal-inverse-gamma), its evidence
``p(y | theta)`` has a closed form, so the curves can be sampled by Markov-chain Monte Carlo
on a cheap target while the coefficients are drawn exactly given each sampled curve.  That
puts the uncertainty of the curves *and* of the baseline into every band, which holding
the curves fixed (a bootstrap of the coefficients only) does not: measured in issue 11, such
"90%" bands held the true ROAS in about half the cases.

The baseline columns are eliminated once (Schur complement), so each evaluation is a few
``n_channels x n_channels`` solves, vectorised over all chains.  Lift tests enter as extra
observations of a channel's summed contribution over their weeks (see
:mod:`core.mmm.experiments`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import log_ndtr

from core.mmm.prior import CurvePrior
from core.mmm.saturation import saturate

HALF_WAY_SHIFT = -float(np.log(np.arctanh(0.5)))
"""log K moves by this / shape when a curve switches from Hill to exponential saturation."""
MAX_LAG = 52
"""Weeks of carry-over the adstock keeps (decay 0.9 keeps 0.4% after a year)."""


def lag_matrix(x: np.ndarray, max_lag: int = MAX_LAG) -> np.ndarray:
    """``out[l, t] = x[t - l]`` (0 before the first week), shape (max_lag, n_weeks)."""
    n = len(x)
    out = np.zeros((max_lag, n))
    for lag in range(min(max_lag, n)):
        out[lag, lag:] = x[: n - lag]
    return out


def adstock(lags: np.ndarray, decay: np.ndarray) -> np.ndarray:
    """Geometric adstock of one channel for a batch of decays: (n_curves, n_weeks)."""
    return (decay[:, None] ** np.arange(lags.shape[0])[None, :]) @ lags


def media_columns(
    lags: np.ndarray, decay: np.ndarray, ratio: np.ndarray, shape: np.ndarray, family: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Saturation(adstock(spend)) for a batch of curves of one channel.

    Parameters
    ----------
    lags : ndarray of shape (max_lag, n_weeks)
        :func:`lag_matrix` of the channel's (scaled) spend.
    decay, ratio, shape : ndarray of shape (n_curves,)
    family : ndarray of shape (n_curves,), optional
        0 = Hill (default), 1 = exponential saturation (:func:`~core.mmm.saturation.saturate`).

    Returns
    -------
    columns : ndarray of shape (n_curves, n_weeks), in [0, 1)
    half_saturation : ndarray of shape (n_curves,)
        In the units of the spend given (``ratio`` x mean adstocked spend).
    """
    carried = adstock(lags, decay)
    half = ratio * np.maximum(carried.mean(axis=1), 1e-12)
    family = np.zeros(len(decay), int) if family is None else family
    return saturate(carried, half[:, None], shape[:, None], family[:, None]), half


@dataclass
class Calibration:
    """Lift tests as extra observations: ``target[e] ~ N(sum(M[weeks[e], channel[e]]) beta, (sigma/weight[e])^2)``."""

    channel: np.ndarray  # (n_exp,) channel index
    weeks: np.ndarray  # (n_exp, n_weeks) bool
    target: np.ndarray  # (n_exp,) in units of the scaled revenue
    weight: np.ndarray  # (n_exp,) noise sd / the test's standard error

    @classmethod
    def empty(cls, n_weeks: int) -> Calibration:
        return cls(np.zeros(0, int), np.zeros((0, n_weeks), bool), np.zeros(0), np.zeros(0))

    def __len__(self) -> int:
        return len(self.channel)


@dataclass
class LinearPart:
    """Closed-form algebra of ``y = B b + M beta`` for a fixed baseline design ``B``.

    Parameters
    ----------
    base : ndarray of shape (n_weeks, n_base)
        Baseline design, intercept first (unpenalised).
    y : ndarray of shape (n_weeks,)
        Target scaled to mean about one.
    n_channels : int
    prior : CurvePrior
    calibration : Calibration, optional
    roas_scale : ndarray of shape (n_channels,), optional
        ``y_scale / total spend`` per channel: turns a coefficient times the summed media
        column into ROAS, for the ROAS prior (no ROAS prior without it).
    rho : float, default=0
        Lag-one autocorrelation of the noise.  Weeks are whitened with the Prais-Winsten
        transform, so a run of similar misses counts as less evidence than independent
        weeks would (bands stay honest when the baseline misses a slow movement).
    """

    base: np.ndarray
    y: np.ndarray
    n_channels: int
    prior: CurvePrior
    calibration: Calibration | None = None
    roas_scale: np.ndarray | None = None
    rho: float = 0.0
    a0: float = 1.0
    b0: float = 1e-4
    h: np.ndarray = field(init=False)
    projector: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n, nb = self.base.shape
        # Conjugate prior beta ~ N(0, sigma^2 / lam): its sd is coef_sd noise sds.
        self.lam = 1.0 / self.prior.coef_sd**2
        pen = np.full(nb, self.lam)
        pen[0] = 1e-8
        base, y = self.whiten(self.base[None])[0], self.whiten(self.y[None, :, None])[0, :, 0]
        self.gram_base = base.T @ base + np.diag(pen)
        self.h = np.linalg.solve(self.gram_base, base.T)
        residual_maker = np.eye(n) - base @ self.h
        self.projector = residual_maker if self.rho == 0 else residual_maker @ self.whiten(np.eye(n)[None])[0]
        self.y_white = y
        self.y_res = y - base @ (self.h @ y)
        self.s0 = float(y @ y - (base.T @ y) @ (self.h @ y))
        cal = self.calibration or Calibration.empty(n)
        self.calibration = cal
        self.n_obs = n + len(cal)
        self.s0 += float(np.sum((cal.weight * cal.target) ** 2))

    def whiten(self, x: np.ndarray) -> np.ndarray:
        """Prais-Winsten transform along axis 1 of ``x`` (w, n_weeks, k): AR(1) noise becomes white."""
        if self.rho == 0:
            return x
        out = x.copy()
        out[:, 1:] -= self.rho * x[:, :-1]
        out[:, 0] *= np.sqrt(1 - self.rho**2)
        return out

    def stats(self, m: np.ndarray, pm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Media gram ``(WM)'PWM + lam I`` (+ lift tests) and ``(WM)'P W y`` for curves (w, n, c)."""
        wm = self.whiten(m)
        gram = np.matmul(wm.transpose(0, 2, 1), pm) + self.lam * np.eye(self.n_channels)
        rhs = np.einsum("wtc,t->wc", wm, self.y_res)
        cal = self.calibration
        if len(cal):
            sums = np.einsum("wte,et->we", m[:, :, cal.channel], cal.weeks.astype(float))  # (w, n_exp)
            w2 = cal.weight**2
            for e, j in enumerate(cal.channel):
                gram[:, j, j] += w2[e] * sums[:, e] ** 2
                rhs[:, j] += w2[e] * sums[:, e] * cal.target[e]
        return gram, rhs

    def log_evidence(self, m: np.ndarray, pm: np.ndarray) -> np.ndarray:
        """Log p(y | curves) up to a constant, times P(media coefficients >= 0 | y, curves)."""
        gram, rhs = self.stats(m, pm)
        chol = np.linalg.cholesky(gram)
        z = np.linalg.solve(chol, rhs[..., None])[..., 0]
        resid = np.maximum(self.s0 - (z * z).sum(axis=1), 1e-12)
        logdet = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        shape_n = self.a0 + self.n_obs / 2
        ll = -0.5 * logdet - shape_n * np.log(self.b0 + resid / 2)
        # Media effects cannot be negative: weigh each curve by the posterior mass of beta >= 0
        # (product of the marginals, a cheap stand-in for the orthant probability).
        inv = np.linalg.inv(gram)
        mean = np.einsum("wcd,wd->wc", inv, rhs)
        scale = (self.b0 + resid / 2) / shape_n
        sd = np.sqrt(np.diagonal(inv, axis1=1, axis2=2) * scale[:, None])
        ll = ll + log_ndtr(mean / sd).sum(axis=1)
        if self.roas_scale is not None:
            ll = ll + self.prior.roas_log_density(mean * m.sum(axis=1) * self.roas_scale)
        return ll

    def draw_coefficients(self, m: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One draw of (baseline coefs, media coefs >= 0, noise sd) per curve set ``m`` (w, n, c)."""
        pm = np.einsum("st,wtc->wsc", self.projector, m)
        gram, rhs = self.stats(m, pm)
        inv = np.linalg.inv(gram)
        mean = np.einsum("wcd,wd->wc", inv, rhs)
        resid = np.maximum(self.s0 - np.einsum("wc,wc->w", mean, rhs), 1e-12)
        sigma = np.sqrt(1.0 / rng.gamma(self.a0 + self.n_obs / 2, 1.0 / (self.b0 + resid / 2)))
        chol = np.linalg.cholesky(inv)

        def draw(rows: np.ndarray) -> np.ndarray:
            noise = np.einsum("wcd,wd->wc", chol[rows], rng.standard_normal(mean[rows].shape))
            return mean[rows] + noise * sigma[rows, None]

        beta = draw(np.arange(len(mean)))
        for _ in range(20):  # redraw the few that came out negative: the posterior is truncated at 0
            bad = np.flatnonzero(np.any(beta < 0, axis=1))
            if not len(bad):
                break
            beta[bad] = draw(bad)
        beta = np.maximum(beta, 0.0)
        base_mean = (self.y_white[None, :] - np.einsum("wtc,wc->wt", self.whiten(m), beta)) @ self.h.T
        base_chol = np.linalg.cholesky(np.linalg.inv(self.gram_base))
        base = base_mean + (rng.standard_normal(base_mean.shape) @ base_chol.T) * sigma[:, None]
        return base, beta, sigma


@dataclass
class CurveSamples:
    """Retained draws of the curves: unconstrained ``theta`` (n_draws, n_channels, 3), curve family
    (n_draws, n_channels), their media columns (n_draws, n_weeks, n_channels) and half-saturation
    points (n_draws, n_channels)."""

    theta: np.ndarray
    family: np.ndarray
    media: np.ndarray
    half: np.ndarray
    n_chains: int
    acceptance: np.ndarray

    def media_on(self, lags: list[np.ndarray], prior: CurvePrior) -> np.ndarray:
        """The media columns of these curves on the weeks of ``lags`` (one :func:`lag_matrix` per channel).

        Each draw keeps its half-saturation point, so weeks beyond those the curves were
        sampled on (a holdout) are predicted as the sampled curves would: shape
        (n_draws, n_weeks, n_channels).
        """
        decay, _, shape = prior.to_curves(self.theta)
        return np.stack(
            [saturate(adstock(lag, decay[:, j]), self.half[:, j, None], shape[:, j, None], self.family[:, j, None])
             for j, lag in enumerate(lags)],
            axis=-1,
        )



def sample_curves(
    linear: LinearPart,
    lags: list[np.ndarray],
    *,
    n_chains: int = 16,
    n_warmup: int = 400,
    n_keep: int = 400,
    thin: int = 8,
    rng: np.random.Generator,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> CurveSamples:
    """Metropolis-within-Gibbs over each channel's three curve parameters, all chains at once.

    Each sweep proposes new curves for one channel at a time and accepts by the evidence of
    :class:`LinearPart` times the prior.  Half the proposals are a Gaussian step whose size is
    tuned during warm-up to accept about 30%; the other half are differential-evolution
    jumps (ter Braak and Vrugt's DE-MCz): the difference of two past states of the chains,
    which follows the posterior's own scale and correlations (decay against half-saturation,
    say) and lets a chain jump between separate modes.  Chains start spread around the
    prior's centre.  Draws are stacked sweep by sweep (all chains of one kept sweep, then the
    next), so ``split_rhat(x.reshape(-1, n_chains, ...))`` checks convergence of any quantity.

    Each channel's curve family (Hill or exponential saturation, equally likely a priori) is
    sampled too, by proposing to switch it with the other parameters kept: the two families
    extrapolate differently below the spend seen, so averaging over them keeps that doubt in
    the bands instead of betting on one family.
    """
    prior = linear.prior
    n_ch = len(lags)
    if start is None:
        theta, family = prior.draw(rng, (n_chains, n_ch)), rng.integers(0, 2, (n_chains, n_ch))
    else:
        theta, family = start[0].copy(), start[1].copy()
    curves = [media_columns(lags[j], *prior.to_curves(theta[:, j]), family[:, j]) for j in range(n_ch)]
    m = np.stack([c for c, _ in curves], axis=-1)
    half = np.stack([k for _, k in curves], axis=-1)
    pm = np.einsum("st,wtc->wsc", linear.projector, m)
    logp = linear.log_evidence(m, pm) + prior.log_density(theta)
    step = np.full(n_ch, 0.3)
    accepted = np.zeros(n_ch)
    scale = np.array([1.5, 1.0, 1.0])
    kept_theta, kept_family, kept_m, kept_half = [], [], [], []
    acceptance = np.zeros(n_ch)
    # Past states for the DE-MCz jumps (the latest 200 kept), preallocated: stacking a list
    # every sweep cost more than the jumps themselves.
    archive = np.empty(((n_warmup + n_keep) // 2 + 1, n_chains, n_ch, 3))
    archive[0] = theta
    n_archived = 1
    for sweep in range(n_warmup + n_keep):
        flat = archive[max(0, n_archived - 200) : n_archived].reshape(-1, n_ch, 3)
        gamma = 1.0 if sweep % 10 == 9 else 2.38 / np.sqrt(6)
        for j in range(n_ch):
            prop = theta.copy()
            walk = rng.standard_normal((n_chains, 3)) * step[j] * scale
            a, b = rng.integers(0, len(flat), (2, n_chains))
            jump = gamma * (flat[a, j] - flat[b, j]) + 1e-3 * rng.standard_normal((n_chains, 3))
            use_jump = (rng.random(n_chains) < 0.5)[:, None] & (len(flat) > 2 * n_chains)
            switch = rng.random(n_chains) < 0.15
            prop[:, j] += np.where(use_jump, jump, walk) * ~switch[:, None]
            prop_family = family.copy()
            prop_family[switch, j] = 1 - family[switch, j]
            # Keep the half-way point of the curve where it was: tanh(r) = 0.5 at r = 0.549, so
            # log K moves by -log(0.549) / s.  The shift has unit Jacobian and the reverse
            # switch undoes it, so acceptance stays the posterior ratio.
            shift = HALF_WAY_SHIFT / np.exp(theta[:, j, 2]) * np.where(family[:, j] == 0, 1.0, -1.0)
            prop[switch, j, 1] += shift[switch]
            col, k = media_columns(lags[j], *prior.to_curves(prop[:, j]), prop_family[:, j])
            m_new, pm_new = m.copy(), pm.copy()
            m_new[:, :, j] = col
            pm_new[:, :, j] = col @ linear.projector.T
            logp_new = linear.log_evidence(m_new, pm_new) + prior.log_density(prop)
            ok = np.log(rng.random(n_chains)) < logp_new - logp
            theta[ok], m[ok], pm[ok], logp[ok] = prop[ok], m_new[ok], pm_new[ok], logp_new[ok]
            family[ok] = prop_family[ok]
            half[ok, j] = k[ok]
            accepted[j] += ok.mean()
            if sweep >= n_warmup:
                acceptance[j] += ok.mean() / n_keep
        if sweep % 2 == 1:
            archive[n_archived] = theta
            n_archived += 1
        if sweep < n_warmup and (sweep + 1) % 25 == 0:
            step *= np.exp(accepted / 25 - 0.3)
            accepted[:] = 0
        if sweep >= n_warmup and (sweep - n_warmup) % thin == thin - 1:
            kept_theta.append(theta.copy())
            kept_family.append(family.copy())
            kept_m.append(m.copy())
            kept_half.append(half.copy())
    return CurveSamples(
        theta=np.concatenate(kept_theta),
        family=np.concatenate(kept_family),
        media=np.concatenate(kept_m),
        half=np.concatenate(kept_half),
        n_chains=n_chains,
        acceptance=acceptance,
    )


def split_rhat(draws: np.ndarray) -> np.ndarray:
    """Split-R-hat (Gelman et al.) per trailing column of draws shaped (n_draws, n_chains, ...)."""
    n = draws.shape[0] // 2
    if n < 2:
        return np.full(draws.shape[2:], np.nan)
    halves = np.concatenate([draws[:n], draws[n : 2 * n]], axis=1)
    within = halves.var(axis=0, ddof=1).mean(axis=0)
    between = n * halves.mean(axis=0).var(axis=0, ddof=1)
    var = (n - 1) / n * within + between / n
    return np.sqrt(var / np.maximum(within, 1e-300))
