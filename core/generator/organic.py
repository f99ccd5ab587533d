"""Organic search landing pages: keyword groups, traffic weights and their trend over time.

Each page belongs to one keyword group (brand, category, how-to or product) and has a traffic
weight that grows or shrinks exponentially over the sample; a few pages lose traffic (an
ageing how-to guide, a category page that slipped in the rankings), which the SEO view of the
Campaigns & content page should find.  The purchase-chance raise of an organic visit depends
on its keyword group (``GROUP_LIFT``).
"""

from __future__ import annotations

import numpy as np

from core.generator.personas import CATEGORIES

KEYWORD_GROUPS: tuple[str, ...] = ("brand", "category", "how-to", "product")
GROUP_LIFT = np.array([0.02, 0.07, 0.04, 0.11])
"""Purchase-chance raise of one organic visit per keyword group (KEYWORD_GROUPS order)."""
GROUP_ENGAGED = np.array([0.70, 0.55, 0.65, 0.60])
"""Chance an organic visit is engaged (GA4: over 10 s or 2+ pages) per keyword group."""


def _slug(text: str) -> str:
    return text.lower().replace(" & ", "-").replace(" ", "-")


_GUIDES = ("how-to-choose-a-laptop", "how-to-clean-a-coffee-machine", "how-to-pick-running-shoes",
           "skincare-routine-guide", "board-games-for-kids", "how-to-pack-for-a-hike")
_LOSING = {"/guides/how-to-choose-a-laptop", "/guides/skincare-routine-guide", "/c/books", "/c/electronics/best-sellers"}

# (landing page, keyword group index, weight, yearly log-trend)
PAGES: tuple[tuple[str, int, float, float], ...] = (
    ("/", 0, 6.0, 0.06),
    ("/stores", 0, 1.0, 0.02),
    *((f"/c/{_slug(c)}", 1, 1.2, 0.05) for c in CATEGORIES),
    *((f"/guides/{g}", 2, 0.8, 0.08) for g in _GUIDES),
    *((f"/c/{_slug(c)}/best-sellers", 3, 0.7, 0.04) for c in CATEGORIES),
)
PAGES = tuple((p, g, w, -0.45 if p in _LOSING else t) for p, g, w, t in PAGES)
PAGE_NAMES: tuple[str, ...] = tuple(p[0] for p in PAGES)
PAGE_GROUP = np.array([p[1] for p in PAGES], dtype=np.int8)


def page_weights(n_weeks: int) -> np.ndarray:
    """Traffic weight of every page in every week, shape (n_weeks, n_pages)."""
    t = np.arange(n_weeks)[:, None] / 52.0
    base = np.array([p[2] for p in PAGES])[None, :]
    trend = np.array([p[3] for p in PAGES])[None, :]
    return base * np.exp(trend * t)
