"""Data: which database is in use, what it holds, and loading your own CSV or Parquet files."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import LoadError
from core.settings import CURRENCIES, WEEKDAYS, write_settings
from core.settings.store import MAX_NAME_LENGTH
from core.store.loader import LOAD_ORDER, LoadReport, load_file, parse_mapping
from core.store.schema import TABLES, TYPE_WORDS
from core.warmup import warm_caches
from dashboard import components, data_access, state
from dashboard.navigation import ROOT

EXAMPLES = ROOT / "sample_data" / "examples"
_LAST_LOAD = "data_last_load"
_SAVED = "data_settings_saved"

st.title("Data")
st.caption("The database the dashboard reads, and a form to load your own files into it (checked first, all or nothing).")

ctx = state.current()
db = ctx.db

# ---- Database in use -------------------------------------------------------------------------
st.subheader("Database in use")
if not db.exists():
    st.warning(state.missing_db_message(db))
    if st.button(f"Create an empty database at {db}", icon=":material/add:"):
        with components.guard("the new database"):
            data_access.create_empty_database(db)
            st.rerun()
    st.stop()

with components.guard("the database contents"):
    summary = data_access.database_summary(db)
    counts = pd.DataFrame(
        {
            "table": list(summary["rows"]),
            "rows": list(summary["rows"].values()),
            "meaning": [TABLES[t].meaning for t in summary["rows"]],
        }
    )
    size_mb = db.stat().st_size / 1e6
    span = f"orders from {summary['first_order']} to {summary['last_order']}" if summary["first_order"] else "no orders yet"
    st.markdown(f"`{db}` · {size_mb:,.1f} MB · {span}")
    components.table(counts, "table_row_counts", labels={"table": "Table", "rows": "Rows", "meaning": "Holds"}, formats={"rows": "localized"})
    if st.button(
        "Reload from disk",
        help="Use after the file was replaced outside the dashboard, e.g. by `omnimix generate --force` to this path. "
        "While the dashboard runs, other programs can read this database but not change it: load files on this page.",
    ):
        data_access.refresh()
        st.rerun()

# ---- Load a file -----------------------------------------------------------------------------
st.subheader("Load a file")
table = st.selectbox(
    "Table to load into",
    LOAD_ORDER,
    format_func=lambda t: f"{t} — {TABLES[t].meaning}",
    help="Load referenced tables first: customers and products before orders, orders before order lines.",
)
spec = TABLES[table]
st.markdown(f"**Expected columns of `{table}`** (headers match case-insensitively; extra columns are ignored)")
expected = pd.DataFrame(
    {
        "column": spec.column_names,
        "type": [TYPE_WORDS[c.sql_type] for c in spec.columns],
        "required": ["yes" if not c.nullable else "no" for c in spec.columns],
        "meaning": [c.meaning for c in spec.columns],
    }
)
components.table(
    expected,
    f"{table}_expected_columns",
    labels={"column": "Column", "type": "Type", "required": "Required", "meaning": "Meaning"},
)
example = EXAMPLES / f"{table}.csv"
if example.is_file():
    if not components.is_presenting():  # no downloads in presentation mode
        st.download_button(
            f"Download example {example.name}",
            example.read_bytes(),
            file_name=example.name,
            mime="text/csv",
            on_click="ignore",
            icon=":material/description:",
        )

with st.form("load_form", clear_on_submit=True):
    upload = st.file_uploader(
        "CSV or Parquet file",
        type=["csv", "tsv", "txt", "parquet", "pq"],
        help="CSV in UTF-8 with a header line; dates as YYYY-MM-DD, decimals with a point.",
    )
    mapping_text = st.text_area(
        "Column mapping (optional)",
        placeholder="when=order_ts\nshop=channel",
        help=f"One SOURCE=COLUMN per line for file headers that differ from the table's columns "
        f"({', '.join(spec.column_names)}).",
    )
    submitted = st.form_submit_button("Load", type="primary", icon=":material/upload:")

if submitted:
    st.session_state.pop(_LAST_LOAD, None)  # an older success must not sit under a new error
    if upload is None:
        st.warning("Choose a file to load first.")
    else:
        with components.guard("the load"):
            try:
                mapping = parse_mapping([line for line in mapping_text.splitlines() if line.strip()])
                with data_access.writable(db) as con:
                    report = load_file(con, table, upload.getvalue(), mapping or None, name=upload.name)
            except LoadError as exc:
                st.error(f"{exc}\n\nNothing was loaded; the database is unchanged.", icon=":material/error:")
            else:
                # Rerun so the sidebar's date range and channel list include the new rows.
                st.session_state[_LAST_LOAD] = report
                st.rerun()

# ---- Result of the last load (kept across the rerun that refreshes the sidebar) ----------------
last: LoadReport | None = st.session_state.get(_LAST_LOAD)
if last is not None:
    st.success(f"Loaded {last.rows_loaded:,} rows from {last.file} into {last.table} in {last.seconds:.2f} s.")
    if last.columns_ignored:
        st.info(f"Columns not loaded (no matching table column): {', '.join(last.columns_ignored)}.")
    if last.columns_missing:
        st.caption(f"Optional columns left empty: {', '.join(last.columns_missing)}.")
    for note in last.notes:
        st.info(note, icon=":material/schedule:")
    st.markdown(f"**First {len(last.preview)} loaded rows**")
    components.table(last.preview, f"loaded_{last.table}_preview", labels={c: c for c in last.preview.columns})
    st.caption("When every table is loaded, prepare the slow first views now rather than on the first visit: "
               "the Attribution page's first view, the Recommendations page's parameter choice and the report's "
               "recommendation evaluation (about half a minute for 50,000 customers). "
               "`omnimix load` does this by itself after each file (`--no-warm` skips it).")
    if st.button("Prepare the slow pages now", icon=":material/bolt:", key="data_warm_up"):
        with st.spinner("Preparing the first views of the slow pages..."):
            done = warm_caches(db)
        st.success(done.summary(), icon=":material/bolt:")
        for note in done.notes:
            st.warning(note)

# ---- Settings of this database ---------------------------------------------------------------
st.subheader("Settings", help="Stored in the database itself: every page, report and command reading it uses them.")
with components.guard("the settings"):
    saved = data_access.settings(db)
    with st.form("settings_form"):
        codes = list(CURRENCIES)
        s1, s2, s3 = st.columns([2, 3, 2])
        new_currency = s1.selectbox(
            "Currency", codes, index=codes.index(saved.currency.code),
            format_func=lambda c: f"{c} — {CURRENCIES[c].name} ({CURRENCIES[c].amount(1234.5)})",
            help="The currency of the amounts in your files; it only changes how they are written, not the figures.",
        )
        new_name = s2.text_input("Business name", saved.business_name, max_chars=MAX_NAME_LENGTH,
                                 help="Shown in the sidebar and in the report title.")
        new_week = s3.selectbox("Weeks start on", WEEKDAYS, index=WEEKDAYS.index(saved.week_start),
                                format_func=str.capitalize,
                                help="First day of the weeks in weekly charts and tables.")
        save = st.form_submit_button("Save settings", icon=":material/save:")
    if save:
        with data_access.writable(db) as con:
            write_settings(con, currency=new_currency, business_name=new_name, week_start=new_week)
        st.cache_data.clear()  # every page's figures and headers follow the new settings
        st.session_state[_SAVED] = True  # said after the rerun (a toast before it would be lost)
        st.rerun()
    if st.session_state.pop(_SAVED, False):
        st.toast("Settings saved.", icon=":material/check:")
    st.caption(f"Amounts are written in {saved.currency.code} ({saved.currency.amount(1234.5)}); weeks start on "
               f"{saved.week_start.capitalize()}. Also `omnimix settings --db {db}`.")
