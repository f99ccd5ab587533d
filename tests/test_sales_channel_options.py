"""The sales-channel filter offers only channels with orders (a web-only shop sees only web).

Every database starts with the standard channels (web, app, store, marketplace, social), so
a shop that sells only on the web used to be offered four channels that can only show
"no data". The sidebar, shared links and the CLI's ``--channels`` all follow the same list.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.cli import main
from core.store import reads
from core.store.db import open_db
from core.store.loader import LoadRequest, load_files

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
IDLE = ["app", "marketplace", "social", "store"]


@pytest.fixture(scope="module")
def web_only_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database whose 60 customers ordered only on the web (enough for the privacy rule)."""
    db = tmp_path_factory.mktemp("web_only") / "shop.duckdb"
    customers = "customer_id,signup_date\n" + "".join(f"C{i:03d},2023-12-01\n" for i in range(60))
    orders = "order_id,customer_id,order_ts,channel\n" + "".join(
        f"O{i:03d},C{i % 60:03d},2024-{1 + i % 12:02d}-{1 + i % 28:02d} 10:00,web\n" for i in range(240)
    )
    load_files(db, [LoadRequest("customers", customers.encode(), name="customers.csv"),
                    LoadRequest("orders", orders.encode(), name="orders.csv")])
    return db


def test_reads_list_only_channels_with_orders(web_only_db: Path) -> None:
    with open_db(web_only_db, read_only=True) as con:
        assert reads.sales_channels(con) == ["web"]
        assert reads.sales_channels_without_orders(con) == IDLE


def test_cli_refuses_a_channel_without_orders_in_its_own_words(web_only_db: Path, capsys) -> None:
    assert main(["overview", "--db", str(web_only_db), "--channels", "web,store"]) == 2
    assert capsys.readouterr().err == (
        "omnimix: Sales channel(s) store in --channels have no orders in this database; channels with orders: web.\n"
    )


def test_cli_still_calls_an_unknown_channel_unknown(web_only_db: Path, capsys) -> None:
    # A typo beside a channel without orders: the typo is the problem to name first.
    assert main(["overview", "--db", str(web_only_db), "--channels", "store,teleshop"]) == 2
    assert capsys.readouterr().err == "omnimix: Unknown sales channel(s) teleshop in --channels; the data has web.\n"


def test_cli_accepts_a_channel_with_orders(web_only_db: Path, capsys) -> None:
    assert main(["overview", "--db", str(web_only_db), "--channels", "web"]) == 0


def _run(db: Path, monkeypatch: pytest.MonkeyPatch, query: dict[str, str] | None = None) -> AppTest:
    monkeypatch.setenv("OMNIMIX_DB", str(db))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(query or {})
    return at.run()


def _texts(elements) -> list[str]:  # noqa: ANN001
    return [e.value for e in elements]


def test_sidebar_lists_only_channels_with_orders_and_says_so(web_only_db: Path, monkeypatch) -> None:
    at = _run(web_only_db, monkeypatch)
    assert not at.exception and not at.error
    box = at.multiselect(key="filter_channels")
    assert box.options == ["web"] and box.value == ["web"]
    assert "without any order are not listed" in box.help
    assert "Not listed (no orders): app, marketplace, social, store." in _texts(at.sidebar.caption)


@pytest.mark.parametrize(
    ("channels", "toast"),
    [("store,web", "Ignored store from the link: no orders in this database."),
     ("store", "None of the channels in the link have orders in this database; showing all channels.")],
)
def test_a_link_naming_a_channel_without_orders_is_ignored_with_a_note(web_only_db: Path, monkeypatch, channels,
                                                                       toast) -> None:
    at = _run(web_only_db, monkeypatch, {"start": "2024-01-01", "end": "2024-12-31", "channels": channels})
    assert not at.exception and not at.error
    assert toast in _texts(at.toast)
    assert at.multiselect(key="filter_channels").value == ["web"]
    assert "channels" not in at.query_params  # web is every channel with orders: "all"
