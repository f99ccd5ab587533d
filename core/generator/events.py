"""Browsing events (view → cart → purchase) that lead to the orders at channel-dependent rates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.generator.catalogue import ProductSampler
from core.generator.customers import CustomerDraw
from core.generator.orders import OrderDraw, draw_products
from core.generator.personas import PERSONAS, SALES_CHANNELS

VIEW, CART, PURCHASE = 0, 1, 2
EVENT_TYPE_NAMES = ("view", "cart", "purchase")
WEB = SALES_CHANNELS.index("web")
# Per purchased line: extra product views and abandoned carts, by channel (web, app, store, marketplace, social).
_EXTRA_VIEWS = np.array([2.2, 1.4, 0.0, 2.8, 4.0])
_ABANDONED_CARTS = np.array([0.45, 0.30, 0.0, 0.55, 0.70])
_WEBROOMING = 0.3  # share of store lines the customer looked at on the web first


@dataclass
class EventDraw:
    customer: np.ndarray  # int32
    product: np.ndarray  # int32
    channel: np.ndarray  # int8 index into SALES_CHANNELS
    event_type: np.ndarray  # int8 index into EVENT_TYPE_NAMES
    ts: np.ndarray  # int64 seconds since the first sample Monday


def draw_events(orders: OrderDraw, customers: CustomerDraw, sampler: ProductSampler, rng: np.random.Generator) -> EventDraw:
    line_order = orders.item_order
    cust = orders.customer[line_order]
    channel = orders.channel[line_order]
    ts = orders.ts[line_order]
    product = orders.item_product
    online = _EXTRA_VIEWS[channel] > 0
    n = line_order.shape[0]

    parts: list[tuple[np.ndarray, ...]] = []
    # The purchased line itself: purchase, the cart before it and a view before that.
    o = np.flatnonzero(online)
    parts.append((cust[o], product[o], channel[o], np.full(o.shape[0], PURCHASE), ts[o]))
    parts.append((cust[o], product[o], channel[o], np.full(o.shape[0], CART), ts[o] - rng.integers(60, 3600, o.shape[0])))
    parts.append((cust[o], product[o], channel[o], np.full(o.shape[0], VIEW), ts[o] - rng.integers(3600, 3 * 86400, o.shape[0])))
    # Webrooming: a store purchase looked at on the web first.
    w = np.flatnonzero(~online & (rng.random(n) < _WEBROOMING))
    parts.append((cust[w], product[w], np.full(w.shape[0], WEB), np.full(w.shape[0], VIEW), ts[w] - rng.integers(3600, 5 * 86400, w.shape[0])))
    # Browsing that did not convert: more views, and carts abandoned, on products the customer likes.
    intensity = np.array([p.browse_intensity for p in PERSONAS])[customers.persona[cust]]
    for kind, rates in ((VIEW, _EXTRA_VIEWS), (CART, _ABANDONED_CARTS)):
        k = rng.poisson(rates[channel] * intensity)
        src = np.repeat(np.arange(n), k)
        c = cust[src]
        parts.append((c, draw_products(c, customers, sampler, rng), channel[src], np.full(src.shape[0], kind),
                      ts[src] - rng.integers(600, 7 * 86400, src.shape[0])))

    cols = [np.concatenate(col) for col in zip(*parts, strict=True)]
    ev_ts = np.maximum(cols[4], 0)
    return EventDraw(cols[0].astype(np.int32), cols[1].astype(np.int32), cols[2].astype(np.int8),
                     cols[3].astype(np.int8), ev_ts.astype(np.int64))
