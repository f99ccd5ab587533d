"""Cached access to the budget model for the Budget simulator page.

The weekly table is cached with ``st.cache_data`` and the fitted model with
``st.cache_resource`` (one object shared by all sessions, never copied: pages only read it).
Database entries are keyed on the file's identity (inode, mtime, size) so a regenerated
database is refitted; uploaded CSVs on a hash of their bytes and the chosen columns.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from core.mmm.model import MediaMixModel
from core.mmm.weekly import WeeklyData, from_db, read_csv
from dashboard import data_access

Version = data_access.FileVersion



@st.cache_data(show_spinner=False, max_entries=4)
def _weekly_db(db: str, version: Version) -> WeeklyData:
    return data_access.read(db, from_db)


@st.cache_data(show_spinner=False, max_entries=8)
def _weekly_csv(
    digest: str, date: str, target: str, channels: tuple[str, ...], controls: tuple[str, ...], _content: bytes
) -> WeeklyData:
    return read_csv(_content, date=date, target=target, channels=channels, controls=controls)


@st.cache_resource(show_spinner="Fitting the budget model…", max_entries=6)
def _model(key: tuple, seed: int, _data: WeeklyData) -> MediaMixModel:
    return MediaMixModel(random_state=seed).fit(_data)


def weekly_from_db(db: Path) -> WeeklyData:
    """Weekly revenue and spend per channel of ``db``."""
    return _weekly_db(str(db), data_access.existing_version(db))


def weekly_from_csv(
    content: bytes, *, date: str, target: str, channels: tuple[str, ...], controls: tuple[str, ...] = ()
) -> WeeklyData:
    """A validated weekly table from uploaded CSV bytes."""
    digest = hashlib.sha256(content).hexdigest()
    return _weekly_csv(digest, date, target, tuple(channels), tuple(controls), content)


def model_for_db(db: Path, seed: int = 0) -> MediaMixModel:
    """The fitted model on all weeks of ``db``."""
    version = data_access.existing_version(db)
    return _model(("db", str(db), version), seed, weekly_from_db(db))


def model_for_csv(
    content: bytes, *, date: str, target: str, channels: tuple[str, ...], controls: tuple[str, ...] = (), seed: int = 0
) -> MediaMixModel:
    """The fitted model on an uploaded weekly CSV."""
    data = weekly_from_csv(content, date=date, target=target, channels=channels, controls=controls)
    key = ("csv", hashlib.sha256(content).hexdigest(), date, target, tuple(channels), tuple(controls))
    return _model(key, seed, data)
