"""A small on-disk cache of slow results (fitted models, evaluations), keyed by a database file's identity.

A report built after the Budget page or ``omnimix budget fit`` should not fit the budget model
again, and a second report on the same data should not re-score the recommenders. Results go
to ``$OMNIMIX_CACHE`` (default ``~/.cache/omnimix``), one pickle per key; the folder is safe to
delete at any time, and ``OMNIMIX_CACHE=off`` turns the cache off.

- The key holds the database file's identity (resolved path, size, modification time in
  nanoseconds, and the same for its ``.wal`` file), so writing to the database (a load, a
  regenerated sample, new settings) makes every entry for it stale; the options of the
  computation; and a fingerprint of the ``core`` package's source, so results of other code
  (an edited report section, a changed model) are never read back.
- Files are written to a temporary file in the cache folder and renamed into place, so a
  reader never sees half an entry, and two processes writing the same entry both succeed.
- Only our own results are pickled, and an entry is returned only when its stored key equals
  the requested one and its value has the expected type; an entry that fails to load (say,
  written by another version of the code) is a miss and is replaced.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import duckdb

T = TypeVar("T")

FORMAT = 1
"""Bumped when a cached object's layout changes, so old entries become misses."""
ENV = "OMNIMIX_CACHE"
OFF = {"off", "0", "no", "false", ""}


def cache_dir() -> Path | None:
    """The cache folder (``$OMNIMIX_CACHE`` or ``~/.cache/omnimix``), or None when the cache is off."""
    value = os.environ.get(ENV)
    if value is not None and value.strip().lower() in OFF:
        return None
    return Path(value).expanduser() if value else Path.home() / ".cache" / "omnimix"


def file_identity(path: Path | str) -> tuple:
    """``(resolved path, size, mtime_ns)`` of a database file and of its write-ahead log, if any."""
    path = Path(path).resolve()
    parts: list[object] = [str(path)]
    for part in (path, path.with_name(path.name + ".wal")):
        try:
            st = part.stat()
        except FileNotFoundError:
            parts.append(None)
            continue
        parts.append((st.st_size, st.st_mtime_ns))
    return tuple(parts)


def connection_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind ``con``'s current database, or None for an in-memory one."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if row is None or not row[0]:
        return None
    path = Path(row[0])
    return path if path.is_file() else None


@functools.cache
def code_version() -> str:
    """A digest of the ``core`` package's Python source (a few milliseconds, once per process).

    Part of every key: a result made by other code (an edited section, a changed model) is a miss;
    the content, not the modification times, so a checkout of the same code keeps the cache.
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _full_key(kind: str, key: tuple) -> tuple:
    return FORMAT, code_version(), kind, key


def _entry(kind: str, key: tuple) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256(repr(_full_key(kind, key)).encode()).hexdigest()[:32]
    return folder / f"{kind}-{digest}.pickle"


def exists(kind: str, key: tuple) -> bool:
    """Whether an entry for ``key`` is on disk (without reading it)."""
    path = _entry(kind, key)
    return path is not None and path.is_file()


def load(kind: str, key: tuple, expected: type[T]) -> T | None:
    """The cached ``kind`` result for ``key``, or None (no entry, cache off, stale or unreadable entry)."""
    path = _entry(kind, key)
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            stored = pickle.load(fh)  # noqa: S301 - our own cache folder, written only by store()
    except Exception:  # noqa: BLE001 - any unreadable entry is a miss, and is replaced on the next store
        return None
    if not isinstance(stored, dict) or stored.get("key") != _full_key(kind, key):
        return None
    value = stored.get("value")
    return value if isinstance(value, expected) else None


def store(kind: str, key: tuple, value: object) -> None:
    """Keep ``value`` for ``key``; a cache that cannot be written is silently skipped (it is only a cache)."""
    path = _entry(kind, key)
    if path is None:
        return
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({"key": _full_key(kind, key), "value": value}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def cached(kind: str, key: tuple | None, expected: type[T], make: Callable[[], T]) -> T:
    """``make()``, or its cached result for ``key`` (``key`` None: always ``make()``, nothing kept)."""
    if key is None:
        return make()
    hit = load(kind, key, expected)
    if hit is not None:
        return hit
    value = make()
    store(kind, key, value)
    return value
