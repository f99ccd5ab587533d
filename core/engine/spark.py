"""A Spark engine behind the small connection interface Omnimix's queries use.

The core modules run SQL through ``con.execute(sql, params)`` and read the result with
``.df()``, ``.fetchall()``, ``.fetchone()`` or ``.fetchnumpy()``. :class:`SparkConnection` offers
exactly that over a :class:`pyspark.sql.SparkSession`: each statement is translated from
DuckDB's dialect once (:func:`core.engine.transpile.to_spark`), its named (``$name`` →
``:name``) or positional (``?``) parameters go to ``spark.sql(..., args=...)`` as values (never
formatted into the text), the tables are temp views over the Parquet lake written by
``omnimix export`` and only the (aggregated) result comes back to Python, through Arrow.

Results are shaped like DuckDB's: DATE columns as ``datetime64``, DECIMAL as ``float64``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.engine import EngineQueryError
from core.engine.export import read_manifest
from core.engine.transpile import CATALOG_VIEW, DATABASES_VIEW, to_spark
from core.errors import OmnimixError

_SESSION_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "4",
    # DuckDB's TIMESTAMP has no time zone: read and return wall-clock times unchanged.
    "spark.sql.session.timeZone": "UTC",
    # DuckDB semantics: x / 0 is NULL, not an error.
    "spark.sql.ansi.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "true",
    "spark.ui.showConsoleProgress": "false",
    # Month folders are listed on the driver: a 3-year lake has ~40 per table, which would
    # otherwise start a Spark job per table just to list them.
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "1024",
}

_SPARK_TYPES: dict[str, str] = {
    "VARCHAR": "STRING", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP_NTZ", "DOUBLE": "DOUBLE", "FLOAT": "FLOAT",
    "BIGINT": "BIGINT", "INTEGER": "INT", "SMALLINT": "SMALLINT", "TINYINT": "TINYINT", "BOOLEAN": "BOOLEAN",
    "HUGEINT": "DECIMAL(38,0)", "UBIGINT": "DECIMAL(20,0)", "UINTEGER": "BIGINT", "BLOB": "BINARY",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
}
"""DuckDB column type → Spark type of its Parquet column (a given schema spares Spark reading file footers)."""


def _spark_type(duckdb_type: str) -> str | None:
    t = duckdb_type.upper()
    if t in _SPARK_TYPES:
        return _SPARK_TYPES[t]
    if t.startswith("DECIMAL"):
        return t
    return None  # anything else: let Spark read the type from the files


def spark_session(master: str, *, conf: Mapping[str, str] | None = None):
    """The process's Spark session for ``master`` (``local[2]``, ``spark://…`` or a Spark Connect ``sc://…`` URL).

    Started once and reused (``getOrCreate``); small local defaults (4 shuffle partitions, no
    UI, UTC session time zone) that ``conf`` or ``$OMNIMIX_SPARK_CONF`` (``key=value,…``) override.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the install
        raise OmnimixError("The Spark engine needs PySpark: pip install 'omnimix[spark]'.") from None
    settings = dict(_SESSION_CONF)
    extra = os.environ.get("OMNIMIX_SPARK_CONF", "")
    settings.update(kv.split("=", 1) for kv in extra.split(",") if "=" in kv)
    settings.update(conf or {})
    builder = SparkSession.builder.appName("omnimix")
    builder = builder.remote(master) if master.startswith("sc://") else builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - no Java, no server, missing Spark Connect client packages
        hint = " (Spark Connect needs: pip install 'pyspark[connect]')" if master.startswith("sc://") else ""
        raise OmnimixError(f"Cannot start the Spark engine ({master}): {_first_line(exc)}{hint}.") from exc
    # PySpark logs every failed statement with its Java stack on stderr; Omnimix reports it as
    # one sentence instead (EngineQueryError).
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    if not master.startswith("sc://"):
        session.sparkContext.setLogLevel("ERROR")
    return session


