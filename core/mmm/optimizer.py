"""Budget optimiser: the split of a weekly budget that the fitted model predicts earns most.

Two questions managers ask:

- *fixed total*: how to split ``total`` EUR per week across channels, each within its
  bounds, for the most predicted revenue (:func:`optimize_budget`, scipy SLSQP from several
  starts, with the analytic gradient);
- *target ROAS*: the largest weekly budget whose best split still returns at least
  ``target`` EUR of media revenue per EUR spent (:func:`target_roas_budget`, a scan then
  Brent's method on the total);
- *plan a period*: the best weekly split of a budget for the next N weeks, with their own
  season, trend and carry-over (:func:`plan_period`).

The answer is never predicted worse than the starting split: if the search cannot beat it,
the starting split comes back with a message saying so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.optimize import brentq, minimize

from core.errors import OmnimixError
from core.mmm.bounds import Bounds, bounds_arrays, check_feasible, project
from core.mmm.model import MediaMixModel
from core.mmm.planning import FuturePeriod, Outlook, SteadyState, View, forecast_table, objective

CURRENT_SPLIT = "current split"
SCALED_MIX = "current mix at this budget"


@dataclass(frozen=True)
class BudgetPlan:
    """Starting and proposed weekly split with the model's predictions.

    Spend is EUR per week; revenue (and its 90% band) is EUR over ``weeks`` weeks: one
    settled week for the weekly view, the whole future period for a plan.

    ``current`` (and ``current_revenue``, ``gain``) is today's split only when the total is
    today's budget; otherwise it is today's shares scaled to the total within the bounds.
    ``current_label`` says which (:data:`CURRENT_SPLIT` or :data:`SCALED_MIX`): show it
    wherever ``current`` is shown, so a comparison at another budget is not read as one with
    today's budget.
    """

    channels: tuple[str, ...]
    current: np.ndarray
    proposed: np.ndarray
    current_revenue: float
    proposed_revenue: float
    current_media: np.ndarray
    proposed_media: np.ndarray
    improved: bool
    message: str
    current_label: str = CURRENT_SPLIT
    current_band: tuple[float, float] = (float("nan"), float("nan"))
    proposed_band: tuple[float, float] = (float("nan"), float("nan"))
    weeks: int = 1
    cautious: bool = False

    @property
    def total(self) -> float:
        return float(self.proposed.sum())

    @property
    def gain(self) -> float:
        return self.proposed_revenue - self.current_revenue

    @property
    def roas(self) -> float:
        """Media revenue per EUR of the proposed spend (over the plan's weeks)."""
        spent = self.total * self.weeks
        return float(self.proposed_media.sum() / spent) if spent > 0 else float("nan")

    def table(self, weeks: int | None = None) -> pd.DataFrame:
        """Per channel: current and proposed spend and media revenue, change and gain.

        Parameters
        ----------
        weeks : int, optional
            Without it, spend is EUR per week and revenue EUR over the plan's weeks.  With it,
            every amount is EUR over ``weeks`` weeks: spend times ``weeks``, and the revenue of
            a one-week plan times ``weeks`` (a plan for a period only over its own weeks).

        Raises
        ------
        ValueError
            ``weeks`` differs from the weeks of a plan for a period (its revenue cannot be scaled).
        """
        spend, revenue = 1, 1
        if weeks is not None:
            if self.weeks != 1 and weeks != self.weeks:
                raise ValueError(f"A plan for {self.weeks} weeks cannot be shown over {weeks} weeks.")
            spend, revenue = weeks, weeks // self.weeks
        return pd.DataFrame(
            {
                "channel": list(self.channels),
                "current_spend": self.current * spend,
                "proposed_spend": self.proposed * spend,
                "spend_change": (self.proposed - self.current) * spend,
                "current_revenue": self.current_media * revenue,
                "proposed_revenue": self.proposed_media * revenue,
                "revenue_gain": (self.proposed_media - self.current_media) * revenue,
            }
        )


def _best_split(
    view: View, lo: np.ndarray, hi: np.ndarray, total: float, start: np.ndarray, cautious: bool
) -> np.ndarray:
    if total <= 0 or np.allclose(lo, hi):
        return start
    scale = max(total, 1.0)  # optimise shares of the total: well-conditioned for SLSQP
    f = objective(view.subset(), cautious)
    value_scale = max(abs(f(start)[0]), 1.0)

    def neg(z: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = f(np.maximum(z * scale, 0))
        return -value / value_scale, -grad * scale / value_scale

    cons = [{"type": "eq", "fun": lambda z: z.sum() - total / scale, "jac": lambda z: np.ones_like(z)}]
    box = list(zip(lo / scale, hi / scale, strict=True))
    slopes = view.slope(start).mean(axis=0)
    starts = [start, project(np.ones(len(lo)), lo, hi, total), project(slopes, lo, hi, total)]
    best, best_value = start, f(start)[0]
    for x0 in starts:
        options = {"maxiter": 200, "ftol": 1e-12}
        res = minimize(neg, x0 / scale, jac=True, bounds=box, constraints=cons, method="SLSQP", options=options)
        x = np.clip(res.x * scale, lo, hi)
        x = x * (total / x.sum()) if x.sum() > 0 else x0  # remove rounding drift from the total
        value = f(x)[0]
        if np.all(x >= lo - 1e-6) and np.all(x <= hi + 1e-6) and value > best_value:
            best, best_value = x, value
    return best


def optimize_budget(
    model: MediaMixModel,
    total: float,
    *,
    bounds: Bounds | None = None,
    current: Mapping[str, float] | np.ndarray | None = None,
    view: View | None = None,
    cautious: bool = False,
    currency: str = "EUR",
) -> BudgetPlan:
    """Split ``total`` EUR per week across channels for the most predicted revenue.

    Parameters
    ----------
    model : MediaMixModel
        Fitted model.
    total : float
        Weekly budget to split (EUR).
    bounds : mapping channel -> (low, high), optional
        Weekly EUR per channel (see :func:`parse_bounds` for ``±%`` of current); channels
        without bounds may take 0 to ``total``.
    current : mapping or ndarray, optional
        Starting split; default the model's current weekly spend.  When it does not add up
        to ``total`` (or breaks a bound) the comparison is with the same shares scaled to
        ``total`` within the bounds.
    view : SteadyState or FuturePeriod, optional
        What the revenue is: a settled week (default) or the next N weeks
        (:class:`~core.mmm.planning.FuturePeriod`, spend still per week).
    cautious : bool, default=False
        Maximise about the 5th percentile of revenue over the posterior (mean - 1.645 sd)
        instead of the mean: a split that does well even if the uncertain channels
        disappoint.
    currency : str, default="EUR"
        ISO code of the data's currency (:mod:`core.settings`), named in ``message``.

    Returns
    -------
    BudgetPlan
        Never worse than the starting split on the objective used.

    Raises
    ------
    OmnimixError
        Infeasible bounds, naming which side (lower sum above the total, upper sum below it).
    """
    lo, hi = bounds_arrays(model, bounds, total, currency)
    check_feasible(lo, hi, total, currency)
    view = view or SteadyState(model)
    cur = model.current_spend_ if current is None else model.spend_vector(current)
    # A total typed in whole euros still means "the current budget".
    fits = abs(cur.sum() - total) <= max(1.0, 1e-6 * total) and np.all(cur >= lo - 1e-9) and np.all(cur <= hi + 1e-9)
    start = cur * (total / cur.sum()) if fits and cur.sum() > 0 else project(cur, lo, hi, total)
    proposed = _best_split(view, lo, hi, total, start, cautious)
    f = objective(view, cautious)  # judged on every draw
    improved = f(proposed)[0] > f(start)[0] + 1e-9 * max(abs(f(start)[0]), 1.0)
    if not improved:
        proposed = start
    before, after = Outlook.of(view, start), Outlook.of(view, proposed)
    what = "the current split" if fits else "the current shares scaled to the total within the bounds"
    period = "per week" if view.weeks == 1 else f"over the {view.weeks} weeks"
    if improved and cautious:
        message = (
            f"Cautious split: its pessimistic revenue (5th percentile) is {f(proposed)[0] - f(start)[0]:,.0f} {currency} "
            f"{period} above {what}'s; expected gain {after.revenue - before.revenue:+,.0f} {currency}."
        )
    elif improved:
        message = f"Proposed split earns {after.revenue - before.revenue:,.0f} {currency} more {period} than {what}."
    else:
        message = f"No split within the bounds is predicted to beat {what}; keeping it."
    return BudgetPlan(
        channels=tuple(model.channels_),
        current=start,
        proposed=proposed,
        current_revenue=before.revenue,
        proposed_revenue=after.revenue,
        current_media=before.media,
        proposed_media=after.media,
        improved=improved,
        message=message,
        current_label=CURRENT_SPLIT if fits else SCALED_MIX,
        current_band=(before.low, before.high),
        proposed_band=(after.low, after.high),
        weeks=view.weeks,
        cautious=cautious,
    )


def target_roas_budget(
    model: MediaMixModel,
    target: float,
    *,
    bounds: Bounds | None = None,
    max_total: float | None = None,
    currency: str = "EUR",
) -> BudgetPlan:
    """The largest weekly budget whose optimal split keeps media ROAS >= ``target``.

    Parameters
    ----------
    target : float
        Media revenue per EUR of spend to keep (e.g. 2.0).
    bounds : mapping channel -> (low, high), optional
        As for :func:`optimize_budget`.
    max_total : float, optional
        Largest budget considered; default 4 × the current weekly spend, or the sum of the
        upper bounds when all channels are bounded and that is smaller.  When the target
        still holds there, that limit is the answer and the message says so.
    currency : str, default="EUR"
        ISO code of the data's currency, named in the message.

    Raises
    ------
    OmnimixError
        Target not above 0, lower bounds adding up to more than the largest budget, or no
        budget in the range reaching the target.
    """
    if not target > 0:
        raise OmnimixError(f"The target ROAS must be above 0 (got {target:g}).")
    cur_total = float(model.current_spend_.sum())
    if max_total is not None:
        cap, limit = float(max_total), "the largest budget you set"
    else:
        cap, limit = 4 * max(cur_total, 1.0), "4 × the current weekly spend, the search limit"
    if bounds and set(bounds) == set(model.channels_) and sum(b[1] for b in bounds.values()) < cap:
        cap, limit = float(sum(b[1] for b in bounds.values())), "the sum of the channels' upper bounds"
    lo, hi = bounds_arrays(model, bounds, cap, currency)
    check_feasible(lo, hi, cap, currency)  # minimums above the largest budget: no budget to search
    floor = max(float(lo.sum()), 1e-6 * max(cur_total, 1.0))

    def plan(total: float) -> BudgetPlan:
        return optimize_budget(model, total, bounds=_widen(model, bounds, total), currency=currency)

    grid = np.geomspace(floor, cap, 16) if cap > floor else np.array([floor])
    plans = [plan(t) for t in grid]
    ok = [i for i, p in enumerate(plans) if p.roas >= target]
    if not ok:
        best = max(plans, key=lambda p: p.roas)
        raise OmnimixError(
            f"No budget between {floor:,.0f} and {cap:,.0f} {currency} per week reaches a ROAS of {target:g}; "
            f"the best is {best.roas:.2f} at {best.total:,.0f} {currency} per week."
        )
    i = ok[-1]
    if i == len(grid) - 1:
        # The target still holds at the end of the search: the answer is the limit, not the
        # point where ROAS falls to the target, and the message must not claim otherwise.
        best = plans[i]
        message = (
            f"ROAS stays at or above {target:g} up to the largest budget allowed: {best.total:,.0f} {currency} per week "
            f"({limit}; ROAS {best.roas:.2f}). A bigger budget may still meet the target."
        )
    else:
        best = _largest_meeting(plan, target, plans[i], plans[i + 1])
        message = f"Largest weekly budget with ROAS >= {target:g}: {best.total:,.0f} {currency} (ROAS {best.roas:.2f})."
    return replace(best, message=message)


def _largest_meeting(plan, target: float, meets: BudgetPlan, misses: BudgetPlan) -> BudgetPlan:  # noqa: ANN001
    """The plan with the largest total whose ROAS still meets ``target``, between two plans that bracket it.

    Brent's method on ``roas(total) - target`` (:func:`scipy.optimize.brentq`), to the
    precision 25 halvings of the bracket gave (2^-25 of its width).  Each evaluation is a whole
    optimisation; measured on the 2,000-customer sample (targets 2, 2.5, 3), Brent needs 6-8
    of them where the halvings needed 25, and the totals agree to 0.0001 EUR.  The answer is
    the largest total tried whose ROAS met the target, so it never falls below the target.
    """
    a, b = meets.total, misses.total
    tried = {a: meets, b: misses}

    def margin(total: float) -> float:
        if total not in tried:
            tried[total] = plan(total)
        return tried[total].roas - target

    brentq(margin, a, b, xtol=(b - a) * 2.0**-25, rtol=4 * np.finfo(float).eps)
    return max((p for p in tried.values() if p.roas >= target), key=lambda p: p.total)


def _widen(model: MediaMixModel, bounds: Bounds | None, total: float) -> dict[str, tuple[float, float]]:
    # Unbounded channels may take anything up to the total being tried.
    out = {c: (0.0, total) for c in model.channels_}
    out.update(dict(bounds or {}))
    return out


@dataclass(frozen=True)
class PeriodPlan:
    """The best weekly split of a budget for the next weeks, and its week-by-week forecast.

    Attributes
    ----------
    plan : BudgetPlan
        Spend per week, revenue (and its band) over the whole period.
    forecast : pandas.DataFrame
        :func:`core.mmm.planning.forecast_table` of the proposed split, one row per week.
    """

    plan: BudgetPlan
    forecast: pd.DataFrame

    @property
    def weeks(self) -> int:
        return self.plan.weeks

    @property
    def carryover(self) -> float:
        """Revenue of the period still coming from spend before it (EUR): already paid for."""
        return float(self.forecast["carryover"].sum())


def plan_period(
    model: MediaMixModel,
    weeks: int,
    *,
    total: float | None = None,
    bounds: Bounds | None = None,
    cautious: bool = False,
    currency: str = "EUR",
) -> PeriodPlan:
    """The best weekly split of ``total`` EUR over the ``weeks`` weeks after the data.

    Parameters
    ----------
    model : MediaMixModel
        Fitted model.
    weeks : int
        Weeks to plan (1-104), each with its own season, trend, events and carry-over
        (:class:`~core.mmm.planning.FuturePeriod`).
    total : float, optional
        Budget for the whole period (EUR), spread evenly over the weeks; default today's
        weekly spend every week.
    bounds, cautious
        As for :func:`optimize_budget` (bounds in EUR per week).

    Raises
    ------
    OmnimixError
        A period outside 1-104 weeks, or bounds the weekly budget cannot meet.
    """
    period = FuturePeriod(model, weeks)
    weekly = float(model.current_spend_.sum()) if total is None else total / period.weeks
    plan = optimize_budget(model, weekly, bounds=bounds, view=period, cautious=cautious, currency=currency)
    return PeriodPlan(plan, forecast_table(period, plan.proposed))
