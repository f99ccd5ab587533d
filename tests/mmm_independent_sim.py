"""A second weekly marketing-mix simulator, written independently of ``core.generator``.

The budget model was designed around Omnimix's own generator (Hill curves, plain geometric
adstock, retail events, linear trend).  This simulator draws worlds from another family, the
one other MMM tools simulate with (PyMC-Marketing's example notebook):

- spend scaled by its maximum, ``s = x / max(x)``;
- geometric adstock with weights normalised over an 8-week window,
  ``w_l = a**l / sum_{k<8} a**k`` and ``ad[t] = sum_{l<8} w_l * s[t - l]`` (no spend before week 0);
- logistic saturation ``(1 - exp(-lam * ad)) / (1 + exp(-lam * ad))``;
- channel effect ``beta_c * saturation`` (EUR per week).

(The two curves agree to 1e-15 with PyMC-Marketing 0.19's ``geometric_adstock(normalize=True,
l_max=8)`` and ``logistic_saturation``, checked once by hand; PyMC is not needed here.)

The baseline has a trend of its own (piecewise-linear with one change point, or a slow
logistic growth), a yearly cosine with a random phase plus a quarterly term (no retail
events), an optional promotion control, and noise that is Gaussian plus AR(1).

Nothing here imports ``core.generator`` or ``core.mmm.adstock``/``core.mmm.saturation``: the
maths is written out with numpy so a shared bug cannot hide in both.

Everything is drawn from ``seed``: adstock ``a`` in 0.1-0.7, ``lam`` in 1-5, revenue shares
5-20% per channel (scaled down together when they add up to more than 55%), true ROAS 0.6-6,
spend flighting, trend, seasonality and noise (4-6% of mean revenue), so each seed is another
world.

    from tests.mmm_independent_sim import simulate, simulate_experiments
    data, truth = simulate(3)               # WeeklyData, per-channel truth
    tests = simulate_experiments(3)         # two lift tests measured with 12% noise
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.mmm.weekly import WeeklyData, from_frame

L_MAX = 8
"""Weeks in the normalised adstock window."""
START = "2022-01-03"
"""First Monday of the simulated history."""
NAMES = ("video", "radio", "paid_search", "social_ads", "print", "influencer", "podcast", "ooh")
PATTERNS = ("always_on", "flighted", "pulsed")
"""Spend habits: always on with seasonal budgets; bursts with dark weeks between; mostly on with random gaps."""


@dataclass(frozen=True)
class SimWorld:
    """One simulated world.

    Attributes
    ----------
    data : WeeklyData
        What a model sees: week, revenue, one spend column per channel (+ ``promo`` when asked).
    truth : pandas.DataFrame
        One row per channel: ``channel``, ``true_roas`` (sum of contribution / sum of spend),
        ``spend``, ``contribution``, ``revenue_share``, ``adstock_alpha``, ``saturation_lam``,
        ``beta`` (EUR per week at full saturation), ``spend_max``, ``pattern`` and ``oracle_se``:
        the standard error of the channel's scale (truth 1) when revenue is regressed on the
        exact baseline and contribution series, a floor for any model's relative ROAS error.
    weekly : pandas.DataFrame
        Per week: ``week``, ``trend``, ``season``, ``promo_effect``, ``baseline``, ``noise``,
        ``revenue`` and one ``contribution_<channel>`` column per channel.
        ``revenue = baseline + sum(contributions) + noise`` exactly.
    params : dict
        World-level draws (trend kind and its parameters, seasonality, noise).
    """

    data: WeeklyData
    truth: pd.DataFrame
    weekly: pd.DataFrame
    params: dict = field(default_factory=dict)

    @property
    def contributions(self) -> np.ndarray:
        """True weekly contribution per channel, shape (n_weeks, n_channels), EUR."""
        return self.weekly[[f"contribution_{c}" for c in self.data.channels]].to_numpy()


def channel_names(n_channels: int) -> list[str]:
    return [NAMES[j] if j < len(NAMES) else f"channel_{j + 1}" for j in range(n_channels)]


def adstock_weights(alpha: float, l_max: int = L_MAX) -> np.ndarray:
    """``w_l = alpha**l / sum_k alpha**k`` for ``l < l_max``: the weights sum to 1."""
    w = alpha ** np.arange(l_max)
    return w / w.sum()


def normalised_adstock(x: np.ndarray, alpha: float, l_max: int = L_MAX) -> np.ndarray:
    """``ad[t] = sum_{l<l_max} w_l * x[t - l]`` with no spend before the first week."""
    w = adstock_weights(alpha, l_max)
    out = np.zeros(len(x))
    for lag in range(l_max):
        out[lag:] += w[lag] * x[: len(x) - lag]
    return out


def logistic_saturation(x: np.ndarray, lam: float) -> np.ndarray:
    """``(1 - exp(-lam x)) / (1 + exp(-lam x))``: 0 at 0, tends to 1."""
    e = np.exp(-lam * np.asarray(x, dtype=float))
    return (1 - e) / (1 + e)


def channel_response(spend: np.ndarray, alpha: float, lam: float, beta: float) -> np.ndarray:
    """Weekly contribution (EUR) of one channel's spend series: ``beta * sat(adstock(x / max x))``."""
    peak = float(np.max(spend))
    scaled = spend / peak if peak > 0 else np.zeros_like(spend)
    return beta * logistic_saturation(normalised_adstock(scaled, alpha), lam)


