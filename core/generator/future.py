"""Each customer's future after the data ends (the ``truth_customer_future`` table).

The same process as the generator's orders, carried on past the last week:

* a customer is **active at the end** when their exponential lifetime (drawn with the rest
  of the customer, ``CustomerDraw.life_end_week``) ends after the last week of data;
* in the ``FUTURE_WEEKS`` (52) weeks after the data end an active customer stays active for
  ``min(life_end_week - n_weeks, 52)`` weeks and places Poisson(``order_rate`` × those weeks
  / 52) orders, exactly like the orders inside the data;
* each future order gets a basket drawn by the same code as the data's baskets
  (:func:`core.generator.orders.draw_baskets`: persona basket size, favourite brand line and
  categories, promotions), so ``future_revenue`` is the sum of quantity × unit price;
* each future order falls on a uniform day of the customer's future active weeks (the data's
  seasonality is not carried on). ``future_orders`` counts distinct purchase days, the unit
  the CLV models use for frequency; ``future_revenue`` includes every order, also a second
  order on the same day (rare: at most 14 orders a year on average per persona).

Churned customers therefore have no future orders. The draws use their own generator,
``default_rng([seed, FUTURE_STREAM])``, so every other generated table is byte-identical to
a run without this table.
"""

from __future__ import annotations

import numpy as np

from core.generator.catalogue import ProductSampler
from core.generator.customers import CustomerDraw
from core.generator.orders import draw_baskets

FUTURE_STREAM = 13
"""Second word of the future's seed sequence: ``np.random.default_rng([seed, FUTURE_STREAM])``."""
FUTURE_WEEKS = 52


def draw_future(customers: CustomerDraw, n_weeks: int, prices: np.ndarray, sampler: ProductSampler,
                rng: np.random.Generator, *, weeks: int = FUTURE_WEEKS) -> dict[str, np.ndarray]:
    """Simulate every customer's ``weeks`` after week ``n_weeks`` (see the module docstring).

    Parameters
    ----------
    customers : CustomerDraw
        The customers the data's orders were drawn for.
    n_weeks : int
        Weeks of data; the future starts at week ``n_weeks``.
    prices : ndarray of shape (n_products,)
        List prices of the catalogue.
    sampler : ProductSampler
        The catalogue's product sampler (only its fixed pools are used; draws come from ``rng``).
    rng : numpy.random.Generator
        The future's own generator.
    weeks : int, default=52
        Length of the simulated future.

    Returns
    -------
    dict of ndarray of shape (n_customers,)
        ``active_at_end`` (bool), ``future_orders`` (int64, distinct purchase days) and
        ``future_revenue`` (float64, EUR, rounded to cents).
    """
    n = customers.persona.shape[0]
    active = customers.life_end_week > n_weeks
    future_weeks = np.clip(customers.life_end_week - n_weeks, 0, weeks).astype(float)
    n_orders_c = rng.poisson(customers.order_rate * future_weeks / 52.0)
    cust = np.repeat(np.arange(n, dtype=np.int32), n_orders_c)
    item_order, _, quantity, unit_price = draw_baskets(cust, customers, prices, sampler, rng)
    order_value = np.bincount(item_order, quantity * unit_price, minlength=cust.shape[0])
    day = np.floor(rng.random(cust.shape[0]) * future_weeks[cust] * 7).astype(np.int64)
    purchase_days = np.unique(cust.astype(np.int64) * (weeks * 7) + day) // (weeks * 7)
    return {
        "active_at_end": active,
        "future_orders": np.bincount(purchase_days, minlength=n).astype(np.int64),
        "future_revenue": np.round(np.bincount(cust, order_value, minlength=n), 2),
    }
