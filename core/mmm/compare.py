"""Budgets side by side: a what-if against the current budget, a plan against today's budget.

The Budget simulator page and ``omnimix budget optimize`` show these comparisons; both take
the figures from here, so a change against today's budget is computed in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.mmm.model import BudgetPrediction, MediaMixModel
from core.mmm.optimizer import BudgetPlan


@dataclass(frozen=True)
class WhatIf:
    """A weekly budget against a reference budget, both held for the same weeks (EUR over them).

    Attributes
    ----------
    budget, reference : BudgetPrediction
        The budget tried and the one it is compared with (e.g. the current budget).
    """

    budget: BudgetPrediction
    reference: BudgetPrediction

    @property
    def spend(self) -> float:
        """Spend of the budget over the weeks."""
        return sum(self.budget.spend.values())

    @property
    def spend_change(self) -> float:
        return self.spend - sum(self.reference.spend.values())

    @property
    def revenue_change(self) -> float:
        return self.budget.revenue - self.reference.revenue

    @property
    def revenue_change_pct(self) -> float:
        """Revenue change as a fraction of the reference's revenue."""
        return self.revenue_change / self.reference.revenue

    @property
    def roas_change(self) -> float:
        """Media ROAS of the budget minus the reference's (NaN when the budget spends nothing)."""
        return self.budget.roas - self.reference.roas


def what_if(model: MediaMixModel, spend: Mapping[str, float], *, reference: Mapping[str, float], weeks: int) -> WhatIf:
    """Predict ``spend`` and ``reference`` (EUR per week, per channel) held for ``weeks`` weeks."""
    return WhatIf(model.predict_budget(spend, weeks=weeks), model.predict_budget(reference, weeks=weeks))


def on_curves(model: MediaMixModel, spend: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    """Per channel: weekly spend and the weekly revenue the model predicts for it (EUR), a point on its curve."""
    revenue = model.weekly_response(model.spend_vector(spend))
    return {c: (float(spend[c]), float(r)) for c, r in zip(model.channels_, revenue, strict=True)}


@dataclass(frozen=True)
class VersusToday:
    """A plan against the budget spent today, both over ``weeks`` weeks (EUR).

    A plan's own comparison (:attr:`BudgetPlan.current_revenue`) is with today's shares at the
    plan's total; this one is with today's budget as it is, so a larger or smaller total can
    be judged too.
    """

    weeks: int
    spend: float
    revenue: float
    plan_spend: float
    plan_revenue: float

    @property
    def weekly_spend(self) -> float:
        """Today's spend per week."""
        return self.spend / self.weeks

    @property
    def spend_change(self) -> float:
        return self.plan_spend - self.spend

    @property
    def revenue_change(self) -> float:
        return self.plan_revenue - self.revenue


def versus_today(model: MediaMixModel, plan: BudgetPlan, *, weeks: int) -> VersusToday:
    """A one-week plan (a settled week) held for ``weeks`` weeks against today's budget held as long."""
    today = model.predict_budget(model.current_spend_, weeks=weeks)
    return VersusToday(
        weeks=weeks,
        spend=sum(today.spend.values()),
        revenue=today.revenue,
        plan_spend=plan.total * weeks,
        plan_revenue=plan.proposed_revenue * weeks,
    )
