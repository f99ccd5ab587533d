"""``omnimix export``: every table of a DuckDB database as Parquet, the lake a Spark engine reads.

Layout of the lake (``DIR``)::

    DIR/_omnimix.json                       manifest: tables, their columns and partition columns
    DIR/customers/data_0.parquet            small tables: one file
    DIR/orders/year=2024/month=3/*.parquet  orders, events, touchpoints: one folder per month

The month folders hold the derived ``year`` / ``month`` columns only in their names (Hive
partitioning); readers take the table's own columns from the manifest, so the table reads back
exactly as stored in DuckDB. Each file holds one month, so a date filter on the timestamp skips
the other months' files by their Parquet min/max statistics.

The export is atomic: it writes into a temporary folder next to ``DIR`` and renames it into
place at the end, so a failed export leaves any previous lake untouched and no half-written one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from core.errors import OmnimixError
from core.store.db import connect

MANIFEST = "_omnimix.json"
PARTITION_COLUMNS: tuple[str, str] = ("year", "month")
"""Hive partition columns derived from each partitioned table's timestamp."""
PARTITIONED_BY: dict[str, str] = {"orders": "order_ts", "events": "event_ts", "touchpoints": "touch_ts"}
"""Tables written one folder per month, and the timestamp the month comes from."""


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def export_parquet(db: str | Path, lake: str | Path, *, overwrite: bool = False) -> dict[str, Any]:
    """Write every table of ``db`` as Parquet under ``lake`` (see the module docstring for the layout).

    Parameters
    ----------
    db : str or Path
        The DuckDB database, opened read-only.
    lake : str or Path
        The folder to create; an existing lake is replaced only with ``overwrite``.
    overwrite : bool, default=False
        Replace an existing ``lake`` (after the new one is complete).

    Returns
    -------
    dict
        ``{"lake": str, "tables": {name: rows}, "partitioned": [names], "seconds": float}``.

    Raises
    ------
    OmnimixError
        The database cannot be opened, or ``lake`` exists (without ``overwrite``) and is not
        a folder written by this command.
    """
    lake = Path(lake)
    if lake.exists():
        if not overwrite:
            raise OmnimixError(f"{lake} already exists; pass --force to replace it.")
        if not (lake / MANIFEST).is_file():
            raise OmnimixError(f"{lake} exists and is not an Omnimix Parquet export; choose another folder.")
    lake.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=f".{lake.name}.", dir=lake.parent))
    try:
        manifest = _write_tables(db, tmp)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
        if lake.exists():
            old = lake.with_name(f".{lake.name}.old-{os.getpid()}")
            lake.rename(old)
            tmp.rename(lake)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(lake)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"lake": str(lake), "tables": {n: t["rows"] for n, t in manifest["tables"].items()},
            "partitioned": [n for n, t in manifest["tables"].items() if t["partition_by"]],
            "seconds": round(time.perf_counter() - t0, 2)}


def _write_tables(db: str | Path, out: Path) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    with connect(db, read_only=True) as con:
        # Table comments travel too: derived tables record their sources' row counts there
        # (core.store.derived.is_current), and the lake is a consistent snapshot of both.
        comments = dict(con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name").fetchall())
        for name in comments:
            columns = con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $t "
                "ORDER BY column_index", {"t": name}).fetchall()
            column_names = [c for c, _ in columns]
            ts = PARTITIONED_BY.get(name)
            partition = ts is not None and ts in column_names and not set(PARTITION_COLUMNS) & set(column_names)
            target = out / name
            # Paths cannot be parameters of COPY; ours come from the user's --parquet, quoted as a literal.
            path = "'" + str(target).replace("'", "''") + "'"
            if partition:
                y, m = PARTITION_COLUMNS
                con.execute(f"COPY (SELECT *, year({_quote(ts)}) AS {y}, month({_quote(ts)}) AS {m} FROM {_quote(name)}) "
                            f"TO {path} (FORMAT parquet, PARTITION_BY ({y}, {m}))")
            else:
                target.mkdir()
                path = "'" + str(target / "data_0.parquet").replace("'", "''") + "'"
                con.execute(f"COPY {_quote(name)} TO {path} (FORMAT parquet)")
            rows = con.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0]
            tables[name] = {"rows": int(rows), "comment": comments[name],
                            "columns": [{"name": c, "type": t} for c, t in columns],
                            "partition_by": list(PARTITION_COLUMNS) if partition else []}
    return {"format": "parquet", "source": str(db), "tables": tables}


def read_manifest(lake: str | Path) -> dict[str, Any]:
    """The manifest of an export, or a clear error when ``lake`` is not one."""
    path = Path(lake) / MANIFEST
    if not path.is_file():
        raise OmnimixError(f"{lake} is not an Omnimix Parquet export (no {MANIFEST}); "
                           f"write one with 'omnimix export --db PATH --parquet {lake}'.")
    return json.loads(path.read_text())
