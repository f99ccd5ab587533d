"""Customers: persona, sign-up, active window (churn) and personal tastes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.generator.personas import CATEGORIES, PERSONAS, SALES_CHANNELS, as_matrix

ACQUISITION_MEDIA = ("search", "social", "affiliate", "tv", "email", "display")


@dataclass
class CustomerDraw:
    persona: np.ndarray  # (n,) int8
    signup_day: np.ndarray  # (n,) int32, days relative to the first sample Monday (negative = before)
    first_week: np.ndarray  # (n,) int32, first week the customer can order
    end_week: np.ndarray  # (n,) int32, exclusive; churn, clipped to the sample's last week
    life_end_week: np.ndarray  # (n,) int64, exclusive; churn week before clipping (> n_weeks: active at the end)
    order_rate: np.ndarray  # (n,) float, orders per year while active
    channel_cum: np.ndarray  # (n, n_sales_channels) cumulative personal channel mix
    main_category: np.ndarray  # (n,) int16
    second_category: np.ndarray  # (n,) int16
    favourite_line: np.ndarray  # (n,) int32 brand line in the main category
    region: np.ndarray  # (n,) int8
    age_band: np.ndarray  # (n,) int8
    acquisition: np.ndarray  # (n,) object: channel name


def _categorical(prob_rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per row of a (n, k) probability matrix."""
    cum = np.cumsum(prob_rows, axis=1)
    u = rng.random(prob_rows.shape[0])[:, None] * cum[:, -1:]
    return (u > cum).sum(axis=1)


def draw_customers(n: int, n_weeks: int, line_tier: np.ndarray, brands_per_category: int,
                   rng: np.random.Generator) -> CustomerDraw:
    shares = np.array([p.share for p in PERSONAS])
    persona = rng.choice(len(PERSONAS), size=n, p=shares / shares.sum()).astype(np.int8)

    # Half the base exists before the sample starts (up to 3 years earlier); the rest joins
    # during it, a little faster later on (growth).
    existing = rng.random(n) < 0.5
    join_week = np.floor(n_weeks * np.sqrt(rng.random(n)) * 0.97).astype(np.int32)
    signup_day = np.where(existing, -rng.integers(1, 3 * 365, n), join_week * 7 + rng.integers(0, 7, n))
    first_week = np.where(existing, 0, join_week).astype(np.int32)
    churn = np.array([p.churn_per_year for p in PERSONAS])[persona]
    life_weeks = np.ceil(rng.exponential(52.0 / churn)).astype(np.int64) + 1
    end_week = np.minimum(first_week + life_weeks, n_weeks).astype(np.int32)

    rate = np.array([p.orders_per_year for p in PERSONAS])[persona] * rng.gamma(3.0, 1 / 3.0, n)

    mix = as_matrix("channel_mix")[persona]
    personal_mix = rng.gamma(mix * 25.0 + 1e-3)  # Dirichlet around the persona mix
    personal_mix /= personal_mix.sum(axis=1, keepdims=True)
    channel_cum = np.cumsum(personal_mix, axis=1)

    cat_taste = as_matrix("category_taste")[persona]
    main_cat = _categorical(cat_taste, rng).astype(np.int16)
    second_cat = _categorical(cat_taste, rng).astype(np.int16)
    tier_taste = as_matrix("tier_taste")[persona]
    # Favourite brand line inside the main category, weighted by the persona's price-tier taste.
    lines = main_cat[:, None].astype(np.int32) * brands_per_category + np.arange(brands_per_category)[None, :]
    line_weights = tier_taste[np.arange(n)[:, None], line_tier[lines]]
    favourite_line = lines[np.arange(n), _categorical(line_weights, rng)].astype(np.int32)

    region = _categorical(as_matrix("region_taste")[persona], rng).astype(np.int8)
    age_band = _categorical(as_matrix("age_taste")[persona], rng).astype(np.int8)
    top_channel = np.argmax(mix, axis=1)
    via_media = rng.random(n) < 0.45
    acquisition = np.where(via_media, np.array(ACQUISITION_MEDIA, dtype=object)[rng.integers(0, len(ACQUISITION_MEDIA), n)],
                           np.array(SALES_CHANNELS, dtype=object)[top_channel])
    assert len(CATEGORIES) >= 2
    return CustomerDraw(persona, signup_day.astype(np.int32), first_week, end_week, first_week + life_weeks,
                        rate, channel_cum,
                        main_cat, second_cat, favourite_line, region, age_band, acquisition)
