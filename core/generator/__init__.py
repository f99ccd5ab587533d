"""Seeded omnichannel sample data with a known truth (personas and marketing-mix response).

``generate_database`` is deterministic for a seed: the same seed gives the same rows.
The lift tests in ``experiments`` come from their own generator, ``default_rng([seed, 11])``,
so they never shift the other tables' draws; what they measure is in
:mod:`core.generator.experiments`. ``truth_customer_future`` (each customer's 52 weeks after
the data end) likewise has its own generator, ``default_rng([seed, 13])``
(:mod:`core.generator.future`). Campaigns, their share of the weekly spend and the marketing
touchpoints with their attribution truth come from ``default_rng([seed, 14])``
(:mod:`core.generator.campaigns`, :mod:`core.generator.touchpoints`).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from core.errors import OmnimixError
from core.generator.campaigns import draw_campaigns
from core.generator.catalogue import ProductSampler, make_catalogue
from core.generator.customers import draw_customers
from core.generator.events import draw_events
from core.generator.experiments import EXPERIMENT_STREAM, draw_experiments
from core.generator.future import FUTURE_STREAM, draw_future
from core.generator.marketing import baseline_shape, build_truth, week_starts
from core.generator.orders import draw_orders
from core.generator.touchpoints import TOUCH_STREAM, draw_touchpoints
from core.generator.writer import write_all, write_touchpoints
from core.store import derived
from core.store.schema import TABLES, add_primary_keys, create_schema
from core.warmup import warm_caches

SAMPLE_START = dt.date(2023, 1, 2)  # a Monday
BRANDS_PER_CATEGORY = 8


def n_products_for(n_customers: int) -> int:
    return int(np.clip(n_customers // 20, 200, 5000))


def generate_into(con: duckdb.DuckDBPyConnection, *, n_customers: int, seed: int, n_weeks: int = 156,
                  start: dt.date = SAMPLE_START) -> None:
    """Fill an open, empty connection with the sample (schema created here, keys added at the end)."""
    rng = np.random.default_rng(seed)
    weeks = week_starts(pd.Timestamp(start), n_weeks)
    catalogue = make_catalogue(n_products_for(n_customers), rng, BRANDS_PER_CATEGORY)
    sampler = ProductSampler(catalogue, BRANDS_PER_CATEGORY, rng)
    line_tier = catalogue.groupby("brand_idx")["tier_idx"].first().to_numpy()
    customers = draw_customers(n_customers, n_weeks, line_tier, BRANDS_PER_CATEGORY, rng)

    # The truth's exact weekly shape depends on the total revenue only through scale, so draw
    # it with a provisional total, then rebuild it with the realised total and the same seed.
    truth_rng_state = rng.bit_generator.state
    _, _, _, shape = build_truth(weeks, 1.0, rng)
    prices = catalogue["price"].to_numpy()
    orders, total = draw_orders(customers, prices, sampler, shape / shape.mean(), rng)
    events = draw_events(orders, customers, sampler, rng)
    rng.bit_generator.state = truth_rng_state
    spend, truth, weekly, _ = build_truth(weeks, total, rng)
    experiments = draw_experiments(weekly, spend, np.random.default_rng([seed, EXPERIMENT_STREAM]))
    future = draw_future(customers, n_weeks, prices, sampler, np.random.default_rng([seed, FUTURE_STREAM]))
    touch_rng = np.random.default_rng([seed, TOUCH_STREAM])
    campaigns = draw_campaigns(weeks, spend, touch_rng)
    touches, incremental = draw_touchpoints(customers, orders, campaigns, spend, n_weeks, touch_rng)

    create_schema(con, with_keys=False)
    write_all(con, start, catalogue, customers, orders, events, spend, truth, weekly, experiments, future)
    write_touchpoints(con, start, campaigns, touches, incremental)
    add_primary_keys(con)
    derived.refresh(con)


def generate_database(path: str | Path, *, n_customers: int, seed: int, n_weeks: int = 156,
                      overwrite: bool = False, warm: bool = True) -> dict:
    """Generate the sample into a new DuckDB file at ``path``, then (with ``warm``) warm the caches for it.

    The file is built under a temporary name and moved into place at the end, so an
    interrupted run never leaves a half-written database behind.  The warm-up
    (:func:`core.warmup.warm_caches`) runs on the finished file; a step of it that fails is
    reported in ``warm_up`` and never fails the generation.

    Returns
    -------
    dict with ``db``, ``customers``, ``seed``, ``weeks``, ``seconds`` (writing the file),
    ``rows`` per table and, with ``warm``, ``warm_up`` (:meth:`core.warmup.WarmUp.as_dict`)
    and ``warm_notes`` (one sentence per failed step).
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OmnimixError(f"Database {path} already exists; pass --force to overwrite it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    t0 = time.perf_counter()
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("SET enable_progress_bar = false")
            generate_into(con, n_customers=n_customers, seed=seed, n_weeks=n_weeks)
            rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)
        Path(f"{path}.wal").unlink(missing_ok=True)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    out = {"db": str(path), "customers": n_customers, "seed": seed, "weeks": n_weeks,
           "seconds": round(time.perf_counter() - t0, 2), "rows": rows}
    if warm:
        done = warm_caches(path)
        out |= {"warm_up": done.as_dict(), "warm_notes": done.notes}
    return out


__all__ = ["generate_database", "generate_into", "warm_caches", "SAMPLE_START", "baseline_shape"]
