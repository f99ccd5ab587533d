"""DuckDB SQL → Spark SQL, once per statement text (SQLGlot plus a few rewrites of our own).

Omnimix's queries are written once, in DuckDB's dialect. SQLGlot translates functions and
syntax (``list_contains`` → ``array_contains``, ``arg_min`` → ``min_by``, ``::DATE`` casts,
``$name`` → ``:name`` parameter markers); the rewrites below cover what it leaves for Spark to
reject or to read differently:

* ``range(a, b) AS k(col)`` in FROM stays Spark's ``range`` table function (SQLGlot would
  explode a sequence and lose the column alias).
* ``WITH x AS MATERIALIZED (...)`` loses the hint (Spark plans CTEs itself).
* ``duckdb_tables()`` and ``information_schema.tables`` read the engine's catalogue view
  :data:`CATALOG_VIEW`,
  ``duckdb_databases()`` :data:`DATABASES_VIEW` (no file behind it), and
  ``current_database()`` / ``current_schema()`` become ``'main'``: the few catalogue checks
  (is there a ``settings`` table?) then work unchanged.
* ``epoch_ms(timestamp)`` becomes ``unix_millis`` (milliseconds, as DuckDB; SQLGlot would read it
  as milliseconds → timestamp).
* ``list_position(list, x)`` becomes ``nullif(array_position(list, x), 0)`` (NULL when absent).
* Decimal literals (``7.0``, ``86400.0``) become doubles (``7.0D``): DuckDB computes with them
  in floating point, Spark would keep exact decimals and return Python ``Decimal`` objects.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sqlglot
from sqlglot import exp

CATALOG_VIEW = "omnimix_catalog"
"""Temp view listing the lake's tables (``table_name``, ``schema_name``, ``database_name``, ``comment``)."""
DATABASES_VIEW = "omnimix_databases"
"""Temp view standing in for ``duckdb_databases()``: one database ``main`` with no file ``path``, so
the on-disk result caches keyed on a DuckDB file (:func:`core.cache.connection_file`) stay off on Spark."""

_POSITIONAL_CAST = re.compile(r"\?::([A-Za-z_][A-Za-z0-9_]*(?:\([0-9, ]+\))?(?:\[\])?)")


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries) and node.this.args.get("is_end_exclusive"):
        series = node.this
        node.set("this", exp.Anonymous(this="range", expressions=[series.args["start"], series.args["end"]]))
        return node
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous) and node.this.name.lower() == "duckdb_tables":
        return exp.Table(this=exp.to_identifier(CATALOG_VIEW), alias=node.args.get("alias"))
    if isinstance(node, exp.Table) and node.db.lower() == "information_schema" and node.name.lower() == "tables":
        return exp.Table(this=exp.to_identifier(CATALOG_VIEW), alias=node.args.get("alias"))
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous) and node.this.name.lower() == "duckdb_databases":
        return exp.Table(this=exp.to_identifier(DATABASES_VIEW), alias=node.args.get("alias"))
    if isinstance(node, exp.CTE) and node.args.get("materialized"):
        node.set("materialized", None)
        return node
    if isinstance(node, exp.CurrentSchema | exp.CurrentDatabase) or (
            isinstance(node, exp.Anonymous) and node.name.lower() in {"current_schema", "current_database"}):
        return exp.Literal.string("main")
    if isinstance(node, exp.UnixToTime) and node.args.get("scale") is not None and node.args["scale"].name == "3" \
            and not isinstance(node.this, exp.Literal):
        # Omnimix calls epoch_ms on timestamps (→ milliseconds); SQLGlot reads it the other way round.
        return exp.Anonymous(this="unix_millis", expressions=[node.this])
    if isinstance(node, exp.Anonymous) and node.name.lower() == "list_position" and len(node.expressions) == 2:
        # DuckDB: 1-based index or NULL when absent; Spark's array_position answers 0 when absent.
        return exp.func("nullif", exp.func("array_position", *node.expressions), exp.Literal.number(0))
    if isinstance(node, exp.Literal) and not node.is_string and "." in node.this and "e" not in node.this.lower():
        return exp.Literal.number(f"{node.this}D")
    return node


@lru_cache(maxsize=512)
def to_spark(sql: str) -> tuple[str, frozenset[str]]:
    """The Spark SQL text of one DuckDB statement (cached: the same query text is translated once).

    Parameters
    ----------
    sql : str
        One statement in DuckDB's dialect, parameters as ``$name`` or ``?``.

    Returns
    -------
    (str, frozenset of str)
        The statement in Spark's dialect, parameters as ``:name`` or ``?``, and the names of
        the tables it reads (CTE names included: the caller registers the names it knows).
    """
    # SQLGlot cannot parse a cast right after a positional marker (``?::VARCHAR[]``); the CAST form it can.
    sql = _POSITIONAL_CAST.sub(r"CAST(? AS \1)", sql)
    tree = sqlglot.parse_one(sql, read="duckdb").transform(_rewrite)
    tables = frozenset(t.name for t in tree.find_all(exp.Table) if t.name)
    return tree.sql(dialect="spark"), tables
