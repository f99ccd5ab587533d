"""EASE's λ and the hybrid's weights of a database file, chosen once and kept on disk.

Choosing them (:func:`core.recs.tuning.tune`) fits every component on a validation split of
the last weeks: tens of seconds at 50k customers, which the Recommendations page's first view
and every ``omnimix recommend`` would otherwise pay again. The choice depends only on the
data, so it is stored in the project's cache (:mod:`core.cache`) under the database file's
identity: a load or a regenerated sample makes a new key. ``omnimix generate`` and ``omnimix
load`` store it for the file they wrote (:func:`warm_tuning`, run by :func:`core.warmup.warm_caches`),
so the page's first visitor does not wait.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core import cache
from core.recs.hybrid import COMPONENTS
from core.recs.tuning import L2_GRID, VALIDATION_CUSTOMERS, VALIDATION_WEEKS, Tuning, tune

if TYPE_CHECKING:
    import duckdb

KIND = "recs-tuning"


def tuning_key(db: Path | str) -> tuple:
    """Cache key of the tuning of ``db``: the file's identity, the validation settings and the hybrid's components.

    A new component makes a new choice (a stored one would leave it out of the page's hybrid).
    """
    return cache.file_identity(db), VALIDATION_WEEKS, VALIDATION_CUSTOMERS, tuple(L2_GRID), tuple(COMPONENTS)


def tuning_for_db_file(db: Path | str, *, con: duckdb.DuckDBPyConnection | None = None) -> Tuning:
    """The tuning of ``db``'s whole log (as the page and ``omnimix recommend`` fit on it), cached on disk.

    Parameters
    ----------
    db : path
        Omnimix database file (its identity is the key).
    con : duckdb.DuckDBPyConnection, optional
        An open connection to ``db`` to read from; by default the file is opened read-only.
    """
    from core.recs.evaluate import load_data

    def make() -> Tuning:
        if con is not None:
            return tune(*load_data(con))
        from core.store.db import open_db  # the package imports without DuckDB

        with open_db(Path(db), read_only=True) as own:
            return tune(*load_data(own))

    return cache.cached(KIND, tuning_key(db), Tuning, make)


def warm_tuning(db: Path | str) -> bool:
    """Choose and store the tuning of ``db`` (after ``omnimix generate`` or ``load``); False when it has nothing to tune on."""
    from core.errors import OmnimixError

    try:
        tuning_for_db_file(db)
    except OmnimixError:
        return False
    return True
