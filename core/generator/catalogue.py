"""Product catalogue: categories → brands (each with a price tier) → products with text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.generator.personas import CATEGORIES, PRICE_TIERS

_BASE_PRICE = {"Electronics": 180.0, "Home & Kitchen": 55.0, "Fashion": 45.0, "Beauty": 22.0,
               "Sports & Outdoors": 60.0, "Toys & Kids": 28.0, "Grocery": 9.0, "Books": 16.0}
_TIER_FACTOR = np.array([0.55, 1.0, 2.1])
_NOUNS = {
    "Electronics": ["Headphones", "Speaker", "Smartwatch", "Charger", "Tablet", "Camera", "Keyboard", "Monitor"],
    "Home & Kitchen": ["Blender", "Pan Set", "Kettle", "Cushion", "Lamp", "Knife Block", "Toaster", "Storage Box"],
    "Fashion": ["Sneakers", "Jacket", "Jeans", "T-Shirt", "Dress", "Scarf", "Backpack", "Sunglasses"],
    "Beauty": ["Face Serum", "Lipstick", "Shampoo", "Moisturiser", "Perfume", "Nail Polish", "Mascara", "Body Lotion"],
    "Sports & Outdoors": ["Yoga Mat", "Running Shoes", "Tent", "Water Bottle", "Dumbbells", "Bike Helmet", "Rain Shell", "Hiking Poles"],
    "Toys & Kids": ["Building Set", "Puzzle", "Plush Bear", "Board Game", "Toy Car", "Art Kit", "Doll", "Baby Blanket"],
    "Grocery": ["Coffee Beans", "Olive Oil", "Granola", "Green Tea", "Dark Chocolate", "Pasta", "Honey", "Spice Mix"],
    "Books": ["Cookbook", "Thriller", "Travel Guide", "Biography", "Sci-Fi Novel", "Kids Book", "Self-Help", "Poetry"],
}
_ADJECTIVES = ["Classic", "Pro", "Eco", "Compact", "Deluxe", "Everyday", "Ultra", "Smart", "Vintage", "Lite", "Premium", "Essential"]
_FEATURES = ["water-resistant", "recycled materials", "two-year warranty", "lightweight", "gift-ready packaging",
             "award-winning design", "hand-finished", "organic", "fast charging", "machine washable", "limited edition",
             "best seller", "ergonomic", "family size", "travel friendly", "energy efficient"]
_SYLLABLES = ["vo", "lix", "ar", "ten", "mo", "ra", "zen", "ka", "lu", "nor", "vi", "sto", "pel", "qua", "dri", "fa", "bel", "tor"]


def brand_names(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct, pronounceable made-up brand names."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        k = rng.integers(2, 4)
        name = "".join(rng.choice(_SYLLABLES, size=k)).capitalize()
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def make_catalogue(n_products: int, rng: np.random.Generator, brands_per_category: int = 8) -> pd.DataFrame:
    """The product table plus generator-only columns.

    Returns
    -------
    DataFrame with the ``products`` columns (product_id as integer index, renamed on write)
    plus ``category_idx``, ``brand_idx`` (global brand line), ``tier_idx`` and ``popularity``;
    rows are sorted by brand line so each line is one contiguous block.
    """
    n_cat = len(CATEGORIES)
    n_lines = n_cat * brands_per_category
    names = brand_names(n_lines, rng)
    line_tier = rng.choice(len(PRICE_TIERS), size=n_lines, p=[0.35, 0.4, 0.25])
    line_size = rng.multinomial(n_products - n_lines, rng.dirichlet(np.full(n_lines, 3.0))) + 1
    line_idx = np.repeat(np.arange(n_lines), line_size)
    cat_idx = line_idx // brands_per_category
    tier_idx = line_tier[line_idx]
    base = np.array([_BASE_PRICE[c] for c in CATEGORIES])[cat_idx]
    price = np.round(base * _TIER_FACTOR[tier_idx] * rng.lognormal(0.0, 0.35, n_products), 0) - 0.01
    price = np.maximum(price, 0.99)
    # Zipf-like popularity within each line, so a few products per brand sell most.
    rank = np.concatenate([rng.permutation(s) for s in line_size]) + 1
    popularity = (1.0 / rank**0.9) * rng.lognormal(0.0, 0.5, n_products)

    noun_pick = rng.integers(0, 8, n_products)
    adj_pick = rng.integers(0, len(_ADJECTIVES), n_products)
    first_feature = rng.integers(0, len(_FEATURES), n_products)
    feat = np.column_stack([first_feature, (first_feature + rng.integers(1, len(_FEATURES), n_products)) % len(_FEATURES)])
    cats = [CATEGORIES[i] for i in cat_idx]
    brands = [names[i] for i in line_idx]
    nouns = [_NOUNS[c][k] for c, k in zip(cats, noun_pick, strict=True)]
    adjs = [_ADJECTIVES[k] for k in adj_pick]
    tiers = [PRICE_TIERS[t] for t in tier_idx]
    product_names = [f"{b} {a} {n}" for b, a, n in zip(brands, adjs, nouns, strict=True)]
    descriptions = [
        f"{a} {n.lower()} from {b}, a {t} {c.lower()} brand: {_FEATURES[f0]}, {_FEATURES[f1]}."
        for a, n, b, t, c, (f0, f1) in zip(adjs, nouns, brands, tiers, cats, feat, strict=True)
    ]
    return pd.DataFrame({
        "product_idx": np.arange(n_products),
        "name": product_names,
        "category": cats,
        "brand": brands,
        "price": price,
        "description": descriptions,
        "category_idx": cat_idx,
        "brand_idx": line_idx,
        "tier_idx": tier_idx,
        "popularity": popularity,
    })


class ProductSampler:
    """Vectorised draws of products restricted to a brand line or a category.

    Each group gets a pool of ``pool_size`` products drawn once by popularity (products sit in
    contiguous blocks, so that is a search in the cumulative popularity between the group's
    bounds); a draw is then a random index into the pool, two array gathers instead of a
    binary search per item, which matters at tens of millions of lines.
    """

    def __init__(self, catalogue: pd.DataFrame, brands_per_category: int, rng: np.random.Generator,
                 pool_size: int = 4096):
        cum = np.concatenate([[0.0], np.cumsum(catalogue["popularity"].to_numpy())])
        self.line_pool = self._pools(cum, catalogue["brand_idx"].to_numpy(), rng, pool_size)
        self.cat_pool = self._pools(cum, catalogue["category_idx"].to_numpy(), rng, pool_size)
        self.pool_size = pool_size

    @staticmethod
    def _pools(cum: np.ndarray, group: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
        groups = np.arange(group.max() + 1)
        lo = np.searchsorted(group, groups, side="left")[:, None]
        hi = np.searchsorted(group, groups, side="right")[:, None]
        r = cum[lo] + rng.random((groups.shape[0], size)) * (cum[hi] - cum[lo])
        return np.clip(np.searchsorted(cum, r, side="right") - 1, lo, hi - 1).astype(np.int32)

    def in_lines(self, lines: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.line_pool[lines, rng.integers(0, self.pool_size, lines.shape[0])]

    def in_categories(self, cats: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.cat_pool[cats, rng.integers(0, self.pool_size, cats.shape[0])]
