"""What each acquisition channel costs per new customer, and what its customers are worth.

CAC (cost to acquire a customer) of a channel = its marketing spend in the period ÷ the
customers whose ``acquisition_channel`` is that channel and who signed up in the period.
Channels without any spend in the period (the sales channels: web, app, store, …) have no
CAC; :func:`channel_value` says so in ``has_spend`` instead of dividing by nothing.

Every count here describes a group of customers, so groups of fewer than
:data:`core.privacy.MIN_GROUP_SIZE` are hidden with :func:`core.privacy.hide_groups`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.filters import Filters
from core.privacy import MIN_GROUP_SIZE, hide_groups

if TYPE_CHECKING:
    import duckdb

UNKNOWN = "unknown"
"""Channel name of customers without an ``acquisition_channel``."""


def acquisition_cost(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Spend, new customers and CAC per channel in the period of ``filters`` (channels ignored).

    Marketing spend covers all channels whatever the sales-channel filter, as on every page.

    Returns
    -------
    DataFrame with one row per channel that spent or acquired someone in the period:
    ``channel``, ``spend`` (EUR, 0 without spend), ``new_customers``, ``cac`` (EUR per new
    customer; NaN without spend or new customers), ``has_spend`` (bool). Not yet privacy-checked.
    """
    period = Filters(filters.start, filters.end, None)
    spend_where, params = period.sql("week", None)
    signup_where, _ = period.sql("signup_date", None)
    df = con.execute(
        f"""
        WITH spend AS (
            SELECT channel, sum(spend) AS spend FROM marketing_spend WHERE {spend_where} GROUP BY channel
        ), acquired AS (
            SELECT coalesce(acquisition_channel, '{UNKNOWN}') AS channel, count(*) AS new_customers
            FROM customers WHERE {signup_where} GROUP BY 1
        )
        SELECT coalesce(s.channel, a.channel) AS channel, coalesce(s.spend, 0) AS spend,
               coalesce(a.new_customers, 0) AS new_customers
        FROM spend s FULL OUTER JOIN acquired a ON s.channel = a.channel
        ORDER BY channel
        """,
        params,
    ).df()
    df["new_customers"] = df["new_customers"].astype("int64")
    df["has_spend"] = df["spend"] > 0
    df["cac"] = np.where(df["has_spend"] & (df["new_customers"] > 0),
                         df["spend"] / df["new_customers"].where(df["new_customers"] > 0), np.nan)
    return df


def acquisition_channels(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``customer_id`` and ``acquisition_channel`` (``"unknown"`` when missing) of every customer."""
    return con.execute(
        f"SELECT customer_id, coalesce(acquisition_channel, '{UNKNOWN}') AS acquisition_channel FROM customers"
    ).df()


def channel_value(clv: pd.DataFrame, channels: pd.DataFrame, cost: pd.DataFrame, *,
                  min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Mean CLV of each acquisition channel's customers beside its CAC, and their ratio.

    Parameters
    ----------
    clv : DataFrame
        ``customer_id`` and ``clv`` (EUR) of the scored customers.
    channels : DataFrame
        Output of :func:`acquisition_channels`.
    cost : DataFrame
        Output of :func:`acquisition_cost`.
    min_size : int, default=MIN_GROUP_SIZE

    Returns
    -------
    DataFrame, one row per channel, by mean CLV: ``channel``, ``customers`` (scored customers
    acquired there), ``mean_clv``, ``total_clv``, ``new_customers`` (in the period), ``spend``,
    ``cac``, ``clv_to_cac`` (mean CLV ÷ CAC), ``has_spend``. Counts of fewer than ``min_size``
    are hidden (NaN + ``<count>_hidden``), and so are the figures derived from them.
    """
    scored = clv[["customer_id", "clv"]].merge(channels, on="customer_id", how="left")
    scored["acquisition_channel"] = scored["acquisition_channel"].fillna(UNKNOWN)
    per = (scored.groupby("acquisition_channel")["clv"].agg(customers="size", mean_clv="mean", total_clv="sum")
           .reset_index().rename(columns={"acquisition_channel": "channel"}))
    out = per.merge(cost, on="channel", how="outer")
    out["customers"] = out["customers"].fillna(0).astype("int64")
    out["new_customers"] = out["new_customers"].fillna(0).astype("int64")
    out["spend"] = out["spend"].fillna(0.0)
    out["has_spend"] = out["has_spend"].astype("boolean").fillna(False).astype(bool)
    out = hide_groups(out, "customers", min_size=min_size, value_columns=["mean_clv", "total_clv"])
    out = hide_groups(out, "new_customers", min_size=min_size, value_columns=["cac"], keep_zero=True)
    out["clv_to_cac"] = out["mean_clv"] / out["cac"]
    out = out.sort_values(["mean_clv", "channel"], ascending=[False, True], na_position="last")
    return out.reset_index(drop=True)[["channel", "customers", "customers_hidden", "mean_clv", "total_clv",
                                       "new_customers", "new_customers_hidden", "spend", "cac", "clv_to_cac",
                                       "has_spend"]]
