"""The latent customer personas the sample is drawn from (the segmentation truth)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SALES_CHANNELS: tuple[str, ...] = ("web", "app", "store", "marketplace", "social")
ONLINE_CHANNELS: frozenset[str] = frozenset({"web", "app", "marketplace", "social"})
CATEGORIES: tuple[str, ...] = (
    "Electronics", "Home & Kitchen", "Fashion", "Beauty", "Sports & Outdoors", "Toys & Kids", "Grocery", "Books",
)
REGIONS: tuple[str, ...] = ("North", "South", "East", "West", "Central")
AGE_BANDS: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
PRICE_TIERS: tuple[str, ...] = ("budget", "mid", "premium")


@dataclass(frozen=True)
class Persona:
    """How one kind of customer shops; every probability vector is normalised on use."""

    name: str
    share: float  # of all customers
    channel_mix: tuple[float, ...]  # over SALES_CHANNELS
    orders_per_year: float
    extra_items: float  # items per order = 1 + Poisson(extra_items)
    promo_rate: float  # share of lines bought on a discount
    tier_taste: tuple[float, ...]  # over PRICE_TIERS
    category_taste: tuple[float, ...]  # over CATEGORIES
    churn_per_year: float  # hazard: expected lifetime 1/churn years
    age_taste: tuple[float, ...]  # over AGE_BANDS
    region_taste: tuple[float, ...]  # over REGIONS
    browse_intensity: float  # multiplier on views per purchase


PERSONAS: tuple[Persona, ...] = (
    Persona("Bargain app shoppers", 0.22, (0.12, 0.78, 0.02, 0.05, 0.03), 9.0, 0.5, 0.55,
            (0.75, 0.22, 0.03), (0.10, 0.18, 0.14, 0.10, 0.06, 0.12, 0.25, 0.05), 0.30,
            (0.25, 0.35, 0.22, 0.10, 0.05, 0.03), (0.2, 0.2, 0.2, 0.2, 0.2), 1.3),
    Persona("High-value store loyalists", 0.12, (0.15, 0.04, 0.78, 0.01, 0.02), 8.0, 1.8, 0.05,
            (0.05, 0.30, 0.65), (0.20, 0.22, 0.20, 0.12, 0.12, 0.06, 0.04, 0.04), 0.10,
            (0.02, 0.10, 0.25, 0.30, 0.22, 0.11), (0.15, 0.15, 0.15, 0.15, 0.40), 0.6),
    Persona("Marketplace one-timers", 0.18, (0.06, 0.02, 0.01, 0.90, 0.01), 1.2, 0.1, 0.35,
            (0.50, 0.40, 0.10), (0.30, 0.12, 0.10, 0.06, 0.14, 0.10, 0.03, 0.15), 0.90,
            (0.18, 0.28, 0.24, 0.16, 0.10, 0.04), (0.2, 0.2, 0.2, 0.2, 0.2), 1.0),
    Persona("Omnichannel enthusiasts", 0.12, (0.32, 0.30, 0.26, 0.06, 0.06), 14.0, 1.2, 0.20,
            (0.15, 0.50, 0.35), (0.16, 0.16, 0.18, 0.14, 0.12, 0.10, 0.08, 0.06), 0.12,
            (0.08, 0.30, 0.32, 0.18, 0.09, 0.03), (0.2, 0.2, 0.2, 0.2, 0.2), 1.1),
    Persona("Occasional web browsers", 0.20, (0.86, 0.05, 0.05, 0.03, 0.01), 4.0, 0.7, 0.25,
            (0.30, 0.55, 0.15), (0.12, 0.20, 0.10, 0.08, 0.12, 0.10, 0.08, 0.20), 0.40,
            (0.06, 0.18, 0.24, 0.24, 0.18, 0.10), (0.25, 0.20, 0.20, 0.20, 0.15), 1.6),
    Persona("Social trend seekers", 0.16, (0.10, 0.22, 0.02, 0.02, 0.64), 6.5, 0.6, 0.30,
            (0.35, 0.50, 0.15), (0.06, 0.06, 0.40, 0.34, 0.06, 0.03, 0.02, 0.03), 0.50,
            (0.42, 0.38, 0.12, 0.05, 0.02, 0.01), (0.2, 0.2, 0.2, 0.2, 0.2), 1.4),
)


def as_matrix(attr: str) -> np.ndarray:
    """One persona attribute stacked to shape (n_personas, ...), rows normalised if a distribution."""
    m = np.array([getattr(p, attr) for p in PERSONAS], dtype=float)
    if m.ndim == 2:
        m = m / m.sum(axis=1, keepdims=True)
    return m
