"""Personal data (PII) in loaded files: the rule that keeps raw PII out of every Omnimix database.

The rule (applied by :mod:`core.store.loader` to each file's staged rows, before anything is inserted):

1. **Which columns are PII.** A source column is PII when its header, lower-cased with every
   run of non-letters/digits turned into ``_``, is one of :data:`PII_COLUMN_NAMES` (e-mail,
   phone, names, address parts, postcode/zip, IP address, date of birth, national/tax ids...).
   The rule covers the tables whose rows describe people (:data:`PERSON_TABLES`: customers,
   orders, events, touchpoints); in ``products``, ``name`` is a product name, not personal data.
2. **Unmapped PII columns are dropped.** The loader only reads the columns it stores, so an
   ``email`` or ``address`` column next to the customer columns never reaches the database;
   the load report lists it among the ignored columns.
3. **PII mapped into a stored column is pseudonymised.** When a PII column feeds a table
   column (e.g. ``--map email=customer_id``), each value is stored as
   ``"pii_" + first 32 hex digits of SHA-256(salt + value)``. So is any value that looks like
   an e-mail address in a text column of a person table, whatever its header (an e-mail used
   as customer id). The same value always gives the same pseudonym within one database, so
   a customer's orders still join to the customer; without the salt a pseudonym cannot be
   turned back into the e-mail by hashing guesses.
4. **The salt** is 32 random bytes generated once per database and kept in the table
   :data:`SECRETS_TABLE`, which is not part of the schema: no page, export or CLI command
   reads or prints it. Copying the database file copies the salt; deleting the row makes
   later loads produce new, unrelated pseudonyms.
5. A PII column mapped into a non-text column (a date of birth into ``signup_date``) cannot be
   pseudonymised and is refused with an error naming the column.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence

import duckdb

from core.errors import LoadError
from core.store.schema import Table

SECRETS_TABLE = "_omnimix_secrets"
PERSON_TABLES: frozenset[str] = frozenset({"customers", "orders", "events", "touchpoints"})
PII_COLUMN_NAMES: frozenset[str] = frozenset(
    {
        # e-mail
        "email",
        "e_mail",
        "mail",
        "email_address",
        "e_mail_address",
        "mail_address",
        # phone
        "phone",
        "phone_number",
        "phonenumber",
        "telephone",
        "tel",
        "mobile",
        "mobile_phone",
        "mobile_number",
        "cell",
        "cellphone",
        "fax",
        # names
        "name",
        "full_name",
        "fullname",
        "first_name",
        "firstname",
        "given_name",
        "last_name",
        "lastname",
        "surname",
        "family_name",
        "middle_name",
        "customer_name",
        "contact_name",
        # address
        "address",
        "street",
        "street_address",
        "address_line",
        "address_line_1",
        "address_line_2",
        "address1",
        "address2",
        "house_number",
        "city",
        "postcode",
        "post_code",
        "postal_code",
        "zip",
        "zip_code",
        "zipcode",
        # online identifiers, birth and official ids
        "ip",
        "ip_address",
        "ipaddress",
        "date_of_birth",
        "birth_date",
        "birthdate",
        "dob",
        "birthday",
        "ssn",
        "national_id",
        "passport",
        "passport_number",
        "tax_id",
        "iban",
        "credit_card",
        "card_number",
    }
)
PSEUDONYM_PREFIX = "pii_"
_EMAIL = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"


def normalise_header(header: str) -> str:
    """``"E-Mail Address"`` → ``"e_mail_address"``."""
    return re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")


def is_pii_column(header: str) -> bool:
    """Whether a source column header names personal data (see :data:`PII_COLUMN_NAMES`)."""
    return normalise_header(header) in PII_COLUMN_NAMES


def database_salt(con: duckdb.DuckDBPyConnection) -> str:
    """The database's pseudonymisation salt, created on first use (needs a writable connection)."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {SECRETS_TABLE} (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    row = con.execute(f"SELECT value FROM {SECRETS_TABLE} WHERE name = 'pii_salt'").fetchone()
    if row is not None:
        return row[0]
    salt = secrets.token_hex(32)
    con.execute(f"INSERT INTO {SECRETS_TABLE} VALUES ('pii_salt', ?)", [salt])
    return salt


def pseudonym_sql(expr: str) -> str:
    """SQL computing the pseudonym of ``expr``; expects the salt as parameter ``$salt``."""
    return f"'{PSEUDONYM_PREFIX}' || left(sha256($salt || {expr}), 32)"


def protect_staged(
    con: duckdb.DuckDBPyConnection, table: Table, header: Sequence[str], positions: Mapping[str, int], staged: str
) -> list[str]:
    """Pseudonymise PII in the loader's staged rows, in place, before they are checked and inserted.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The loading connection (writable, inside the load transaction).
    table : Table
        Target table.
    header : sequence of str
        The file's column headers.
    positions : mapping of str to int
        Table column -> position of the source column that feeds it.
    staged : str
        Name of the loader's temp table (``_raw_<col>`` text and ``<col>`` typed columns).

    Returns
    -------
    list of str
        Table columns whose values were (at least partly) pseudonymised.

    Raises
    ------
    LoadError
        A PII column is mapped into a column that cannot hold a pseudonym.
    """
    if table.name not in PERSON_TABLES:
        return []
    fed_by_pii = [col for col, i in positions.items() if is_pii_column(header[i])]
    for col in fed_by_pii:
        if table.column(col).sql_type != "VARCHAR":
            raise LoadError(
                f"Column {header[positions[col]]!r} holds personal data and cannot be stored in "
                f"{table.name}.{col} ({table.column(col).sql_type}); remove the mapping.",
                column=header[positions[col]],
            )
    text_cols = [c.name for c in table.columns if c.sql_type == "VARCHAR" and c.name in positions]
    if not text_cols:
        return []
    looks_like_email = {
        c
        for c in text_cols
        if c not in fed_by_pii
        and con.execute(
            f"SELECT count(*) FROM {staged} WHERE regexp_full_match({c}, $email)", {"email": _EMAIL}
        ).fetchone()[0]
    }
    todo = sorted(set(fed_by_pii) | looks_like_email)
    if not todo:
        return []
    salt = database_salt(con)
    for col in todo:
        params = {"salt": salt} if col in fed_by_pii else {"salt": salt, "email": _EMAIL}
        cond = "TRUE" if col in fed_by_pii else f"regexp_full_match({col}, $email)"
        # Table and column names come from core.store.schema, never from the file.
        con.execute(
            f"UPDATE {staged} SET {col} = {pseudonym_sql(col)}, _raw_{col} = {pseudonym_sql(col)} "
            f"WHERE {col} IS NOT NULL AND {cond}",
            params,
        )
    return todo