def _flighting(rng: np.random.Generator, n: int, pattern: str) -> np.ndarray:
    """1 in weeks the channel runs, else 0 (``always_on``: nearly always, rare gaps)."""
    if pattern == "always_on":
        return (rng.random(n) > 0.03).astype(float)
    if pattern == "pulsed":
        return (rng.random(n) > rng.uniform(0.10, 0.25)).astype(float)
    # Flighted: a two-state Markov chain with bursts of a few weeks and dark spells between.
    mean_on, mean_off = rng.uniform(3, 8), rng.uniform(2, 7)
    on = np.empty(n)
    state = rng.random() < mean_on / (mean_on + mean_off)
    for t in range(n):
        on[t] = state
        state = rng.random() >= 1 / mean_on if state else rng.random() < 1 / mean_off
    if on.sum() < n / 4:  # keep enough weeks on air to say something about the channel
        on[rng.choice(n, n // 4, replace=False)] = 1.0
    return on


def _spend_shape(rng: np.random.Generator, n: int, pattern: str, season: np.ndarray) -> np.ndarray:
    """Relative weekly spend (any scale): flighting x seasonal budgets x quarterly budgets x drift x noise."""
    on = _flighting(rng, n, pattern)
    quarterly = np.repeat(rng.lognormal(0.0, 0.3, -(-n // 13)), 13)[:n]  # budget reset every quarter
    # Some channels spend more in the high season (confounded with the baseline), some do not.
    tie = rng.choice([0.0, rng.uniform(0.2, 0.8)], p=[0.4, 0.6])
    unit = season / max(float(np.max(np.abs(season))), 1e-9)
    drift = np.exp(rng.uniform(-0.15, 0.25) * np.arange(n) / 52)
    sigma = {"always_on": 0.40, "flighted": 0.30, "pulsed": 0.45}[pattern]
    weekly = rng.lognormal(-(sigma**2) / 2, sigma, n)
    return on * np.clip(1 + tie * unit, 0.2, None) * quarterly * drift * weekly


def _trend(rng: np.random.Generator, n: int) -> tuple[np.ndarray, dict]:
    """Relative level (1 at week 0): piecewise-linear with a change point, or slow logistic growth."""
    t = np.arange(n, dtype=float)
    if rng.random() < 0.5:
        cp = int(rng.uniform(0.35, 0.7) * n)
        g1, g2 = rng.uniform(0.0, 0.15), rng.uniform(-0.10, 0.10)  # growth per year before/after
        level = 1 + g1 * np.minimum(t, cp) / 52 + g2 * np.maximum(t - cp, 0) / 52
        return level, {"trend": "piecewise", "change_week": cp, "growth_before": g1, "growth_after": g2}
    g, mid, width = rng.uniform(0.10, 0.35), rng.uniform(0.3, 0.7) * n, rng.uniform(8, 26)
    logistic = 1 / (1 + np.exp(-(t - mid) / width))
    level = 1 + g * (logistic - logistic[0])
    return level, {"trend": "logistic", "growth": g, "mid_week": mid, "width_weeks": width}


def simulate_world(
    seed: int,
    n_weeks: int = 156,
    n_channels: int = 4,
    *,
    noise: float | None = None,
    rho: float = 0.3,
    promo: bool = False,
    share_range: tuple[float, float] = (0.05, 0.20),
    max_media_share: float = 0.55,
    start: str = START,
) -> SimWorld:
    """Draw one world from ``seed``; see the module docstring for the equations.

    Parameters
    ----------
    seed : int
    n_weeks, n_channels : int
    noise : float, optional
        Standard deviation of the total noise as a share of mean revenue (default: drawn in 0.04-0.06).
        Half its variance is white Gaussian, half an AR(1) with coefficient ``rho``.
    rho : float, default=0.3
    promo : bool, default=False
        Add a ``promo`` control column (0/1 promotion weeks lifting the baseline 4-10%).
    share_range : (float, float)
        Each channel's share of total revenue is drawn uniformly here; if the shares add up
        to more than ``max_media_share`` they are scaled down together.
    start : str
        First Monday.
    """
    rng = np.random.default_rng([seed, 20240611])
    n = int(n_weeks)
    names = channel_names(n_channels)
    weeks = pd.date_range(start, periods=n, freq="7D")

    # ---- baseline: trend x (1 + yearly cosine + quarterly term) (+ promotions) ----------------
    level0 = rng.uniform(50_000, 200_000)
    trend, params = _trend(rng, n)
    year_pos = (weeks.dayofyear.to_numpy() - 1) / 365.25
    amp_y, phase_y = rng.uniform(0.05, 0.15), rng.uniform(0.0, 1.0)
    amp_q, phase_q = rng.uniform(0.01, 0.03), rng.uniform(0.0, 1.0)
    season = amp_y * np.cos(2 * np.pi * (year_pos - phase_y)) + amp_q * np.cos(2 * np.pi * (4 * year_pos - phase_q))
    promo_flag = np.zeros(n)
    promo_lift = 0.0
    if promo:
        promo_flag = (rng.random(n) < 0.08).astype(float)
        promo_flag[rng.integers(0, n)] = 1.0
        promo_lift = rng.uniform(0.04, 0.10)
    trend_eur = level0 * trend
    season_eur = trend_eur * season
    promo_eur = trend_eur * promo_lift * promo_flag
    baseline = trend_eur + season_eur + promo_eur

    # ---- media -----------------------------------------------------------------------------
    patterns = rng.choice(PATTERNS, size=n_channels, p=[0.25, 0.45, 0.30])
    alphas = rng.uniform(0.1, 0.7, n_channels)
    lams = rng.uniform(1.0, 5.0, n_channels)
    shares = rng.uniform(*share_range, n_channels)
    if shares.sum() > max_media_share:
        shares *= max_media_share / shares.sum()
    roas_target = np.exp(rng.uniform(np.log(0.6), np.log(6.0), n_channels))
    shapes = np.column_stack([_spend_shape(rng, n, str(p), season) for p in patterns])
    sat = np.column_stack(
        [channel_response(shapes[:, j], alphas[j], lams[j], 1.0) for j in range(n_channels)]
    )  # beta = 1; saturation does not depend on the spend's scale (it is divided by its max)
    total_revenue = baseline.sum() / (1 - shares.sum())
    betas = shares * total_revenue / sat.sum(axis=0)
    contrib = sat * betas
    spend = shapes * (contrib.sum(axis=0) / roas_target / shapes.sum(axis=0))  # EUR, so ROAS = target

    # ---- noise: white + AR(1), total sd = noise x mean revenue ------------------------------
    frac = rng.uniform(0.04, 0.06) if noise is None else float(noise)
    mean_rev = (baseline.sum() + contrib.sum()) / n
    sd = frac * mean_rev
    white = rng.normal(0.0, sd * np.sqrt(0.5), n)
    shocks = rng.normal(0.0, sd * np.sqrt(0.5) * np.sqrt(1 - rho**2), n)
    ar = np.empty(n)
    ar[0] = rng.normal(0.0, sd * np.sqrt(0.5))
    for t in range(1, n):
        ar[t] = rho * ar[t - 1] + shocks[t]
    noise_eur = white + ar
    revenue = baseline + contrib.sum(axis=1) + noise_eur

    frame = pd.DataFrame({"week": weeks, "revenue": revenue, **{c: spend[:, j] for j, c in enumerate(names)}})
    controls = []
    if promo:
        frame["promo"] = promo_flag
        controls = ["promo"]
    data = from_frame(
        frame, date="week", target="revenue", channels=names, controls=controls, source=f"sim seed {seed}"
    )

    weekly = pd.DataFrame(
        {
            "week": weeks,
            "trend": trend_eur,
            "season": season_eur,
            "promo_effect": promo_eur,
            "baseline": baseline,
            "noise": noise_eur,
            "revenue": revenue,
            **{f"contribution_{c}": contrib[:, j] for j, c in enumerate(names)},
        }
    )
    # How precisely the data pin each channel down even for a model that knows the exact
    # baseline series and the exact shape of each channel's contribution (only their scales
    # are fitted): the standard error of that scale (truth 1) is a floor for any ROAS error.
    design = np.column_stack([baseline, contrib])
    scale, *_ = np.linalg.lstsq(design, revenue, rcond=None)
    resid = revenue - design @ scale
    cov = resid @ resid / (n - design.shape[1]) * np.linalg.inv(design.T @ design)
    oracle_se = np.sqrt(np.diag(cov))[1:]
    truth = pd.DataFrame(
        {
            "channel": names,
            "true_roas": contrib.sum(axis=0) / spend.sum(axis=0),
            "spend": spend.sum(axis=0),
            "contribution": contrib.sum(axis=0),
            "revenue_share": contrib.sum(axis=0) / revenue.sum(),
            "adstock_alpha": alphas,
            "saturation_lam": lams,
            "beta": betas,
            "spend_max": spend.max(axis=0),
            "pattern": [str(p) for p in patterns],
            "oracle_se": oracle_se,
        }
    )
    params.update(
        seed=seed,
        level0=level0,
        yearly_amplitude=amp_y,
        yearly_phase=phase_y,
        quarterly_amplitude=amp_q,
        quarterly_phase=phase_q,
        promo_lift=promo_lift,
        noise_share=frac,
        noise_sd=sd,
        rho=rho,
    )
    return SimWorld(data=data, truth=truth, weekly=weekly, params=params)


def simulate(seed: int, n_weeks: int = 156, n_channels: int = 4, **kwargs) -> tuple[WeeklyData, pd.DataFrame]:
    """The weekly table and the per-channel truth of :func:`simulate_world`'s world for ``seed``."""
    world = simulate_world(seed, n_weeks, n_channels, **kwargs)
    return world.data, world.truth


def simulate_experiments(
    seed: int,
    n_weeks: int = 156,
    n_channels: int = 4,
    *,
    n_tests: int = 2,
    relative_se: float = 0.12,
    world: SimWorld | None = None,
    **kwargs,
) -> pd.DataFrame:
    """Lift tests measured on the world of ``seed``: what a geo or on/off test would report.

    Each test picks a different channel (largest contributions are not favoured) and a window
    of 4-8 weeks, after the first 8 weeks, in which the channel spent in at least half the
    weeks.  The measured incremental revenue is the true contribution summed over the window
    plus Normal noise with ``standard_error = relative_se x`` that true sum.

    Returns
    -------
    pandas.DataFrame
        Columns ``channel``, ``start_week``, ``end_week`` (Mondays, both weeks included),
        ``incremental_revenue``, ``standard_error`` and ``true_incremental_revenue`` (for scoring only).
    """
    world = world or simulate_world(seed, n_weeks, n_channels, **kwargs)
    rng = np.random.default_rng([seed, 777])  # own stream: the world does not depend on the tests
    channels = list(world.data.channels)
    spend, contrib, weeks = world.data.spend, world.contributions, world.data.weeks
    rows = []
    for j in rng.permutation(len(channels))[: min(n_tests, len(channels))]:
        length = int(rng.integers(4, 9))
        candidates = range(L_MAX, len(weeks) - length + 1)
        starts = [s for s in candidates if (spend[s : s + length, j] > 0).mean() >= 0.5] or [L_MAX]
        s = int(rng.choice(starts))
        true = float(contrib[s : s + length, j].sum())
        se = relative_se * true
        rows.append(
            {
                "channel": channels[j],
                "start_week": weeks[s],
                "end_week": weeks[s + length - 1],
                "incremental_revenue": true + float(rng.normal(0.0, se)),
                "standard_error": se,
                "true_incremental_revenue": true,
            }
        )
    return pd.DataFrame(rows)
