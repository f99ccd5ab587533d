"""Who the customers are (segments) and what to recommend to them (recommendation quality).

Segments are those of the Segments page at its default k, through the same public profile
table (:func:`core.segments.export.public_profiles`), so a segment under 50 customers is as
hidden here as on screen. Recommendation quality is the offline time-split evaluation of
``omnimix evaluate-recs`` on a seeded sample of customers, so the report stays quick.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from core import cache
from core.errors import OmnimixError
from core.filters import Filters
from core.formatting import format_value
from core.privacy import MIN_GROUP_SIZE, cell_text, hidden_reason, small_group_label
from core.report.base import Section, channels_text, missing, period_text
from core.report.page import esc, figure_html, paragraphs, table_html
from core.settings import read_settings

SEGMENTS_K, SEGMENTS_SEED = 6, 0
"""The Segments page's default number of segments and seed (pages/segments.py ``DEFAULT_K, SEED``)."""
RECS_K = 10
"""Length of the recommendation lists scored, as ``omnimix evaluate-recs`` by default."""
RECS_SAMPLE, RECS_SEED = 2_000, 0
"""Held-out customers scored (seeded sample), as the Recommendations page (dashboard/recs/data.py EVAL_SAMPLE):
the standard error of a hit rate p on n customers is sqrt(p (1 - p) / n), at most 1.1 points for 2,000."""
RECS_MODELS = ["hybrid", "popular"]
"""The Recommendations page's default recommender against its best-sellers baseline. Each further
model costs seconds on 50k customers (item-kNN alone: a second fit of what the hybrid fits anyway)."""


@dataclass(frozen=True)
class Segments:
    """What the report shows of a segmentation (kept in the on-disk cache, see :mod:`core.cache`)."""

    summary: pd.DataFrame
    means: pd.DataFrame
    k: int
    n_customers: int


def _segments(con: duckdb.DuckDBPyConnection, filters: Filters) -> Segments:
    from core.segments.features import customer_features
    from core.segments.pipeline import segment

    features = customer_features(con, filters)
    seg = segment(features, k=SEGMENTS_K, seed=SEGMENTS_SEED)
    return Segments(seg.profiles.summary, seg.profiles.means, seg.k, features.n_customers)


@dataclass(frozen=True)
class RecsQuality:
    """What the report shows of a recommendation evaluation (cached; loading it needs no recommender code)."""

    metrics: pd.DataFrame
    info: dict
    held_out_customers: int
    labels: dict


def _recs_quality(con: duckdb.DuckDBPyConnection) -> RecsQuality:
    from core.recs.evaluation_cache import evaluate_db  # λ and weights chosen on the training weeks, kept on disk
    from core.recs.metric_labels import metric_label

    ev = evaluate_db(con, k=RECS_K, max_customers=RECS_SAMPLE, models=RECS_MODELS, random_state=RECS_SEED)
    labels = {m: metric_label(m, RECS_K) for m in ("hit_rate", "precision")}
    return RecsQuality(ev.metrics, dict(ev.info), int(ev.held_out_customers), labels)


RECS_OPTIONS = (RECS_K, RECS_SAMPLE, tuple(RECS_MODELS), RECS_SEED)
"""What the recommendation section's evaluation depends on besides the database file (its cache key)."""


def recs_quality(con: duckdb.DuckDBPyConnection) -> RecsQuality:
    """The evaluation the recommendation section shows, read from the on-disk cache when there."""
    return cache.cached("recs-eval", _cache_key(con, *RECS_OPTIONS), RecsQuality, lambda: _recs_quality(con))


def warm_recs_quality(db: str | Path) -> bool:
    """Compute and keep the recommendation section's evaluation of ``db`` (after ``omnimix generate`` or ``load``).

    The first report on a new sample then reads it (and the evaluation's tuning, which
    ``omnimix evaluate-recs`` and the Recommendations page's Evaluation tab share) from the
    cache. False when the data has nothing to evaluate.
    """
    from core.store.db import open_db

    try:
        with open_db(Path(db), read_only=True) as con:
            recs_quality(con)
    except OmnimixError:
        return False
    return True


def _cache_key(con: duckdb.DuckDBPyConnection, *options: object) -> tuple | None:
    """The database file's identity and ``options``, or None (nothing cached) for an in-memory database."""
    path = cache.connection_file(con)
    return None if path is None else (cache.file_identity(path), *options)