def _python_value(value: Any) -> Any:
    """A parameter value Spark turns into a literal (numpy scalars and tuples made plain)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list | np.ndarray):
        return [v.item() if isinstance(v, np.generic) else v for v in value]
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _temporal_kind(value: Any) -> str | None:
    if isinstance(value, dt.datetime | pd.Timestamp):
        return "TIMESTAMP"
    if isinstance(value, dt.date):
        return "DATE"
    return None


def _bind_temporal(text: str, args: dict[str, Any]) -> str:
    """Dates and timestamps travel as ISO text and are cast in the statement.

    PySpark's own conversion goes through java.sql.Date / Timestamp, which rejects the open
    bounds ``date.min`` / ``date.max`` some queries use; the value is still a parameter.
    """
    for name, value in list(args.items()):
        kind = _temporal_kind(value)
        if kind is not None:
            args[name] = value.isoformat(sep=" ") if kind == "TIMESTAMP" else value.isoformat()
            text = re.sub(rf":{name}\b", f"CAST(:{name} AS {kind})", text)
    return text


def _duckdb_like(frame: pd.DataFrame) -> pd.DataFrame:
    """Column types as DuckDB's ``.df()`` gives them: dates as datetime64, decimals as float64."""
    for name in frame.columns:
        col = frame[name]
        if col.dtype == object and len(col):
            first = col.dropna()
            sample = first.iloc[0] if len(first) else None
            if isinstance(sample, dt.date) and not isinstance(sample, dt.datetime):
                frame[name] = pd.to_datetime(col)
            elif sample is not None and type(sample).__name__ == "Decimal":
                frame[name] = col.astype("float64")
    return frame


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "desc", None) or exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return re.sub(r"\s*SQLSTATE: \w+.*$", "", line).rstrip(". ;")[:300]


class _Translated:
    """Turns any failure of the wrapped call into :class:`EngineQueryError` (no Java or SQLGlot traceback)."""

    def __init__(self, engine: str) -> None:
        self.engine = engine

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> bool:
        if exc is None or isinstance(exc, OmnimixError) or not isinstance(exc, Exception):
            return False
        raise EngineQueryError(self.engine, _first_line(exc)) from exc


class SparkResult:
    """The result of one statement: read it once, as DuckDB's result objects are read."""

    def __init__(self, frame, engine: str = "Spark") -> None:
        self._frame = frame
        self._engine = engine

    def df(self) -> pd.DataFrame:
        """All rows as a pandas DataFrame (through Arrow)."""
        with _Translated(self._engine):
            return _duckdb_like(self._frame.toPandas())

    def fetchall(self) -> list[tuple]:
        """All rows as tuples of Python values (``None`` for NULL)."""
        with _Translated(self._engine):
            return [tuple(row) for row in self._frame.collect()]

    def fetchone(self) -> tuple | None:
        """The first row, or ``None`` without rows."""
        with _Translated(self._engine):
            rows = self._frame.take(1)
        return tuple(rows[0]) if rows else None

    def fetchnumpy(self) -> dict[str, np.ndarray]:
        """Column name → numpy array."""
        frame = self.df()
        return {c: frame[c].to_numpy() for c in frame.columns}


