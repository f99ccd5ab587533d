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


@dataclass(frozen=True)
class EngineConfig:
    """The configured engine: ``name`` plus, for Spark, its master and lake."""

    name: str = "duckdb"
    spark: str = DEFAULT_SPARK
    warehouse: Path | None = None

    def describe(self, db: str | Path | None = None) -> str:
        """One line for ``omnimix info`` and the sidebar, e.g. ``"Spark (local[2]) on /data/lake"``."""
        if self.name == "spark":
            # Honest about the wiring so far: the heavy queries run on Spark through
            # spark_connection(); the pages and commands still open the DuckDB file.
            where = f"; pages and commands still read DuckDB ({db})" if db is not None else ""
            return f"Spark ({self.spark}) on {self.warehouse} for spark_connection(){where}"
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


def spark_connection(config: EngineConfig | None = None):
    """A :class:`~core.engine.spark.SparkConnection` for ``config`` (default: the environment's)."""
    from core.engine.spark import SparkConnection, spark_session

    config = config or engine_config()
    if config.warehouse is None:
        raise OmnimixError("The Spark engine needs a warehouse folder (OMNIMIX_WAREHOUSE).")
    return SparkConnection(spark_session(config.spark), config.warehouse)
