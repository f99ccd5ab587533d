"""Planted channel incidents: weeks where one sales channel departs from its usual pattern.

Real channel data has them (a marketplace listing suspended for a week, a social post that
went viral); the Market insight page's unusual-weeks view should find them, so the sample
plants two in its last year.  Orders only move between online channels within the week, so
every week's total revenue still follows the marketing-mix truth curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.generator.personas import SALES_CHANNELS


@dataclass(frozen=True)
class Incident:
    weeks_before_end: int  # the incident's week, counted back from the last week of the sample
    channel: str  # the channel whose revenue departs
    sources: tuple[str, ...]  # where the moved orders come from ...
    targets: tuple[str, ...]  # ... and where they go
    share: float  # fraction of the source channels' orders that week that move
    story: str


INCIDENTS: tuple[Incident, ...] = (
    Incident(35, "social", ("web", "app"), ("social",), 0.2, "a social post went viral: web and app shoppers bought through social"),
    Incident(20, "marketplace", ("marketplace",), ("web",), 0.6, "marketplace listing suspended for days: most of its orders went to the web shop"),
)


def incident_week(incident: Incident, n_weeks: int) -> int | None:
    """Week index of the incident in a sample of ``n_weeks`` weeks (``None`` if it does not fit)."""
    week = n_weeks - 1 - incident.weeks_before_end
    return week if week >= 52 else None  # the expectation needs a year of history before it


def plant_incidents(channel: np.ndarray, week: np.ndarray, n_weeks: int, rng: np.random.Generator) -> np.ndarray:
    """Move orders between online channels in the incident weeks (returns a new channel array)."""
    out = channel.copy()
    for incident in INCIDENTS:
        w = incident_week(incident, n_weeks)
        if w is None:
            continue
        sources = [SALES_CHANNELS.index(c) for c in incident.sources]
        targets = np.array([SALES_CHANNELS.index(c) for c in incident.targets], dtype=out.dtype)
        movable = np.flatnonzero((week == w) & np.isin(out, sources))
        moved = movable[rng.random(movable.shape[0]) < incident.share]
        out[moved] = targets[rng.integers(0, targets.shape[0], moved.shape[0])]
    return out
