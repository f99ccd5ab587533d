"""Printing results: JSON for scripts (``--json``), short text for people."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
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


def emit(args: argparse.Namespace, payload: dict, text: str) -> int:
    print(json.dumps(to_jsonable(payload), indent=2) if getattr(args, "json", False) else text)
    return 0
