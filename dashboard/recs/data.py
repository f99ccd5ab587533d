"""Cached access to the recommenders for the Recommendations page.

Fitted models are held with ``st.cache_resource`` (one per database file version and model
name, never copied); customer look-ups and the offline evaluation with ``st.cache_data``.
Keys include the file's identity (inode, mtime, size) so a regenerated database is re-read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from core.errors import OmnimixError
from core.recs import Hybrid, Interactions, Recommender, from_db, make_model
from core.recs import profile as recs_profile
from core.recs.evaluate import Evaluation, HoldoutPredictions, score
from core.recs.evaluation_cache import predict_holdout_db  # the evaluation's tuning, shared with the report
from core.recs.hybrid import COMPONENTS
from core.recs.stored import tuning_for_db_file
from core.recs.tuning import Tuning
from dashboard import data_access

EVAL_SAMPLE = 2000
"""Held-out customers evaluated on the page (a seeded sample keeps it to seconds)."""
EVAL_KS = (5, 10, 20)
"""List lengths k the page offers; the models rank once at the longest."""

Version = data_access.FileVersion



@st.cache_resource(show_spinner="Reading interactions…", max_entries=2)
def _interactions(db: str, version: Version) -> Interactions:
    return data_access.read(db, from_db)


@st.cache_resource(show_spinner="Choosing EASE's λ and the hybrid's weights on the last weeks…", max_entries=2)
def _tuning(db: str, version: Version) -> Tuning:
    # Chosen on the last weeks of all data, as the evaluation does on its training part; kept on
    # disk per file version, so a restart or another process (omnimix generate) has done it once.
    return data_access.read(db, lambda con: tuning_for_db_file(db, con=con))


def tuning(db: Path) -> Tuning:
    """EASE's λ and the hybrid's weights for the models the page fits, see :func:`core.recs.tuning.tune`."""
    return _tuning(str(db), data_access.existing_version(db))


@st.cache_resource(show_spinner="Fitting the recommender…", max_entries=12)
def _model(db: str, version: Version, name: str) -> Recommender:
    if name == Hybrid.name:  # blend the cached components instead of fitting them again
        weights = _tuning(db, version).weights
        return Hybrid.from_fitted({c: _model(db, version, c) for c in weights}, weights=weights)
    # A hybrid component (EASE, and brand affinity or recently viewed, which are not page models) is built from
    # the hybrid's list, with what the tuning chose for it (EASE's λ and options, brand affinity's concentration).
    built = COMPONENTS[name](**_tuning(db, version).params(name)) if name in COMPONENTS else make_model(name)
    return built.fit(_interactions(db, version))


def model(db: Path, name: str) -> Recommender:
    """The fitted model ``name`` the page shows (tuned EASE and hybrid), for its summary sentence."""
    return _model(str(db), data_access.existing_version(db), name)


def interactions(db: Path) -> Interactions:
    return _interactions(str(db), data_access.existing_version(db))


@st.cache_data(show_spinner=False, max_entries=256)
def _recommend(db: str, version: Version, name: str, customer_id: str, n: int, exclude_seen: bool) -> pd.DataFrame:
    return _model(db, version, name).recommend([customer_id], n, exclude_seen=exclude_seen)


def recommend(db: Path, name: str, customer_id: str, n: int, *, exclude_seen: bool) -> pd.DataFrame:
    """Top-``n`` of one model for one customer, see :meth:`core.recs.base.Recommender.recommend`."""
    return _recommend(str(db), data_access.existing_version(db), name, customer_id, n, exclude_seen)


@st.cache_data(show_spinner=False, max_entries=256)
def _profile(db: str, version: Version, customer_id: str) -> tuple[dict, pd.DataFrame]:
    return data_access.read(db, recs_profile.customer_profile, customer_id), data_access.read(db, recs_profile.purchase_history, customer_id)


def profile(db: Path, customer_id: str) -> tuple[dict, pd.DataFrame]:
    """Profile dict and purchase history of a customer (unknown id → OmnimixError)."""
    return _profile(str(db), data_access.existing_version(db), customer_id)


def is_customer(db: Path, customer_id: str) -> bool:
    """Whether ``customer_id`` is in the customers table."""
    try:
        interactions(db).customer_rows([customer_id])
    except OmnimixError:
        return False
    return True


def has_history(db: Path, customer_id: str) -> bool:
    """Whether the customer bought, carted or viewed anything: the models' test for cold start.

    Not the same as having order lines: a customer who only viewed or carted products gets
    recommendations from those, not the popularity fallback.
    """
    inter = interactions(db)
    return bool(inter.has_history(inter.customer_rows([customer_id]))[0])


def segment_of(db: Path, customer_id: str) -> str:
    inter = interactions(db)
    return str(inter.segments[inter.customer_rows([customer_id])[0]])


def segment_sizes(db: Path) -> pd.Series:
    """Customers per segment (dominant order channel), largest first."""
    inter = interactions(db)
    return pd.Series(inter.segments).value_counts()


def random_customer(db: Path, segment: str, seed: int) -> str:
    """A customer of ``segment`` who has bought something, drawn with ``seed``."""
    inter = interactions(db)
    buyers = np.flatnonzero((inter.segments == segment) & (np.diff(inter.bought.indptr) > 0))
    if buyers.size == 0:
        buyers = np.flatnonzero(inter.segments == segment)
    if buyers.size == 0:
        raise OmnimixError(f"No customer in segment '{segment}'.")
    row = np.random.default_rng(seed).choice(buyers)
    return str(inter.customers["customer_id"].iloc[row])


def example_customer(db: Path) -> str:
    """A stable default: the customer with the most distinct products bought (first by id on ties)."""
    inter = interactions(db)
    return str(inter.customers["customer_id"].iloc[int(np.argmax(np.diff(inter.bought.indptr)))])


@st.cache_resource(show_spinner=("Evaluating every recommender on the held-out weeks. The first time for a number of "
                                 "weeks it also chooses their parameters on the weeks before: about half a minute for "
                                 "50,000 customers…"), max_entries=4)
def _holdout(db: str, version: Version, holdout_weeks: int, sample: int) -> HoldoutPredictions:
    # Ranked once at the longest k the page offers: a shorter k only cuts these lists, so
    # changing k never reads the log or fits the models again.  A resource, not data: the
    # object is read-only and copying the training purchases on every access would cost more.
    return data_access.read(db, lambda con: predict_holdout_db(
        con, max_k=max(EVAL_KS), holdout_weeks=holdout_weeks, max_customers=sample))


@st.cache_data(show_spinner=False, max_entries=64)
def _evaluation(db: str, version: Version, k: int, holdout_weeks: int, sample: int) -> Evaluation:
    return score(_holdout(db, version, holdout_weeks, sample), k=k)


def evaluation(db: Path, *, k: int, holdout_weeks: int, sample: int = EVAL_SAMPLE) -> Evaluation:
    """Offline evaluation of every model at list length ``k`` (one of :data:`EVAL_KS`), see :func:`core.recs.evaluate.evaluate`."""
    return _evaluation(str(db), data_access.existing_version(db), k, holdout_weeks, sample)
