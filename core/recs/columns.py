"""Column names and fixed vocabularies of the recommendations package, defined once."""

from __future__ import annotations

CUSTOMER = "customer_id"
PRODUCT = "product_id"
CUSTOMER_IDX = "customer_idx"
PRODUCT_IDX = "product_idx"
TS = "ts"
KIND = "kind"
CHANNEL = "channel"
SCORE = "score"
RANK = "rank"
EXPLANATION = "explanation"
SOURCE = "source"  # which signal produced a recommendation: model, segment popularity, overall popularity
MODEL = "model"
SEGMENT = "segment"

NAME = "name"
CATEGORY = "category"
BRAND = "brand"
PRICE = "price"
DESCRIPTION = "description"
PRICE_TIER = "price_tier"

PURCHASE, CART, VIEW = "purchase", "cart", "view"
EVENT_WEIGHTS: dict[str, float] = {PURCHASE: 1.0, CART: 0.3, VIEW: 0.1}
"""Default weight of one interaction of each kind: a bought line counts ten product views."""

PRICE_TIERS: tuple[str, ...] = ("budget", "mid", "premium")
"""Price tiers: terciles of the list price within each category (not a stored column)."""

NO_SEGMENT = "no purchases yet"
