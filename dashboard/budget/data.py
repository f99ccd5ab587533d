"""Cached access to the budget model for the Budget simulator page.

The weekly table is cached with ``st.cache_data`` and the fitted model with
``st.cache_resource`` (one object shared by all sessions, never copied: pages only read it).
Database entries are keyed on the file's identity (inode, mtime, size) so a regenerated
database is refitted; uploaded CSVs on a hash of their bytes and the chosen columns.  Lift
tests come from the database's ``experiments`` table or from an uploaded CSV; the model's key
says whether they were used, so switching them off and on again refits once each way.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from core.mmm.cached import fit_for_db_file
from core.mmm.model import MediaMixModel
from core.mmm.weekly import WeeklyData, from_db, read_csv
from core.store.reads import read_experiments
from dashboard import data_access

Version = data_access.FileVersion

@st.cache_data(show_spinner=False, max_entries=4)
def _weekly_db(db: str, version: Version) -> WeeklyData:
    return data_access.read(db, from_db)


@st.cache_data(show_spinner=False, max_entries=4)
def _experiments_db(db: str, version: Version) -> pd.DataFrame:
    return data_access.read(db, read_experiments)


@st.cache_data(show_spinner=False, max_entries=8)
def _weekly_csv(
    digest: str, date: str, target: str, channels: tuple[str, ...], controls: tuple[str, ...], _content: bytes
) -> WeeklyData:
    return read_csv(_content, date=date, target=target, channels=channels, controls=controls)


@st.cache_resource(show_spinner="Fitting the budget model…", max_entries=6)
def _model(key: tuple, seed: int, _data: WeeklyData, _experiments: pd.DataFrame | None) -> MediaMixModel:
    return MediaMixModel(random_state=seed).fit(_data, experiments=_experiments)


def weekly_from_db(db: Path) -> WeeklyData:
    """Weekly revenue and spend per channel of ``db``."""
    return _weekly_db(str(db), data_access.existing_version(db))


def experiments_from_db(db: Path) -> pd.DataFrame:
    """The lift tests of ``db`` (empty when it has none), see :func:`core.store.reads.read_experiments`."""
    return _experiments_db(str(db), data_access.existing_version(db))


def weekly_from_csv(
    content: bytes, *, date: str, target: str, channels: tuple[str, ...], controls: tuple[str, ...] = ()
) -> WeeklyData:
    """A validated weekly table from uploaded CSV bytes."""
    digest = hashlib.sha256(content).hexdigest()
    return _weekly_csv(digest, date, target, tuple(channels), tuple(controls), content)


def model_for_db(db: Path, seed: int = 0, *, use_tests: bool = True) -> MediaMixModel:
    """The fitted model on all weeks of ``db``, calibrated to its lift tests unless ``use_tests`` is off."""
    return _model_db(str(db), data_access.existing_version(db), seed, use_tests)


@st.cache_resource(show_spinner="Fitting the budget model…", max_entries=6)
def _model_db(db: str, version: Version, seed: int, use_tests: bool) -> MediaMixModel:
    # Through the on-disk cache: `omnimix budget fit` and `omnimix report` on the same file reuse this fit.
    tests = experiments_from_db(Path(db)) if use_tests else None
    return fit_for_db_file(db, weekly_from_db(Path(db)), tests, use_tests=use_tests, random_state=seed)


def model_for_csv(
    content: bytes,
    *,
    date: str,
    target: str,
    channels: tuple[str, ...],
    controls: tuple[str, ...] = (),
    lift_tests: pd.DataFrame | None = None,
    seed: int = 0,
) -> MediaMixModel:
    """The fitted model on an uploaded weekly CSV, calibrated to ``lift_tests`` when given."""
    data = weekly_from_csv(content, date=date, target=target, channels=channels, controls=controls)
    tests = lift_tests if lift_tests is not None and len(lift_tests) > 0 else None
    tests_key = None if tests is None else hashlib.sha256(tests.to_csv(index=False).encode()).hexdigest()
    key = ("csv", hashlib.sha256(content).hexdigest(), date, target, tuple(channels), tuple(controls), tests_key)
    return _model(key, seed, data, tests)
