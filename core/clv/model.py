"""CLV in one call: summary → repeat-purchase and spend models → per-customer value, with an optional holdout check.

With ``holdout_weeks`` the repeat model is chosen by how well it predicts purchases it has not
seen: BG/NBD and Pareto/NBD are fitted on the data up to ``data end − holdout_weeks``, each
predicts the holdout, and the one with the smaller absolute total error wins (within 2
percentage points of each other, the smaller mean absolute error per customer decides).  The
winner is then refitted on everything up to the cutoff for the forward predictions.  Without a
holdout, BG/NBD is used.
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
from core.clv.paretonbd import ParetoNBDModel
from core.clv.repeat import RepeatPurchaseModel
from core.clv.summary import check_cutoff, holdout_actuals, rfm_summary
from core.clv.value import TIERS, customer_value
from core.errors import OmnimixError
from core.filters import Filters, data_date_range

if TYPE_CHECKING:  # only for type hints: the models work without duckdb
    import duckdb

MODELS = {BetaGeoModel.name: BetaGeoModel, ParetoNBDModel.name: ParetoNBDModel}
"""Repeat-purchase models by name."""

MIN_REPEAT_BUYERS = 20
"""Fewest customers with a repeat purchase the models are fitted on."""

TIE_PCT = 2.0
"""Holdout total errors closer than this (percentage points) count as a tie, broken by MAE."""


@dataclass
class ClvResult:
    """What :func:`fit_clv` returns.

    Attributes
    ----------
    customers : DataFrame
        :func:`~core.clv.value.customer_value` per customer.
    model_name : str
        ``"BG/NBD"`` or ``"Pareto/NBD"``.
    params : dict
        The repeat model's fitted parameters.
    spend_params : dict
        The Gamma-Gamma parameters ``p, q, v``.
    holdout : dict or None
        The chosen model's :func:`~core.clv.holdout.holdout_check` plus ``weeks``,
        ``calibration_cutoff`` and ``compared`` (per model: ``total_error_pct``, ``mae``, ``auc``).
    tier_counts : dict
        Customers per tier, in :data:`~core.clv.value.TIERS` order.
    cutoff : datetime.date
    horizon_weeks : int
    """

    customers: pd.DataFrame
    model_name: str
    params: dict
    spend_params: dict
    holdout: dict | None
    tier_counts: dict
    cutoff: dt.date
    horizon_weeks: int


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


def _compare_on_holdout(con, weeks: int, filters: Filters | None) -> tuple[str, dict]:
    first, last = data_date_range(con)
    calibration_cutoff = last - dt.timedelta(weeks=weeks)
    if first is None or calibration_cutoff <= first:
        raise OmnimixError(f"A holdout of {weeks} weeks is longer than the history allows "
                           f"(orders run from {first} to {last}).")
    summary = rfm_summary(con, cutoff=calibration_cutoff, filters=filters)
    actual = holdout_actuals(con, cutoff=calibration_cutoff, weeks=weeks, filters=filters)
    _check_repeat_buyers(summary)
    x, t_x, T = summary["frequency"], summary["recency"], summary["T"]
    checks = {}
    for name, cls in MODELS.items():
        model = cls().fit(x, t_x, T)
        checks[name] = holdout_check(model.predict_purchases(float(weeks), x, t_x, T),
                                     model.probability_alive(x, t_x, T), actual, x)
    best = BetaGeoModel.name
    for name, check in checks.items():
        err, best_err = abs(check["total_error_pct"]), abs(checks[best]["total_error_pct"])
        if err < best_err - TIE_PCT or (abs(err - best_err) <= TIE_PCT and check["mae"] < checks[best]["mae"]):
            best = name
    chosen = dict(checks[best])
    chosen["weeks"] = weeks
    chosen["calibration_cutoff"] = calibration_cutoff
    chosen["compared"] = {n: {k: c[k] for k in ("total_error_pct", "mae", "auc")} for n, c in checks.items()}
    return best, chosen


def fit_clv(con: duckdb.DuckDBPyConnection, *, cutoff: dt.date | None = None, horizon_weeks: int = 52,
            discount_monthly: float = 0.01, holdout_weeks: int | None = None, filters: Filters | None = None,
            random_state: int = 0) -> ClvResult:
    """Fit the CLV models on a database and score every customer.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    cutoff : datetime.date, optional
        Last day of history used; default the last order date.
    horizon_weeks : int, default=52
        Weeks ahead for expected orders and CLV.
    discount_monthly : float, default=0.01
        Monthly discount rate of the CLV (see :mod:`core.clv.value`).
    holdout_weeks : int, optional
        When given, choose the repeat model on a holdout of this many weeks at the end of the
        data (module docstring) and report the check.
    filters : Filters, optional
        Channels (and dates) of the orders counted.
    random_state : int, default=0
        Accepted for a uniform interface; the maximum-likelihood fits are deterministic.

    Returns
    -------
    ClvResult

    Raises
    ------
    OmnimixError
        For a horizon below one week, a cutoff outside the data, a holdout longer than the
        history, or too few repeat buyers.
    """
    if isinstance(horizon_weeks, bool) or not isinstance(horizon_weeks, (int, np.integer)) or horizon_weeks <= 0:
        raise OmnimixError(f"The horizon must be a whole number of weeks of at least 1; got {horizon_weeks!r}.")
    if holdout_weeks is not None and (isinstance(holdout_weeks, bool) or not isinstance(holdout_weeks, (int, np.integer))
                                      or holdout_weeks <= 0):
        raise OmnimixError(f"The holdout must be a whole number of weeks of at least 1; got {holdout_weeks!r}.")
    cutoff = check_cutoff(con, cutoff)
    model_name, holdout = BetaGeoModel.name, None
    if holdout_weeks is not None:
        model_name, holdout = _compare_on_holdout(con, int(holdout_weeks), filters)
    summary = rfm_summary(con, cutoff=cutoff, filters=filters)
    repeat_model, spend_model = _fit_models(summary, MODELS[model_name])
    customers = customer_value(summary, repeat_model, spend_model, horizon_weeks=int(horizon_weeks),
                               discount_monthly=discount_monthly)
    counts = customers["tier"].value_counts()
    return ClvResult(
        customers=customers,
        model_name=model_name,
        params=dict(repeat_model.params_),
        spend_params=dict(spend_model.params_),
        holdout=holdout,
        tier_counts={t: int(counts.get(t, 0)) for t in TIERS},
        cutoff=cutoff,
        horizon_weeks=int(horizon_weeks),
    )