def segment_section(con: duckdb.DuckDBPyConnection, filters: Filters) -> Section:
    """Segments with names, sizes and revenue; small segments hidden as on the Segments page."""
    import plotly.graph_objects as go

    from core.segments.columns import CUSTOMER_SHARE, CUSTOMERS, DESCRIPTION, NAME, REVENUE, REVENUE_SHARE, SEGMENT
    from core.segments.export import public_profiles

    currency = read_settings(con).currency

    key, title = "segments", "Who the customers are"
    try:
        seg = cache.cached("segments", _cache_key(con, filters, SEGMENTS_K, SEGMENTS_SEED), Segments,
                           lambda: _segments(con, filters))
    except OmnimixError as exc:
        return missing(key, title, f"No segments: {exc}")
    table = public_profiles(seg.summary, seg.means)
    reasons = hidden_reason(table, CUSTOMERS)
    shown = table[reasons.isna().to_numpy()]
    period = period_text(filters.start, filters.end)
    fig = go.Figure(go.Bar(x=shown[NAME], y=shown[REVENUE_SHARE] * 100, name="Share of revenue"))
    fig.add_bar(x=shown[NAME], y=shown[CUSTOMER_SHARE] * 100, name="Share of customers")
    fig.update_layout(title="Segments: share of customers and of revenue", yaxis_title="Share (%)",
                      xaxis_title="Segment", barmode="group")
    rows = [(r[SEGMENT], r[NAME], cell_text(r[CUSTOMERS], reason), format_value(r[CUSTOMER_SHARE], "share"),
             format_value(r[REVENUE], "money", currency), format_value(r[REVENUE_SHARE], "share"), r[DESCRIPTION])
            for r, reason in zip(table.to_dict("records"), reasons, strict=True)]
    grid = table_html(["#", "Segment", "Customers", "Share of customers", f"Revenue ({currency.code})", "Share of revenue",
                       "What sets it apart"], rows, numeric=(0, 2, 3, 4, 5), wide=6)
    lines = []
    if not shown.empty:
        best = shown.loc[shown[REVENUE_SHARE].idxmax()]
        lines.append(f"{best[NAME]} is the most valuable segment: {format_value(best[CUSTOMER_SHARE], 'share')} of "
                     f"customers bring {format_value(best[REVENUE_SHARE], 'share')} of revenue.")
    n_hidden = int(reasons.notna().sum())
    if n_hidden:
        lines.append(f"{n_hidden} segment(s) hidden: figures about {small_group_label()} customers are not shown "
                     "(a lone small segment hides the next smallest too).")
    n = seg.n_customers
    who = small_group_label() if n < MIN_GROUP_SIZE else f"{n:,}"
    lead = (f'<p class="lead">{esc(who)} customers who ordered in {esc(period)} ({esc(channels_text(filters))}), '
            f"in {seg.k} segments (K-means on value, channel and category habits, as on the Segments page).</p>")
    body = (lead + paragraphs(lines)
            + figure_html(fig, caption=f"Share of customers and of revenue ({currency.code}) in %, {period}; hidden segments "
                                       "left out.")
            + grid + f'<p class="caption">Customers, {currency.code} revenue in the period, {esc(period)}.</p>')
    return Section(key, title, body, figures=1)


def hit_rate_se(hit_rate: float, n: int) -> float:
    """Standard error of a hit rate measured on ``n`` customers (each one hit or missed): sqrt(p (1 - p) / n)."""
    return float(np.sqrt(hit_rate * (1 - hit_rate) / n)) if n > 0 else float("nan")


def recs_section(con: duckdb.DuckDBPyConnection) -> Section:
    """Which recommender to use and how often its lists lead to a purchase (offline time split)."""
    import plotly.graph_objects as go

    key, title = "recommendations", "What to recommend, and how well it works"
    try:
        ev = recs_quality(con)
    except OmnimixError as exc:
        return missing(key, title, f"No recommendation quality: {exc}")
    info, metrics = ev.info, ev.metrics.copy()
    if info["customers"] < MIN_GROUP_SIZE:
        return missing(key, title, f"No recommendation quality: {small_group_label()} customers bought something "
                                   "new in the held-out weeks.")
    cutoff = info["cutoff"]
    weeks = info["holdout_weeks"]
    period = f"the {weeks} weeks after {cutoff:%d %b %Y}"
    metrics = metrics.sort_values("hit_rate", ascending=False)
    best = metrics.iloc[0]
    base = metrics.loc[metrics["model"] == "popular"]
    n = int(info["customers"])
    lines = [f"Recommend with {best['model']}: for {format_value(best['hit_rate'], 'share')} of customers at least "
             f"one of its {RECS_K} suggestions was bought in {period} (standard error "
             f"{hit_rate_se(best['hit_rate'], n):.1%} on the {n:,} customers scored)."]
    if not base.empty and best["model"] != "popular":
        b = base.iloc[0]
        lift = best["hit_rate"] / b["hit_rate"] - 1 if b["hit_rate"] > 0 else np.nan
        lines.append(f"The best sellers list alone reaches {format_value(b['hit_rate'], 'share')} "
                     f"(standard error {hit_rate_se(b['hit_rate'], n):.1%})"
                     + (f"; {best['model']} does {lift:+.0%} relative to it." if np.isfinite(lift) else "."))
    lines.append(f"Catalogue coverage of {best['model']}: {format_value(best['coverage'], 'share')} of products "
                 "appear in some list.")
    fig = go.Figure(go.Bar(x=metrics["model"], y=metrics["hit_rate"] * 100, name=ev.labels["hit_rate"]))
    fig.add_bar(x=metrics["model"], y=metrics["precision"] * 100, name=ev.labels["precision"])
    fig.update_layout(title="Recommendation quality by model", yaxis_title="%", xaxis_title="Recommender",
                      barmode="group")
    rows = [(r["model"], format_value(r["hit_rate"], "share"), f"{hit_rate_se(r['hit_rate'], n):.1%}",
             format_value(r["precision"], "share"),
             format_value(r["recall"], "share"), f"{r['ndcg']:.3f}", format_value(r["coverage"], "share"))
            for r in metrics.to_dict("records")]
    grid = table_html(["Recommender", f"Hit rate@{RECS_K}", "Standard error", f"Precision@{RECS_K}",
                       f"Recall@{RECS_K}", f"NDCG@{RECS_K}", "Catalogue coverage"], rows, numeric=(1, 2, 3, 4, 5, 6))
    sample = (f"a seeded sample of {info['customers']:,} of the {ev.held_out_customers:,} customers"
              if ev.held_out_customers > info["customers"] else f"all {info['customers']:,} customers")
    lead = (f'<p class="lead">Trained on purchases up to {cutoff:%d %b %Y}, scored on {esc(period)} for '
            f"{esc(sample)} who bought something new then (seed {RECS_SEED}). All sales channels and the whole history: "
            "the evaluation does not follow the report's filters.</p>")
    body = (lead + paragraphs(lines)
            + figure_html(fig, caption=f"Hit rate and precision in % of {RECS_K}-product lists, {period}.", height=300)
            + grid)
    return Section(key, title, body, figures=1)
