"""CLV in two steps: fit the repeat-purchase and spend models (:func:`fit_models`), then score every
customer over a horizon (:func:`score`); :func:`fit_clv` does both.

Which repeat-purchase model (``model="auto"``, the default): BG/NBD, MBG/NBD and Pareto/NBD
are each fitted on the data up to ``cutoff − holdout`` and predict the holdout weeks up to the
cutoff, which they have not seen; the winner is refitted on everything up to the cutoff (the
data after the cutoff is never read).  The rule
(:func:`choose_model`):

1. a model whose "probably active" ranks the customers who bought again in the holdout clearly
   worse than the best model's (ROC AUC more than :data:`AUC_MARGIN` lower) is out — it would
   put the wrong customers in the churn-risk tiers (the BG/NBD calls every one-time buyer
   certainly active, which on real logs gives an AUC below 0.5);
2. of the rest, the smallest absolute error of total holdout purchases wins; errors closer
   than :data:`TIE_PCT` percentage points are a tie, broken by the smaller mean absolute error
   per customer.

The holdout defaults to :data:`DEFAULT_HOLDOUT_WEEKS` weeks (at most a third of the history);
above :data:`COMPARE_MAX_CUSTOMERS` customers the comparison runs on a seeded random sample of
that many (the choice needs thousands of customers, not millions).  When the history is too
short for a holdout, BG/NBD is used and the reason is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.clv.bgnbd import BetaGeoModel
from core.clv.gamma_gamma import GammaGammaModel
from core.clv.holdout import holdout_check
from core.clv.mbgnbd import ModifiedBetaGeoModel
from core.clv.paretonbd import ParetoNBDModel
from core.clv.repeat import RepeatPurchaseModel
from core.clv.summary import check_cutoff, rfm_summary, summaries_with_holdout
from core.clv.value import TIERS, customer_value
from core.errors import OmnimixError
from core.filters import Filters, data_date_range

if TYPE_CHECKING:  # only for type hints: the models work without duckdb
    import duckdb

MODELS = {BetaGeoModel.name: BetaGeoModel, ModifiedBetaGeoModel.name: ModifiedBetaGeoModel,
          ParetoNBDModel.name: ParetoNBDModel}
"""Repeat-purchase models by name."""

AUTO = "auto"
"""``model`` value that chooses by the holdout (module docstring)."""

MIN_REPEAT_BUYERS = 20
"""Fewest customers with a repeat purchase the models are fitted on."""

TIE_PCT = 2.0
"""Holdout total errors closer than this (percentage points) count as a tie, broken by MAE."""

AUC_MARGIN = 0.1
"""A model whose holdout AUC is this much below the best model's is not chosen."""

DEFAULT_HOLDOUT_WEEKS = 26
"""Holdout of the automatic model choice, capped at a third of the history."""

MIN_HOLDOUT_WEEKS = 4
"""Shortest holdout the automatic choice uses; with less history BG/NBD is used."""

COMPARE_MAX_CUSTOMERS = 100_000
"""Customers the model comparison runs on at most (a seeded random sample above)."""


@dataclass
class ClvFit:
    """Fitted models, before scoring (what :func:`fit_models` returns).

    Attributes
    ----------
    summary : DataFrame
        :func:`~core.clv.summary.rfm_summary` up to ``cutoff``.
    repeat_model : RepeatPurchaseModel
    spend_model : GammaGammaModel
    model_name : str
    choice : str
        Why this model, in one sentence.
    holdout : dict or None
        The chosen model's :func:`~core.clv.holdout.holdout_check` plus ``weeks``,
        ``calibration_cutoff``, ``customers`` (compared on), ``sampled`` (bool) and
        ``compared`` (per model: ``total_error_pct``, ``mae``, ``auc``).
    cutoff : datetime.date
    """

    summary: pd.DataFrame
    repeat_model: RepeatPurchaseModel
    spend_model: GammaGammaModel
    model_name: str
    choice: str
    holdout: dict | None
    cutoff: dt.date


@dataclass
class ClvResult:
    """What :func:`score` and :func:`fit_clv` return.

    Attributes
    ----------
    customers : DataFrame
        :func:`~core.clv.value.customer_value` per customer.
    model_name : str
        ``"BG/NBD"``, ``"MBG/NBD"`` or ``"Pareto/NBD"``.
    choice : str
        Why this model, in one sentence.
    params : dict
        The repeat model's fitted parameters.
    spend_params : dict
        The Gamma-Gamma parameters ``p, q, v``.
    holdout : dict or None
        See :class:`ClvFit`.
    tier_counts : dict
        Customers per tier, in :data:`~core.clv.value.TIERS` order.
    cutoff : datetime.date
    horizon_weeks : int
    discount_monthly : float
    """

    customers: pd.DataFrame
    model_name: str
    choice: str
    params: dict
    spend_params: dict
    holdout: dict | None
    tier_counts: dict
    cutoff: dt.date
    horizon_weeks: int
    discount_monthly: float


