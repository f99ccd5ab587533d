"""Precompute, after a database file is written, the slow results a first visit would wait for.

``omnimix generate`` and ``omnimix load`` call :func:`warm_caches` on the finished file (the
Data page can call it too, after its write connection is closed): each step stores one result
in the on-disk cache (:mod:`core.cache`), keyed by the file's identity, so the Attribution
page's first view, the Recommendations page's parameter choice and the report's
recommendation section read it back instead of computing it.

Every step is isolated: one that fails is reported as a sentence naming what will be slower
instead, and the others still run.  The data written before is never touched: a warm-up only
reads the file, and a failed one only costs time later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def _attribution(db: Path) -> bool:
    from core.attribution.cache import warm_default_view

    return warm_default_view(db)


def _has_purchases(db: Path) -> bool:
    """Whether ``db`` has products and purchase lines: without them the recommenders have nothing to
    learn, and a load of the first tables should not pay the recommenders' imports (seconds) to find out."""
    from core.store.db import open_db

    with open_db(db, read_only=True) as con:
        return bool(con.execute("SELECT EXISTS (SELECT 1 FROM products) AND EXISTS (SELECT 1 FROM order_items)")
                    .fetchone()[0])


def _recs_tuning(db: Path) -> bool:
    if not _has_purchases(db):
        return False
    from core.recs.stored import warm_tuning

    return warm_tuning(db)


def _recs_quality(db: Path) -> bool:
    if not _has_purchases(db):
        return False
    from core.report.customers import warm_recs_quality

    return warm_recs_quality(db)


@dataclass(frozen=True)
class Step:
    """One warm-up: what it precomputes, what will be slower when it fails, and the function (False: nothing to do)."""

    name: str
    label: str
    slower: str
    run: Callable[[Path], bool]


STEPS: tuple[Step, ...] = (
    Step("attribution", "Attribution page's first view",
         "the Attribution page will compute its first view on first visit", _attribution),
    Step("recs_tuning", "Recommendations page's parameters",
         "the Recommendations page will choose its parameters on first visit", _recs_tuning),
    Step("recs_quality", "report's recommendation evaluation",
         "the report's recommendation section and its evaluation will be computed on first use", _recs_quality),
)
"""The warm-ups, in the order they run."""


@dataclass
class StepResult:
    """How one step went: ``status`` is "done", "nothing to do" or "failed" (then ``note`` says what will be slower)."""

    name: str
    label: str
    status: str
    seconds: float
    note: str = ""


@dataclass
class WarmUp:
    """What :func:`warm_caches` did, step by step."""

    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def notes(self) -> list[str]:
        """One sentence per failed step, naming what will be slower (for stderr or a page's warning)."""
        return [s.note for s in self.steps if s.status == "failed"]

    def summary(self) -> str:
        """One line for the command's output, e.g. "Warmed the caches in 21.3 s: ... 12.0 s, ...\""""
        parts = [f"{s.label} {s.seconds:.1f} s" + ("" if s.status == "done" else f" ({s.status})") for s in self.steps]
        return f"Warmed the caches in {self.seconds:.1f} s: {', '.join(parts)}."

    def as_dict(self) -> dict:
        return {"seconds": round(self.seconds, 2),
                "steps": [{"name": s.name, "status": s.status, "seconds": round(s.seconds, 2),
                           **({"note": s.note} if s.note else {})} for s in self.steps]}


def warm_caches(db: str | Path, *, steps: tuple[Step, ...] | None = None) -> WarmUp:
    """Run every warm-up step on the database file ``db``; never raises for a failing step.

    Call it after the file is written and every write connection to it is closed (the cache
    keys hold the file's size and modification time).  A step that raises is recorded as
    "failed" with a one-sentence note (:attr:`WarmUp.notes`); the other steps still run.
    """
    db = Path(db)
    out = WarmUp()
    started = time.perf_counter()
    for step in STEPS if steps is None else steps:
        t0 = time.perf_counter()
        try:
            status, note = ("done" if step.run(db) else "nothing to do"), ""
        except Exception as exc:  # noqa: BLE001 - a warm-up only saves time later; it must not fail the write
            reason = str(exc).strip().rstrip(".") or type(exc).__name__
            status, note = "failed", f"Could not precompute the {step.label} ({reason}): {step.slower}."
        out.steps.append(StepResult(step.name, step.label, status, time.perf_counter() - t0, note))
    out.seconds = time.perf_counter() - started
    return out
