"""Shared pieces of the case generators: row books, INSERT statements, invented values, time.

Why a separate module: the demo story (:mod:`storage.synthetic.demo_story`) and the scaled
synthetic generator (:mod:`storage.synthetic.network`) both need them, and
:mod:`storage.synthetic.generator` (the public API) imports both; keeping the helpers here
avoids an import cycle.

Everything here is deterministic: invented hashes, wallets and numbers are derived from labels
with SHA-256, never from ``random`` state or the clock, so the same input gives the same file.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Mapping, Sequence

PARIS = ZoneInfo("Europe/Paris")
"""The zone the generated stories happen in (and the ``time_zone`` of their ``case_info``)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)

#: Base58 and bech32 alphabets, so invented wallets look like the real thing to the eye.
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def columns(table: str) -> tuple[str, ...]:
    """Column names of ``table`` in schema order (the case format's contract)."""
    # Imported here, not at the top: the synthetic worker process imports this module and
    # must start fast; storage.case.schema pulls in SQLAlchemy (~0.45 s).
    from storage.case.schema import Base

    return tuple(column.name for column in Base.metadata.tables[table].columns)


def insert_sql(table: str, cols: Sequence[str], null_if: Mapping[str, str] | None = None) -> str:
    """``INSERT`` statement for ``cols`` of ``table``, one ``?`` per column.

    ``null_if`` maps a column to a SQL literal that stands for NULL (``NULLIF(?, 0)``). Bulk
    writers bind ``0`` or ``''`` instead of ``None`` because CPython's ``sqlite3`` runs
    ``None`` through its adapter lookup (an exception raised and cleared per value), which
    measured ~0.4 µs per NULL: more than the rest of the row's binding. Floats need no
    sentinel: SQLite stores a bound NaN as NULL.
    """
    null_if = null_if or {}
    values = ", ".join(f"NULLIF(?, {null_if[c]})" if c in null_if else "?" for c in cols)
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({values})"


def digest(*parts: object) -> bytes:
    """SHA-256 of ``parts``: the deterministic source of every invented value."""
    text = "\x1f".join(str(p) for p in ("filature-generator", *parts))
    return hashlib.sha256(text.encode("utf-8")).digest()


def fake_sha256(*parts: object) -> str:
    """A well-formed 64-hex SHA-256 standing for an exhibit's hash (there is no real file)."""
    return digest("exhibit", *parts).hex()


def _encode(raw: bytes, alphabet: str, length: int) -> str:
    number = int.from_bytes(raw * (1 + length // 20), "big")
    out = []
    for _ in range(length):
        number, rest = divmod(number, len(alphabet))
        out.append(alphabet[rest])
    return "".join(out)


def fake_btc_address(*parts: object) -> str:
    """An invented bech32-looking Bitcoin address (checksum not valid: it is not a wallet)."""
    return "bc1q" + _encode(digest("btc", *parts), _BECH32, 38)


def fake_xmr_address(*parts: object) -> str:
    """An invented Monero-looking address: 95 base58 characters starting with ``4``."""
    return "4" + _encode(digest("xmr", *parts), _BASE58, 94)


def fake_digits(count: int, *parts: object) -> str:
    """``count`` decimal digits derived from ``parts``."""
    return str(int.from_bytes(digest("digits", *parts), "big"))[-count:].zfill(count)


def local_us(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
    micro: int = 0, *, fold: int = 0, zone: ZoneInfo = PARIS,
) -> int:
    """UTC microseconds of a wall-clock time in ``zone``, computed exactly (no float).

    ``fold`` picks the first (0) or second (1) occurrence of a wall time that happens twice
    when clocks go back; a time that never happens (clocks going forward) is shifted the
    way Python does it, which callers that care must say in ``ts_raw``.
    """
    local = datetime(year, month, day, hour, minute, second, micro, tzinfo=zone, fold=fold)
    return (local - _EPOCH) // _ONE_US


def utc_iso(ts_us: int) -> str:
    """ISO 8601 UTC text of a microsecond timestamp (for ``case_info`` and ``ts_raw``)."""
    return (_EPOCH + timedelta(microseconds=ts_us)).strftime("%Y-%m-%dT%H:%M:%SZ")


class RowBook:
    """Rows of a small case, table by table, with ids given in the order rows are added.

    The demo story is a few thousand rows: building them as keyword arguments keeps the story
    readable, and one ``executemany`` per table at the end keeps writing fast. Events are the
    exception to "ids in insertion order": :meth:`write` sorts them by ``ts`` first so that
    ``event.id`` order is time order, as in the synthetic cases.
    """

    def __init__(self) -> None:
        from storage.case.schema import Base  # not at the top: see columns()

        self._rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in Base.metadata.tables}
        self._cols = {t: columns(t) for t in Base.metadata.tables}

    def add(self, table: str, **values: Any) -> int:
        """Append a row (missing columns are NULL) and return its id."""
        cols = self._cols[table]
        unknown = set(values) - set(cols)
        if unknown:
            raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
        rows = self._rows[table]
        row_id = len(rows) + 1
        values.setdefault("id", row_id)
        rows.append(tuple(values.get(c) for c in cols))
        return row_id

    def count(self, table: str) -> int:
        """Rows added to ``table`` so far."""
        return len(self._rows[table])

    def write(self, con: sqlite3.Connection) -> None:
        """Insert every row; events in ``(ts, order added)`` order with fresh ids."""
        ts_at = self._cols["event"].index("ts")
        events = sorted(self._rows["event"], key=lambda r: (r[ts_at], r[0]))
        self._rows["event"] = [(i, *row[1:]) for i, row in enumerate(events, start=1)]
        from storage.case.schema import Base

        for table in Base.metadata.sorted_tables:
            rows = self._rows[table.name]
            if rows and table.name != "case_info":
                con.executemany(insert_sql(table.name, self._cols[table.name]), rows)
