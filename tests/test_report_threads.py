"""The report computes its sections with one BLAS/OpenMP thread, and gives the threads back afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from threadpoolctl import threadpool_info

from core.filters import Filters
from core.report import build, business
from core.store.db import open_db


def _threads() -> dict[str, int]:
    return {f"{pool['internal_api']} {pool['filepath']}": pool["num_threads"] for pool in threadpool_info()}


def test_sections_run_with_one_thread_then_limits_are_restored(small_db: Path, monkeypatch: pytest.MonkeyPatch):
    import numpy  # noqa: F401  (loads OpenBLAS, so there is a pool to limit)

    seen: list[dict[str, int]] = []
    original = business.kpi_section

    def recording(con, filters):
        seen.append(_threads())
        return original(con, filters)

    monkeypatch.setattr(business, "kpi_section", recording)
    monkeypatch.setenv("OMNIMIX_CACHE", "off")  # a cached section would skip the step
    before = _threads()
    with open_db(small_db, read_only=True) as con:
        report = build.build_report(con, Filters(), sections=["kpis"])
    assert seen, "the KPI section was not built"
    assert seen[0] and set(seen[0].values()) == {1}
    assert _threads() == before
    assert "Headline KPIs" in report.html
    assert set(report.cpu_seconds) == set(report.seconds) == {"kpis"}
