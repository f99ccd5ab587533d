"""Attribution results kept on disk between processes, keyed by the database file's identity.

At a million customers the models take tens of seconds, and the result is a few small tables.
So the per-channel results (the long table, errors, summary, skipped models, truth scope) of a
view (database file, filters, lookback, half-life) are written once under the cache directory
and read back by any later process: the dashboard after a restart, or its first visitor after
``omnimix generate`` (which computes the page's default view, see :func:`warm_default_view`).

The key holds the file's path, inode, modification time and size, so any load or rewrite of
the database makes a new key and the old entries are never read again (they are pruned, oldest
first, beyond :data:`MAX_ENTRIES`); it also holds a digest of this package's source, so changed
code never reads results of the old one. A cache that cannot be written only costs speed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from core import cache as omnimix_cache
from core.attribution.compare import analyse
from core.attribution.paths import DEFAULT_LOOKBACK_DAYS
from core.attribution.rules import DEFAULT_HALF_LIFE_DAYS
from core.filters import Filters

if TYPE_CHECKING:
    import duckdb

CACHE_ENV = omnimix_cache.ENV
MAX_ENTRIES = 64
DEFAULT_PERIOD_DAYS = 364
"""The dashboard's default period (the last 52 weeks of orders, ``dashboard.state.DEFAULT_DAYS``)."""
_META = ("errors", "summary", "skipped", "has_truth", "truth_scope")


def cache_dir() -> Path | None:
    """``attribution`` in the project's cache folder (:func:`core.cache.cache_dir`); None when the cache is off."""
    root = omnimix_cache.cache_dir()
    return None if root is None else root / "attribution"


@cache
def _code_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def view_key(db: str | Path, filters: Filters, lookback_days: int, half_life_days: float) -> str | None:
    """Name of the cache entry of a view; None when the database file does not exist."""
    try:
        st = os.stat(db)
    except OSError:
        return None
    parts = [os.path.realpath(db), st.st_ino, st.st_mtime_ns, st.st_size,
             filters.start and filters.start.isoformat(), filters.end and filters.end.isoformat(),
             None if filters.channels is None else sorted(filters.channels), int(lookback_days),
             float(half_life_days), _code_digest()]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def compute_view(con: duckdb.DuckDBPyConnection, filters: Filters, lookback_days: int = DEFAULT_LOOKBACK_DAYS,
                 half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> dict:
    """Every model's per-channel table and what goes with it (no per-touch arrays): what is cached."""
    report = analyse(con, filters, lookback_days=lookback_days, half_life_days=half_life_days)
    return {"table": report.table, "errors": report.errors, "summary": report.summary,
            "skipped": report.result.skipped, "has_truth": report.has_truth, "truth_scope": report.truth_scope}


def load_view(key: str | None) -> dict | None:
    """The cached view under ``key``, or None (no key, no entry, or an unreadable one)."""
    root = cache_dir()
    if key is None or root is None:
        return None
    entry = root / key
    try:
        meta = json.loads((entry / "meta.json").read_text())
        table = pd.read_parquet(entry / "table.parquet")
    except (OSError, ValueError):
        return None
    return {"table": table, **{k: meta[k] for k in _META}}


def save_view(key: str | None, view: dict) -> None:
    """Store ``view`` under ``key`` (written aside, then renamed into place: readers never see half)."""
    root = cache_dir()
    if key is None or root is None:
        return
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
        view["table"].to_parquet(tmp / "table.parquet", index=False)
        (tmp / "meta.json").write_text(json.dumps({k: view[k] for k in _META}))
        try:
            tmp.rename(root / key)
        except OSError:  # another process stored the same view first
            shutil.rmtree(tmp, ignore_errors=True)
        _prune(root)
    except OSError:
        return  # e.g. a read-only home: the view is simply computed again next time


def _prune(root: Path) -> None:
    entries = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        shutil.rmtree(old, ignore_errors=True)


def default_filters(first: dt.date, last: dt.date) -> Filters:
    """The dashboard's default filters for orders from ``first`` to ``last``: the last 52 weeks, every channel."""
    return Filters(max(first, last - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)), last, None)


def warm_default_view(db: str | Path) -> bool:
    """Compute and store the Attribution page's default view of ``db``; False when there is nothing to attribute.

    Run after a database is written (``omnimix generate``) so the page's first visitor does not wait.
    """
    from core.attribution.paths import has_touchpoints
    from core.filters import data_date_range
    from core.store.db import open_db

    with open_db(db, read_only=True) as con:
        first, last = data_date_range(con)
        if first is None or not has_touchpoints(con):
            return False
        filters = default_filters(first, last)
        key = view_key(db, filters, DEFAULT_LOOKBACK_DAYS, DEFAULT_HALF_LIFE_DAYS)
        if load_view(key) is None:
            save_view(key, compute_view(con, filters))
    return True
