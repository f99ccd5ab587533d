"""Orders and order lines whose weekly revenue realises the marketing-mix truth curve.

Each customer's number of orders, channels and baskets are drawn first; then a weekly
intensity ``m`` is solved so that, in expectation, every week's order revenue equals the
truth curve, and each order's week is drawn from ``m`` inside the customer's active window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.generator.catalogue import ProductSampler
from core.generator.customers import CustomerDraw
from core.generator.incidents import plant_incidents
from core.generator.personas import PERSONAS, SALES_CHANNELS

STORE = SALES_CHANNELS.index("store")
# Day-of-week weights (Mon..Sun): stores peak on Saturday, online on Sunday evening.
_DOW_STORE = np.array([0.11, 0.11, 0.12, 0.13, 0.16, 0.22, 0.15])
_DOW_ONLINE = np.array([0.15, 0.14, 0.14, 0.14, 0.13, 0.13, 0.17])


@dataclass
class OrderDraw:
    customer: np.ndarray  # (n_orders,) int32, sorted by time
    channel: np.ndarray  # (n_orders,) int8 index into SALES_CHANNELS
    ts: np.ndarray  # (n_orders,) int64 seconds since the first sample Monday
    item_order: np.ndarray  # (n_items,) int32 index into orders
    item_product: np.ndarray  # (n_items,) int32
    item_quantity: np.ndarray  # (n_items,) int32
    item_unit_price: np.ndarray  # (n_items,) float64


def draw_products(cust: np.ndarray, customers: CustomerDraw, sampler: ProductSampler,
                  rng: np.random.Generator) -> np.ndarray:
    """One product per entry of ``cust``: favourite brand line, favourite categories, or persona taste."""
    u = rng.random(cust.shape[0])
    out = np.empty(cust.shape[0], dtype=np.int32)
    fav = u < 0.45
    out[fav] = sampler.in_lines(customers.favourite_line[cust[fav]], rng)
    cat_pick = (u >= 0.45) & (u < 0.75)
    c = cust[cat_pick]
    cats = np.where(rng.random(c.shape[0]) < 0.7, customers.main_category[c], customers.second_category[c])
    out[cat_pick] = sampler.in_categories(cats, rng)
    rest = np.flatnonzero(u >= 0.75)
    persona = customers.persona[cust[rest]]
    for p, spec in enumerate(PERSONAS):
        sel = rest[persona == p]
        taste = np.asarray(spec.category_taste) / np.sum(spec.category_taste)
        out[sel] = sampler.in_categories(rng.choice(len(taste), size=sel.shape[0], p=taste), rng)
    return out


def solve_week_intensity(first: np.ndarray, end: np.ndarray, value: np.ndarray, target: np.ndarray,
                         iterations: int = 60) -> np.ndarray:
    """Weekly intensity ``m`` so that spreading each customer's value over its window ∝ m hits ``target``."""
    n_weeks = target.shape[0]
    m = np.ones(n_weeks)
    for _ in range(iterations):
        cum = np.concatenate([[0.0], np.cumsum(m)])
        per_unit = value / (cum[end] - cum[first])
        diff = np.bincount(first, per_unit, minlength=n_weeks + 1) - np.bincount(end, per_unit, minlength=n_weeks + 1)
        expected = m * np.cumsum(diff)[:n_weeks]
        m *= np.where(expected > 0, target / np.maximum(expected, 1e-12), 1.0)
    return m