def _check_repeat_buyers(summary: pd.DataFrame) -> pd.DataFrame:
    repeat = summary[summary["frequency"] > 0]
    if len(repeat) < MIN_REPEAT_BUYERS:
        raise OmnimixError(f"Hardly anyone bought twice ({len(repeat)} of {len(summary)} customers, at least "
                           f"{MIN_REPEAT_BUYERS} needed), so there is too little history to model repeat purchases.")
    return repeat


def _fit_models(summary: pd.DataFrame, model_cls: type) -> tuple[RepeatPurchaseModel, GammaGammaModel]:
    repeat = _check_repeat_buyers(summary)
    model = model_cls().fit(summary["frequency"], summary["recency"], summary["T"])
    spenders = repeat[repeat["monetary_value"] > 0]
    if len(spenders) < MIN_REPEAT_BUYERS:
        raise OmnimixError(f"Only {len(spenders)} repeat buyers have a recorded spend, too few for the spend model.")
    spend = GammaGammaModel().fit(spenders["frequency"], spenders["monetary_value"])
    return model, spend


def choose_model(compared: dict[str, dict]) -> str:
    """The model the rule of the module docstring picks from per-model holdout checks.

    Parameters
    ----------
    compared : dict
        Model name → dict with ``total_error_pct``, ``mae`` and ``auc`` (NaN when not
        measurable), in preference order for exact ties.
    """
    aucs = [c["auc"] for c in compared.values() if np.isfinite(c["auc"])]
    best_auc = max(aucs, default=float("nan"))
    eligible = [n for n, c in compared.items() if not np.isfinite(best_auc) or not np.isfinite(c["auc"])
                or c["auc"] >= best_auc - AUC_MARGIN]
    error = {n: abs(compared[n]["total_error_pct"]) if np.isfinite(compared[n]["total_error_pct"]) else np.inf
             for n in eligible}
    best = eligible[0]
    for name in eligible[1:]:
        if error[name] < error[best] - TIE_PCT or (abs(error[name] - error[best]) <= TIE_PCT
                                                   and compared[name]["mae"] < compared[best]["mae"]):
            best = name
    return best


