"""A budget scenario for the report: the user's own weekly split per media channel.

The Budget page's what-if is such a split (EUR per week per channel, see
``dashboard/budget/scenarios.py``); ``omnimix report --budget`` takes one as a file or a name:

- a CSV with the columns ``channel`` and ``weekly_budget`` (one row per channel);
- a JSON object ``{"search": 1200, "social": 800}`` (or that object under ``"weekly_budget"``);
- a name: ``current`` (today's split), ``proposed`` (the optimiser's split, as ``omnimix budget
  optimize``) or ``cautious`` (``omnimix budget optimize --cautious``).

Channels a file leaves out keep their current weekly spend (the report says so). The file is
read and checked before any work; its channels are checked against the model's once fitted.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import OmnimixError

NAMES = ("current", "proposed", "cautious")
"""Scenarios the CLI knows by name."""
CSV_COLUMNS = ("channel", "weekly_budget")


@dataclass(frozen=True)
class BudgetScenario:
    """A weekly budget per media channel to compare with the current split.

    Attributes
    ----------
    name : str
        Shown in the report (a file's name, a built-in name or "Budget page what-if").
    spend : dict of str to float
        EUR per week per channel; empty for a built-in name (resolved on the fitted model).
    source : str
        Where it came from, for error messages.
    """

    name: str
    spend: dict[str, float] = field(default_factory=dict)
    source: str = ""

    @property
    def builtin(self) -> bool:
        return self.name in NAMES and not self.spend

    def check_channels(self, channels: list[str]) -> None:
        """Refuse a channel the budget model does not know, naming it and the known ones."""
        unknown = [c for c in self.spend if c not in channels]
        if unknown:
            raise OmnimixError(f"Budget scenario {self.source}: unknown media channel '{unknown[0]}'; the budget "
                               f"model's channels are {', '.join(channels)}.")


def _amount(value: object, where: str) -> float:
    if isinstance(value, bool):
        value = None
    try:
        amount = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise OmnimixError(f"{where}: weekly_budget must be a number (amount per week) (got {value!r}).") from None
    if not math.isfinite(amount) or amount < 0:
        raise OmnimixError(f"{where}: weekly_budget must be a finite amount of at least 0 per week (got {value!r}).")
    return amount


def _from_mapping(items: Mapping[str, object], source: str) -> dict[str, float]:
    spend: dict[str, float] = {}
    for channel, value in items.items():
        where = f"Budget scenario {source}, field '{channel}'"
        name = str(channel).strip()
        if not name:
            raise OmnimixError(f"{where}: the channel is empty.")
        if name in spend:
            raise OmnimixError(f"{where}: channel '{name}' appears twice.")
        spend[name] = _amount(value, where)
    if not spend:
        raise OmnimixError(f"Budget scenario {source}: no channel with a weekly budget.")
    return spend


def parse_csv(text: str, source: str) -> dict[str, float]:
    """``channel,weekly_budget`` rows as a dict; rows are numbered as in the file (header = row 1)."""
    import csv

    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise OmnimixError(f"Budget scenario {source}: missing column '{missing[0]}' (the file needs the columns "
                           f"{', '.join(CSV_COLUMNS)}; found {', '.join(header) or 'none'}).")
    spend: dict[str, float] = {}
    for row_number, row in enumerate(reader, start=2):
        row = {str(k).strip(): v for k, v in row.items() if k is not None}
        where = f"Budget scenario {source}, row {row_number}"
        channel = (row.get("channel") or "").strip()
        if not channel:
            raise OmnimixError(f"{where}: column channel is empty.")
        if channel in spend:
            raise OmnimixError(f"{where}: channel '{channel}' appears twice.")
        spend[channel] = _amount((row.get("weekly_budget") or "").strip(), where)
    if not spend:
        raise OmnimixError(f"Budget scenario {source}: no rows under the header.")
    return spend


def parse_json(text: str, source: str) -> dict[str, float]:
    """``{"channel": EUR per week}`` (or that object under ``"weekly_budget"``) as a dict."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OmnimixError(f"Budget scenario {source}: not valid JSON (line {exc.lineno}: {exc.msg}).") from None
    if isinstance(data, dict) and isinstance(data.get("weekly_budget"), dict):
        data = data["weekly_budget"]
    if not isinstance(data, dict):
        raise OmnimixError(f"Budget scenario {source}: expected an object of channel to weekly budget "
                           '(such as {"search": 1200, "social": 800}).')
    return _from_mapping(data, source)


def read_scenario(value: str) -> BudgetScenario:
    """The scenario named by ``value``: a built-in name, or a ``.csv`` / ``.json`` file.

    Raises
    ------
    OmnimixError
        Unknown name, missing file, unknown format, or a bad row or field (named).
    """
    if value in NAMES:
        return BudgetScenario(value, source=f"'{value}'")
    path = Path(value)
    if not path.is_file():
        raise OmnimixError(f"Budget scenario '{value}': no such file, and not a known name "
                           f"({', '.join(NAMES)}); give a .csv (channel,weekly_budget) or .json file.")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise OmnimixError(f"Budget scenario {path}: the file must end in .csv or .json (got '{suffix or 'none'}').")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OmnimixError(f"Budget scenario {path}: cannot read it ({exc}).") from None
    source = str(path)
    spend = parse_csv(text, source) if suffix == ".csv" else parse_json(text, source)
    return BudgetScenario(path.stem, spend, source)
