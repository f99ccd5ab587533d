"""Printing results: JSON for scripts (``--json``), short text for people."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.privacy import integer_counts


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def to_jsonable(value: Any) -> Any:
    """Turn DataFrames, numpy scalars, dates and NaN into plain JSON values.

    Counts hidden by the privacy rule are ``null`` next to their ``<count>_hidden`` flag
    (:mod:`core.privacy`); the shown ones are written as integers, as before they were hidden.
    """
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in integer_counts(value).to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return to_jsonable(value.to_dict())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    return value


def text_table(df: pd.DataFrame, *, right: Sequence[str] = (), widths: Mapping[str, int] | None = None,
               indent: str = "  ") -> list[str]:
    """The rows of ``df`` (text already formatted) as aligned lines, by ``DataFrame.to_string``.

    Parameters
    ----------
    df : DataFrame
        One column per field, values already written as text (``"€2.63M"``); no header, no index.
    right : sequence of str, default=()
        Columns aligned right (figures); the others are aligned left.
    widths : mapping of str to int, optional
        Smallest width of a column, so reports keep their layout whatever the values.
    indent : str, default="  "
        Put before every line; trailing spaces are dropped.

    Returns
    -------
    list of str, one per row (empty for an empty table).
    """
    if df.empty:
        return []
    widths = widths or {}
    formatters = {}
    for c in df.columns:
        width = max(widths.get(c, 0), int(df[c].astype(str).str.len().max()))
        align = ">" if c in right else "<"
        formatters[c] = lambda v, w=width, a=align: f"{v:{a}{w}}"
    text = df.astype(str).to_string(header=False, index=False, formatters=formatters)
    return [indent + line.rstrip() for line in text.splitlines()]


def emit(args: argparse.Namespace, payload: dict, text: str) -> int:
    print(json.dumps(to_jsonable(payload), indent=2) if getattr(args, "json", False) else text)
    return 0
