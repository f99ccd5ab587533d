"""Every attribution model by name, and running several on the same paths.

Rule-based models (:mod:`core.attribution.rules`) give per-touch weights directly; the
data-driven ones score channels on all paths (Markov removal effect, Shapley value) and
share each order among its path's channels by those scores (:func:`credit.score_credit_table`,
which gives the figures of :func:`credit.spread_scores` path by path).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.attribution import rules
from core.attribution.credit import channel_customers, credit_table, score_credit_table
from core.attribution.markov import markov_scores
from core.attribution.paths import Paths
from core.attribution.shapley import ShapleySkipped, shapley_scores
from core.errors import OmnimixError

DATA_DRIVEN = {"markov": markov_scores, "shapley": shapley_scores}
MODEL_NAMES: tuple[str, ...] = (*rules.RULE_MODELS, *DATA_DRIVEN)
"""Every model, in the order shown (rule-based first)."""

MODEL_LABELS: dict[str, str] = {
    "last_click": "Last click", "last_non_direct": "Last non-direct click", "first_click": "First click",
    "linear": "Linear", "time_decay": "Time decay", "position_based": "Position-based (40/20/40)",
    "markov": "Data-driven: Markov removal effect", "shapley": "Data-driven: Shapley value",
}


def check_models(names: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """The requested model names (all when None), refused with the known names when unknown."""
    if names is None:
        return MODEL_NAMES
    names = tuple(n.strip() for n in names if n.strip())
    unknown = [n for n in names if n not in MODEL_NAMES]
    if unknown or not names:
        raise OmnimixError(f"Unknown attribution model {', '.join(unknown) or '(none given)'} in models; "
                           f"choose from {', '.join(MODEL_NAMES)}.")
    return tuple(dict.fromkeys(names))


@dataclass
class Attribution:
    """Credit per channel for each model that ran, plus the channel scores of data-driven models."""

    credit: dict[str, pd.DataFrame]
    scores: dict[str, np.ndarray] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def run_models(paths: Paths, names: tuple[str, ...] | None = None, *,
               half_life_days: float = rules.DEFAULT_HALF_LIFE_DAYS) -> Attribution:
    """Run ``names`` (default: all) on ``paths``; a model that cannot run is listed in ``skipped`` with why."""
    names = check_models(names)
    if set(DATA_DRIVEN) & set(names):
        paths.path_mask  # noqa: B018  (computed once on all paths; the converting ones share a slice of it)
    converting = paths.converting()
    customers = channel_customers(converting)
    out = Attribution({})
    for name in names:
        started = time.perf_counter()
        if name in rules.RULE_MODELS:
            params = {"half_life_days": half_life_days} if name == "time_decay" else {}
            out.credit[name] = credit_table(converting, rules.RULE_MODELS[name](converting, **params), customers)
        else:
            try:
                scores = DATA_DRIVEN[name](paths)
            except ShapleySkipped as exc:
                out.skipped[name] = str(exc)
                continue
            out.scores[name] = scores
            out.credit[name] = score_credit_table(converting, scores, customers)
        out.seconds[name] = time.perf_counter() - started
    return out