def draw_baskets(cust: np.ndarray, customers: CustomerDraw, prices: np.ndarray, sampler: ProductSampler,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Basket lines for orders placed by ``cust`` (one entry per order): persona basket size, tastes, promos.

    Returns
    -------
    item_order, item_product, quantity, unit_price : ndarray of shape (n_items,)
        Lines sorted by (order, product); ``item_order`` indexes ``cust``.
    """
    persona = customers.persona
    n_orders = cust.shape[0]
    extra = np.array([p.extra_items for p in PERSONAS])[persona[cust]]
    n_items = 1 + np.minimum(rng.poisson(extra), 7)
    item_order = np.repeat(np.arange(n_orders, dtype=np.int64), n_items)
    item_product = draw_products(cust[item_order], customers, sampler, rng)
    # The same product twice in a basket becomes one line with a larger quantity.
    key, counts = np.unique(item_order * prices.shape[0] + item_product, return_counts=True)
    item_order = (key // prices.shape[0]).astype(np.int32)
    item_product = (key % prices.shape[0]).astype(np.int32)
    quantity = (counts + (rng.random(key.shape[0]) < 0.12)).astype(np.int32)
    promo_rate = np.array([p.promo_rate for p in PERSONAS])[persona[cust[item_order]]]
    discount = np.where(rng.random(key.shape[0]) < promo_rate, rng.choice([0.1, 0.15, 0.2, 0.3, 0.4], key.shape[0]), 0.0)
    unit_price = np.round(prices[item_product] * (1 - discount), 2)
    return item_order, item_product, quantity, unit_price


def draw_orders(customers: CustomerDraw, prices: np.ndarray, sampler: ProductSampler, target_shape: np.ndarray,
                rng: np.random.Generator) -> tuple[OrderDraw, float]:
    """Draw all orders; ``target_shape`` (mean one) is scaled to the revenue the baskets carry.

    Returns the orders and the total revenue, so the caller can build the truth curve from it
    and the realised weekly revenue follows ``target_shape``.
    """
    n_weeks = target_shape.shape[0]
    persona = customers.persona
    weeks_active = (customers.end_week - customers.first_week).astype(float)
    n_orders_c = rng.poisson(customers.order_rate * weeks_active / 52.0)
    cust = np.repeat(np.arange(persona.shape[0], dtype=np.int32), n_orders_c)
    n_orders = cust.shape[0]

    u = rng.random(n_orders)
    channel = np.zeros(n_orders, dtype=np.int8)
    for j in range(len(SALES_CHANNELS) - 1):  # column by column: no (n_orders, channels) temporary
        channel += u > customers.channel_cum[cust, j]

    item_order, item_product, quantity, unit_price = draw_baskets(cust, customers, prices, sampler, rng)
    order_value = np.bincount(item_order, quantity * unit_price, minlength=n_orders)
    total = float(order_value.sum())
    customer_value = np.bincount(cust, order_value, minlength=persona.shape[0])
    buyers = customer_value > 0
    m = solve_week_intensity(customers.first_week[buyers], customers.end_week[buyers], customer_value[buyers],
                             target_shape * total / target_shape.sum())

    cum = np.concatenate([[0.0], np.cumsum(m)])
    lo, hi = cum[customers.first_week[cust]], cum[customers.end_week[cust]]
    week = (np.searchsorted(cum, lo + rng.random(n_orders) * (hi - lo), side="right") - 1).clip(0, n_weeks - 1)
    channel = plant_incidents(channel, week, n_weeks, rng)
    is_store = channel == STORE
    dow = np.where(is_store, rng.choice(7, n_orders, p=_DOW_STORE), rng.choice(7, n_orders, p=_DOW_ONLINE))
    hour = np.where(is_store, rng.uniform(9, 20, n_orders), (rng.normal(19.5, 3.5, n_orders) % 24))
    ts = week.astype(np.int64) * 7 * 86400 + dow * 86400 + (hour * 3600).astype(np.int64)
    # Nobody orders before signing up: push such orders to just after the signup moment.
    signup_ts = customers.signup_day[cust].astype(np.int64) * 86400
    ts = np.maximum(ts, signup_ts + 3600 + (ts % 3600))
    ts = np.minimum(ts, n_weeks * 7 * 86400 - 1)

    order_sort = np.argsort(ts, kind="stable")
    rank = np.empty(n_orders, dtype=np.int32)
    rank[order_sort] = np.arange(n_orders, dtype=np.int32)
    item_order = rank[item_order]
    item_sort = np.argsort(item_order, kind="stable")  # lines of an order stay sorted by product
    draw = OrderDraw(cust[order_sort], channel[order_sort], ts[order_sort], item_order[item_sort],
                     item_product[item_sort], quantity[item_sort], unit_price[item_sort])
    return draw, total
