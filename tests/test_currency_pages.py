"""A database loaded with ``--currency GBP`` shows £ and no € (nor "EUR") on every page, in the report and CLI.

Every page is driven through AppTest; everything it shows is collected from the element
protos: titles, markdown, captions, metrics (value, delta, help), widget labels and help,
dataframe column headers and every chart's spec (titles, axis titles, hovers, axis labels, tooltips).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict

from dashboard.navigation import PAGES, PageSpec
from tests.apptest_pages import open_app_page, open_every_section
from tests.chart_specs import money_texts

EUR_WORD = re.compile(r"\bEUR\b")
CODE_WORD = re.compile(r"\b(EUR|GBP)\b")
MONEY_HOVER_PAGES = {"overview", "customer_value", "campaigns", "recommendations", "budget", "insight"}
"""Pages with a chart of amounts: their hovers and axis labels write them with the symbol (£1,234), never the code."""


def _strings(value: object) -> Iterator[str]:
    """Every string inside ``value``, descending into JSON text (plotly specs, column configs)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        text = value.strip()
        if text[:1] in "{[":
            try:
                yield from _strings(json.loads(text))
                return
            except ValueError:
                pass
        yield value


def _nodes(node: object) -> Iterator[object]:
    yield node
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _nodes(child)


def shown_text(at) -> str:  # noqa: ANN001 - streamlit.testing.v1.AppTest
    """All text of the page's elements (not table cells: headers, titles, labels, figures)."""
    out = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "DESCRIPTOR"):
            continue
        fields = MessageToDict(proto)
        fields.pop("data", None)  # dataframe cells (arrow bytes)
        out.extend(_strings(fields))
    return "\n".join(out)


@pytest.mark.parametrize("present", [False, True], ids=["analyst", "presentation"])
@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_page_shows_pounds_not_euros(gbp_db: Path, monkeypatch: pytest.MonkeyPatch, spec: PageSpec,
                                           present: bool) -> None:
    monkeypatch.setenv("OMNIMIX_DB", str(gbp_db))
    runs = open_every_section(spec.file, {"present": "1"} if present else None)  # every section tab of the page
    assert not any(at.exception for at in runs)
    # The Data page's currency choice lists every currency ("EUR — Euro (€1,234.50)"): not an amount.
    text = "\n".join(line for at in runs for line in shown_text(at).splitlines() if not re.match(r"[A-Z]{3} — ", line))
    assert "€" not in text, [line for line in text.splitlines() if "€" in line][:5]
    assert not EUR_WORD.search(text), [line for line in text.splitlines() if EUR_WORD.search(line)][:5]
    assert "£" in text  # Data page: in the settings form's currency choice
    hovers = [h for at in runs for h in money_texts(at)]
    # Hovers and axis labels write amounts as the cards and tables do (£1,234), not "1,234 GBP".
    assert not [h for h in hovers if "€" in h or CODE_WORD.search(h)], [h for h in hovers if CODE_WORD.search(h)][:5]
    if spec.url_path in MONEY_HOVER_PAGES:
        assert any("£" in h for h in hovers), hovers


def test_data_page_form_saves_settings_and_pages_follow(gbp_db: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from core.settings import settings_of

    db = tmp_path / "form.duckdb"
    shutil.copy(gbp_db, db)
    monkeypatch.setenv("OMNIMIX_DB", str(db))
    at = open_app_page("pages/data.py")
    form_boxes = [s for s in at.selectbox if s.label in ("Currency", "Weeks start on")]
    assert [s.value for s in form_boxes] == ["GBP", "monday"]
    form_boxes[0].select("JPY")
    form_boxes[1].select("sunday")
    next(t for t in at.text_input if t.label == "Business name").input("Tokyo Goods")
    next(b for b in at.button if b.label == "Save settings").click()
    at.run()
    assert not at.exception and not at.error
    saved = settings_of(db)
    assert (saved.currency.code, saved.business_name, saved.week_start) == ("JPY", "Tokyo Goods", "sunday")
    overview = open_app_page("pages/overview.py")
    text = shown_text(overview)
    assert "¥" in text and "£" not in text and "€" not in text
    assert "Tokyo Goods" in [m.value for m in overview.sidebar.markdown][0]
    revenue = next(m for m in overview.metric if m.label == "Revenue").value
    assert revenue.startswith("¥") and "." in revenue  # compact: ¥1.23M
    aov = next(m for m in overview.metric if m.label == "AOV").value
    assert aov.startswith("¥") and "." not in aov  # exact amounts in yen have no decimals


BAD_LIFT_TEST = (b"channel,start_week,end_week,incremental_revenue,standard_error\n"
                 b"tv,2024-05-20,2024-07-08,lots,10\n")


def test_a_lift_test_amount_that_does_not_parse_names_the_data_currency(
        gbp_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import duckdb

    from core.cli import main
    from core.errors import OmnimixError
    from core.mmm.csvfiles import read_lift_tests
    from core.mmm.weekly import from_db

    message = "bad.csv, row 1: incremental_revenue 'lots' is not an amount in GBP."
    with pytest.raises(OmnimixError) as err:
        read_lift_tests(BAD_LIFT_TEST, "bad.csv", "GBP")
    assert str(err.value) == message

    with duckdb.connect(str(gbp_db), read_only=True) as con:
        weekly = from_db(con).frame
    (tmp_path / "weekly.csv").write_bytes(weekly.to_csv(index=False).encode())
    (tmp_path / "bad.csv").write_bytes(BAD_LIFT_TEST)
    monkeypatch.chdir(tmp_path)
    # The CLI reads the lift tests before it fits anything, so this is quick.
    code = main(["budget", "fit", "--csv", "weekly.csv", "--date", "week", "--target", "revenue",
                 "--channels", ",".join(weekly.columns[2:]), "--currency", "GBP", "--experiments", "bad.csv"])
    error = capsys.readouterr().err
    assert code != 0 and message in error and "EUR" not in error

    # The page: the uploaded tests are read (and refused) before the spend columns are picked and a model fitted.
    monkeypatch.setenv("OMNIMIX_DB", str(gbp_db))
    at = open_app_page("pages/budget.py")
    at.segmented_control(key="budget_source").set_value("My weekly CSV").run()
    at.file_uploader(key="budget_upload").set_value(("weekly.csv", weekly.to_csv(index=False).encode(),
                                                     "text/csv")).run()
    at.file_uploader(key="budget_tests_upload").set_value(("bad.csv", BAD_LIFT_TEST, "text/csv")).run()
    assert not at.exception
    assert [e.value for e in at.error] == [message]