class SparkConnection:
    """Omnimix's connection interface over a Spark session and a Parquet lake (read-only).

    Parameters
    ----------
    spark : pyspark.sql.SparkSession
    lake : str or Path
        Folder written by ``omnimix export`` (``$OMNIMIX_WAREHOUSE``); every table in its
        manifest becomes a temp view of the same name with the same columns.
    engine : str, default="Spark"
        The engine in words, for error messages (``"Spark (local[2])"``).

    Notes
    -----
    Only the DuckDB connection methods Omnimix's read paths use exist here (``execute``,
    ``cursor``, ``register`` / ``unregister`` of a small pandas frame); any other DuckDB method
    raises :class:`EngineQueryError` instead of an ``AttributeError``.
    """

    def __init__(self, spark, lake: str | Path, *, engine: str = "Spark") -> None:
        self.spark = spark
        self.lake = Path(lake)
        self.engine = engine
        self.manifest = read_manifest(self.lake)
        self._registered: set[str] = set()
        # Pages run queries from several threads on one connection; views are registered once.
        self._lock = threading.Lock()

    def _register(self, names) -> None:
        """Temp views over the lake for the tables in ``names`` not registered yet (views cost a file listing)."""
        with self._lock:
            self._register_locked(names)

    def _register_locked(self, names) -> None:
        from pyspark.sql import functions as F

        for name in names:
            table = self.manifest["tables"].get(name)
            if table is None or name in self._registered:
                continue
            reader = self.spark.read
            types = [_spark_type(c["type"]) for c in table["columns"]]
            if all(types):
                fields = [f"`{c['name']}` {t}" for c, t in zip(table["columns"], types, strict=True)]
                fields += [f"`{p}` INT" for p in table["partition_by"]]
                reader = reader.schema(", ".join(fields))
            frame = reader.parquet(str(self.lake / name))
            columns = []
            for column in table["columns"]:
                col = F.col(f"`{column['name']}`")
                # Parquet timestamps without zone come back as TIMESTAMP_NTZ; with the session in
                # UTC the cast to TIMESTAMP keeps the wall-clock value and compares with parameters.
                if column["type"].upper() == "TIMESTAMP":
                    col = col.cast("timestamp")
                columns.append(col.alias(column["name"]))
            frame.select(*columns).createOrReplaceTempView(name)
            self._registered.add(name)
        if CATALOG_VIEW in names and CATALOG_VIEW not in self._registered:
            def literal(text: str | None) -> str:
                return "CAST(NULL AS STRING)" if text is None else "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

            rows = ", ".join(f"({literal(n)}, 'main', 'main', {literal(t.get('comment'))})"
                             for n, t in self.manifest["tables"].items())
            self.spark.sql(f"SELECT * FROM VALUES {rows} AS t(table_name, schema_name, database_name, comment)"
                           ).createOrReplaceTempView(CATALOG_VIEW)
            self._registered.add(CATALOG_VIEW)
        if DATABASES_VIEW in names and DATABASES_VIEW not in self._registered:
            self.spark.sql("SELECT 'main' AS database_name, CAST(NULL AS STRING) AS path, 'main' AS name"
                           ).createOrReplaceTempView(DATABASES_VIEW)
            self._registered.add(DATABASES_VIEW)

    def execute(self, sql: str, parameters: Mapping[str, Any] | Sequence[Any] | None = None) -> SparkResult:
        """Run one DuckDB-dialect statement on Spark; parameters by name (``$x``) or position (``?``).

        Raises
        ------
        EngineQueryError
            SQLGlot cannot translate the statement or Spark rejects it (one line, no traceback).
        """
        with _Translated(self.engine):
            return self._execute(sql, parameters)

    def _execute(self, sql: str, parameters: Mapping[str, Any] | Sequence[Any] | None) -> SparkResult:
        text, tables = to_spark(sql)
        self._register(tables)
        if parameters is None:
            args = None
        elif isinstance(parameters, Mapping):
            args = {k: _python_value(v) for k, v in parameters.items() if re.search(rf":{k}\b", text)}
            text = _bind_temporal(text, args)
        else:
            args = [_python_value(v) for v in parameters]
            if any(_temporal_kind(v) for v in args):
                # Positional markers: name them so each can be cast (``?`` → ``:p0``, ``:p1``, ...).
                parts = text.split("?")
                text = "".join(p + (f":p{i}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))
                named = {f"p{i}": v for i, v in enumerate(args)}
                text = _bind_temporal(text, named)
                args = named
        return SparkResult(self.spark.sql(text, args=args or None), self.engine)

    def cursor(self) -> SparkConnection:
        """This connection: Spark sessions take statements from several threads (DuckDB needs a cursor each)."""
        return self

    def register(self, name: str, frame: pd.DataFrame) -> SparkConnection:
        """``frame`` (small: e.g. a segment's member ids) as temp view ``name``, like DuckDB's ``register``."""
        with _Translated(self.engine):
            self.spark.createDataFrame(frame).createOrReplaceTempView(name)
        return self

    def unregister(self, name: str) -> SparkConnection:
        """Drop the temp view ``name`` made by :meth:`register`."""
        with _Translated(self.engine):
            self.spark.catalog.dropTempView(name)
        return self

    def is_active(self) -> bool:
        """Whether the Spark session behind this connection still runs (a stopped one is not reused)."""
        try:
            return not self.spark.sparkContext._jsc.sc().isStopped()
        except Exception:  # noqa: BLE001 - Spark Connect sessions have no SparkContext
            return True

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes this class lacks: a DuckDB-only method on a read path.
        if name.startswith("_"):
            raise AttributeError(name)
        raise _MissingMethod(self.__dict__.get("engine", "Spark"), f"it has no DuckDB connection method '{name}'")


    def sql_text(self, sql: str) -> str:
        """The Spark SQL this engine runs for ``sql`` (for explanations and debugging)."""
        return to_spark(sql)[0]

    def close(self) -> None:
        """Nothing to release per connection: the session is shared by the process."""

    def __enter__(self) -> SparkConnection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _MissingMethod(EngineQueryError, AttributeError):
    """A DuckDB-only method asked of a Spark connection (``hasattr`` still answers False)."""
