"""Which engine runs Omnimix's SQL: DuckDB (embedded, the default) or Spark over a Parquet lake.

Chosen by configuration, so models, pages and the CLI stay unchanged:

``OMNIMIX_ENGINE``
    ``duckdb`` (default) or ``spark``.
``OMNIMIX_SPARK``
    Spark master for ``spark``: ``local[2]`` (default), ``spark://host:7077`` or a Spark Connect
    URL ``sc://host:15002``.
``OMNIMIX_WAREHOUSE``
    The lake Spark reads: a folder written by ``omnimix export --db PATH --parquet DIR``.

The heavy queries are defined once, in DuckDB's SQL; on Spark the same text is translated by
SQLGlot (:mod:`core.engine.transpile`) and run by :class:`core.engine.spark.SparkConnection`,
which answers ``execute(sql, params).df() / .fetchall() / .fetchone() / .fetchnumpy()`` like a
DuckDB connection. Only aggregated results come back to Python.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import OmnimixError

ENGINES: tuple[str, ...] = ("duckdb", "spark")
DEFAULT_SPARK = "local[2]"


class EngineQueryError(OmnimixError):
    """A statement the Spark engine cannot run (not translatable, or Spark rejected it).

    ``engine`` says which engine (``"Spark (local[2])"``) and ``detail`` is Spark's or SQLGlot's
    first line; the opener (:func:`core.store.db.open_db`, :mod:`dashboard.data_access`) re-raises
    it naming the command or the page's query, as one sentence.
    """

    def __init__(self, engine: str, detail: str) -> None:
        self.engine, self.detail = engine, detail
        super().__init__(f"The {engine} engine cannot run this query: {detail}.")


@dataclass(frozen=True)
class EngineConfig:
    """The configured engine: ``name`` plus, for Spark, its master and lake."""

    name: str = "duckdb"
    spark: str = DEFAULT_SPARK
    warehouse: Path | None = None

    def describe(self, db: str | Path | None = None) -> str:
        """One line for ``omnimix info`` and the sidebar, e.g. ``"Spark (local[2]) on /data/lake"``."""
        if self.name == "spark":
            writes = f"; writes (load, generate, settings) go to the DuckDB file {db}" if db is not None else ""
            return f"Spark ({self.spark}) reading {self.warehouse}{writes}"
        return f"DuckDB on {db}" if db is not None else "DuckDB"

    def as_dict(self, db: str | Path | None = None) -> dict[str, Any]:
        return {"engine": self.name, "spark": self.spark if self.name == "spark" else None,
                "warehouse": str(self.warehouse) if self.warehouse else None,
                "data": str(self.warehouse) if self.name == "spark" else (str(db) if db is not None else None)}


def engine_config(environ: dict[str, str] | None = None) -> EngineConfig:
    """The engine configured by ``OMNIMIX_ENGINE``, ``OMNIMIX_SPARK`` and ``OMNIMIX_WAREHOUSE``.

    Raises
    ------
    OmnimixError
        An unknown engine name, or ``spark`` without a warehouse folder.
    """
    env = os.environ if environ is None else environ
    name = (env.get("OMNIMIX_ENGINE") or "duckdb").strip().lower()
    if name not in ENGINES:
        raise OmnimixError(f"OMNIMIX_ENGINE must be {' or '.join(ENGINES)} (got {name!r}).")
    spark = (env.get("OMNIMIX_SPARK") or DEFAULT_SPARK).strip()
    warehouse = env.get("OMNIMIX_WAREHOUSE")
    if name == "spark" and not warehouse:
        raise OmnimixError("OMNIMIX_ENGINE=spark needs OMNIMIX_WAREHOUSE: the folder written by "
                           "'omnimix export --db PATH --parquet DIR'.")
    return EngineConfig(name, spark, Path(warehouse) if warehouse else None)


def lake_version(config: EngineConfig) -> tuple[int, int, int] | None:
    """Identity of the lake's manifest (inode, mtime in ns, size): it changes with every export.

    ``omnimix export`` renames a complete new lake into place, so a new manifest means new data;
    ``None`` when the folder holds no export.
    """
    from core.engine.export import MANIFEST

    try:
        st = os.stat(Path(config.warehouse or "") / MANIFEST)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


_CONNECTIONS: dict[tuple, Any] = {}


def spark_connection(config: EngineConfig | None = None):
    """A :class:`~core.engine.spark.SparkConnection` for ``config`` (default: the environment's).

    One per engine configuration and lake version in the process: its temp views over the lake
    are registered once, and a new export (new manifest) gets a new connection.
    """
    from core.engine.spark import SparkConnection, spark_session

    config = config or engine_config()
    if config.warehouse is None:
        raise OmnimixError("The Spark engine needs a warehouse folder (OMNIMIX_WAREHOUSE).")
    key = (config, lake_version(config))
    con = _CONNECTIONS.get(key)
    if con is None or not con.is_active():
        con = SparkConnection(spark_session(config.spark), config.warehouse, engine=f"Spark ({config.spark})")
        _CONNECTIONS.clear()  # views of an older lake version are replaced by the new ones anyway
        _CONNECTIONS[key] = con
    return con


def read_engine(db: str | Path, config: EngineConfig | None = None):
    """The connection reads of ``db`` go to: ``None`` for DuckDB (open the file), else the Spark connection.

    The one switch behind every read-only open (:func:`core.store.db.open_db` for the commands,
    :mod:`dashboard.data_access` for the pages); writes always open the DuckDB file.
    """
    config = config or engine_config()
    return spark_connection(config) if config.name == "spark" else None


def write_note(db: str | Path, config: EngineConfig | None = None) -> str | None:
    """What to tell a user who writes to ``db`` while the Spark engine is configured (``None`` on DuckDB).

    A misconfigured engine does not block a write to the DuckDB file: reads report it.
    """
    try:
        config = config or engine_config()
    except OmnimixError:
        return None
    if config.name != "spark":
        return None
    return (f"OMNIMIX_ENGINE=spark: this write goes to the DuckDB file {db}, not to the lake {config.warehouse} "
            f"Spark reads; publish it with 'omnimix export --db {db} --parquet {config.warehouse} --force'.")