def default_holdout_weeks(first: dt.date, last: dt.date) -> int:
    """:data:`DEFAULT_HOLDOUT_WEEKS`, or a third of the history's whole weeks when that is shorter."""
    return min(DEFAULT_HOLDOUT_WEEKS, (last - first).days // 7 // 3)


def _compare_on_holdout(con, cutoff: dt.date, weeks: int, filters: Filters | None, names: list[str],
                        random_state: int) -> tuple[dict, pd.DataFrame]:
    """Every model fitted up to ``cutoff − weeks`` and scored on the weeks up to ``cutoff``; also the
    summary at ``cutoff`` (the same scan)."""
    first, _ = data_date_range(con)
    calibration_cutoff = cutoff - dt.timedelta(weeks=weeks)
    if first is None or calibration_cutoff <= first:
        raise OmnimixError(f"A holdout of {weeks} weeks is longer than the history allows "
                           f"(orders run from {first} to {cutoff}).")
    full, summary, actual = summaries_with_holdout(con, cutoff=cutoff, weeks=weeks, filters=filters)
    sampled = len(summary) > COMPARE_MAX_CUSTOMERS
    if sampled:
        rows = np.sort(np.random.default_rng(random_state).choice(len(summary), COMPARE_MAX_CUSTOMERS, replace=False))
        summary, actual = summary.iloc[rows], actual.iloc[rows]
    _check_repeat_buyers(summary)
    x, t_x, T = summary["frequency"], summary["recency"], summary["T"]
    checks = {}
    for name in names:
        model = MODELS[name]().fit(x, t_x, T)
        checks[name] = holdout_check(model.predict_purchases(float(weeks), x, t_x, T),
                                     model.probability_alive(x, t_x, T), actual, x)
    comparison = {"checks": checks, "weeks": weeks, "calibration_cutoff": calibration_cutoff,
                  "customers": len(summary), "sampled": sampled}
    return comparison, full


def _check_weeks(value, what: str) -> None:  # noqa: ANN001
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise OmnimixError(f"The {what} must be a whole number of weeks of at least 1; got {value!r}.")


def fit_models(con: duckdb.DuckDBPyConnection, *, cutoff: dt.date | None = None, model: str = AUTO,
               holdout_weeks: int | None = None, filters: Filters | None = None, random_state: int = 0) -> ClvFit:
    """Fit the repeat-purchase and spend models on the orders up to ``cutoff``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    cutoff : datetime.date, optional
        Last day of history used; default the last order date.
    model : {"auto", "BG/NBD", "MBG/NBD", "Pareto/NBD"}, default="auto"
        ``"auto"`` chooses by the holdout (module docstring).
    holdout_weeks : int, optional
        Holdout length: the weeks up to ``cutoff``.  With a named ``model`` the holdout check is
        run only when this is given (all models are compared and reported, the named one is
        used); with ``"auto"`` the default is :func:`default_holdout_weeks`.
    filters : Filters, optional
        Channels (and dates) of the orders counted.
    random_state : int, default=0
        Seed of the comparison's customer sample (only above :data:`COMPARE_MAX_CUSTOMERS`).

    Returns
    -------
    ClvFit

    Raises
    ------
    OmnimixError
        For an unknown model, a cutoff outside the data, a holdout longer than the history, or
        too few repeat buyers.
    """
    if model != AUTO and model not in MODELS:
        raise OmnimixError(f"Unknown model {model!r}; choose one of: {', '.join([AUTO, *MODELS])}.")
    if holdout_weeks is not None:
        _check_weeks(holdout_weeks, "holdout")
    cutoff = check_cutoff(con, cutoff)
    weeks = holdout_weeks
    if model == AUTO and weeks is None:
        first, _ = data_date_range(con)
        weeks = default_holdout_weeks(first, cutoff)
        if weeks < MIN_HOLDOUT_WEEKS:
            weeks = None
    comparison, summary = None, None
    if weeks is not None:
        comparison, summary = _compare_on_holdout(con, cutoff, int(weeks), filters, list(MODELS), random_state)
    if comparison is None:
        name = BetaGeoModel.name if model == AUTO else model
        choice = ("BG/NBD: the history is too short to hold out weeks for choosing a model." if model == AUTO
                  else f"{name}, as asked.")
        holdout = None
    else:
        compared = {n: {k: c[k] for k in ("total_error_pct", "mae", "auc")} for n, c in comparison["checks"].items()}
        winner = choose_model(compared)
        name = winner if model == AUTO else model
        holdout = {**comparison["checks"][name], **{k: comparison[k] for k in
                                                     ("weeks", "calibration_cutoff", "customers", "sampled")},
                   "compared": compared}
        err = compared[name]["total_error_pct"]
        choice = (f"{name}: of {', '.join(compared)}, it predicted the {comparison['weeks']} weeks after "
                  f"{comparison['calibration_cutoff']} best ({err:+.1f}% total purchases)." if model == AUTO
                  else f"{name}, as asked (the holdout comparison prefers {winner}).")
    if summary is None:
        summary = rfm_summary(con, cutoff=cutoff, filters=filters)
    repeat_model, spend_model = _fit_models(summary, MODELS[name])
    return ClvFit(summary=summary, repeat_model=repeat_model, spend_model=spend_model, model_name=name,
                  choice=choice, holdout=holdout, cutoff=cutoff)


def score(fit: ClvFit, *, horizon_weeks: int = 52, discount_monthly: float = 0.01) -> ClvResult:
    """Every customer's value over ``horizon_weeks`` from fitted models (see :mod:`core.clv.value`).

    Raises
    ------
    OmnimixError
        For a horizon below one week or a discount rate outside [0, 1).
    """
    _check_weeks(horizon_weeks, "horizon")
    customers = customer_value(fit.summary, fit.repeat_model, fit.spend_model, horizon_weeks=int(horizon_weeks),
                               discount_monthly=discount_monthly)
    counts = customers["tier"].value_counts()
    return ClvResult(
        customers=customers,
        model_name=fit.model_name,
        choice=fit.choice,
        params=dict(fit.repeat_model.params_),
        spend_params=dict(fit.spend_model.params_),
        holdout=fit.holdout,
        tier_counts={t: int(counts.get(t, 0)) for t in TIERS},
        cutoff=fit.cutoff,
        horizon_weeks=int(horizon_weeks),
        discount_monthly=float(discount_monthly),
    )


def fit_clv(con: duckdb.DuckDBPyConnection, *, cutoff: dt.date | None = None, horizon_weeks: int = 52,
            discount_monthly: float = 0.01, model: str = AUTO, holdout_weeks: int | None = None,
            filters: Filters | None = None, random_state: int = 0) -> ClvResult:
    """:func:`fit_models` then :func:`score`: fit the CLV models on a database and score every customer.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    cutoff : datetime.date, optional
        Last day of history used; default the last order date.
    horizon_weeks : int, default=52
        Weeks ahead for expected orders and CLV.
    discount_monthly : float, default=0.01
        Monthly discount rate of the CLV (see :mod:`core.clv.value`).
    model, holdout_weeks, filters, random_state
        See :func:`fit_models`.

    Returns
    -------
    ClvResult

    Raises
    ------
    OmnimixError
        For a horizon below one week, a cutoff outside the data, a holdout longer than the
        history, an unknown model, or too few repeat buyers.
    """
    _check_weeks(horizon_weeks, "horizon")
    fit = fit_models(con, cutoff=cutoff, model=model, holdout_weeks=holdout_weeks, filters=filters,
                     random_state=random_state)
    return score(fit, horizon_weeks=horizon_weeks, discount_monthly=discount_monthly)
