"""Shared fixtures: a small generated sample database for the dashboard tests."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Keep the on-disk result cache (core.cache) of this run apart from the user's and other runs'.

    Set before any test starts so the CLI and Streamlit processes the tests start inherit it;
    tests of the cache itself point it elsewhere with monkeypatch.
    """
    import os
    import tempfile

    os.environ["OMNIMIX_CACHE"] = config._omnimix_cache = tempfile.mkdtemp(prefix="omnimix-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    import shutil

    folder = getattr(config, "_omnimix_cache", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated sample with 2,000 customers (seed 7, 156 weeks), built once per test run.

    Tests must only read it; a test that writes copies it first.
    """
    # Imported here so a broken generator fails the tests that need it, loudly, not collection.
    from core.generator import generate_database

    path = tmp_path_factory.mktemp("omnimix") / "small.duckdb"
    generate_database(path, n_customers=2000, seed=7)
    return path


@pytest.fixture(scope="session")
def examples_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the standard channels plus every file of sample_data/examples, built once per run.

    Tests must only read it; a test that writes copies it first (``writable_examples_db``).
    """
    from core.store.loader import LOAD_ORDER, load_file

    examples = Path(__file__).resolve().parent.parent / "sample_data" / "examples"
    path = tmp_path_factory.mktemp("examples") / "base.duckdb"
    for table in LOAD_ORDER:
        load_file(path, table, examples / f"{table}.csv")
    return path


@pytest.fixture
def writable_examples_db(examples_db: Path, tmp_path: Path) -> Path:
    """A private copy of ``examples_db`` a test may load into."""
    path = tmp_path / "omnimix.duckdb"
    path.write_bytes(examples_db.read_bytes())
    return path


@pytest.fixture
def sample_env(small_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``small_db`` as the database the dashboard reads (``$OMNIMIX_DB``)."""
    monkeypatch.setenv("OMNIMIX_DB", str(small_db))
    return small_db


@pytest.fixture(scope="module")
def gbp_db(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the generated sample with a file loaded by ``omnimix load --currency GBP`` (one per test module)."""
    import shutil

    from core.cli import main

    examples = Path(__file__).resolve().parent.parent / "sample_data" / "examples"
    db = tmp_path_factory.mktemp("gbp") / "gbp.duckdb"
    shutil.copy(small_db, db)
    assert main(["load", "--db", str(db), "--table", "channels", str(examples / "channels.csv"),
                 "--currency", "GBP"]) == 0
    return db


@pytest.fixture
def own_db(small_db: Path, tmp_path: Path) -> Path:
    """A copy of the 2k sample: a file of its own, so its on-disk cache entries are this test's alone."""
    import shutil

    path = tmp_path / "copy.duckdb"
    shutil.copy(small_db, path)
    return path


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty on-disk result cache (core.cache) for this test only."""
    from core import cache

    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV, str(folder))
    return folder
