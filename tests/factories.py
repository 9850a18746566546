"""Small, valid, deterministic cases for everybody's tests, built through ``case_writer``.

``make_case`` writes a case the way the real importers do (plain ``sqlite3`` through
:func:`storage.case.writer.create_case_file` and :func:`~storage.case.writer.finish_case_file`),
so what the tests open is what users open. Every value is derived from the row number: two
calls with the same arguments give byte-identical files.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from storage.case.vocab import EVENT_KINDS
from storage.case.writer import create_case_file, finish_case_file

T0 = 1_714_557_600_000_000
"""2024-05-01T10:00:00Z in microseconds: the first event of every factory case."""
STEP = 3_600_000_000
"""One hour between consecutive events."""

DEFAULT_INFO: dict[str, str] = {
    "title": "Opération Filature-Test",
    "reference": "TEST-2024-001",
    "time_zone": "Europe/Paris",
    "classification": "TEST DATA",
    "created": "2024-06-01T09:00:00Z",
}

EXHIBITS = [
    (1, "S-01", "phone_extraction", "Seller's phone", T0 - 86_400_000_000, "OPJ Martin"),
    (2, "S-02", "chat_export", "Marketplace chat export", T0 - 43_200_000_000, "OPJ Martin"),
    (3, "S-03", "parcel_record", "Carrier tracking record", T0, "Douane Lyon"),
]
PLATFORMS = [(1, "Snapchat", "social"), (2, "Signal", "messaging"), (3, "Colissimo", "carrier")]
ACTORS = [
    (1, "« Le Chimiste »", "seller", 1),
    (2, "Courier K.", "courier", 1),
    (3, "Customer 17", "customer", 2),
    (4, "Supplier NL", "supplier", None),
]
IDENTIFIERS = [
    (1, "account", "chimiste_69", 1, 0, 2),
    (2, "phone", "+33 6 12 34 56 78", None, 0, 1),
    (3, "wallet", "bc1qexampleexampleexample", None, 0, 1),
    (4, "phone", "+33 7 00 00 00 01", None, 1, 1),  # hijacked number: a third party's
]
ATTRIBUTIONS = [
    (1, 1, 1, "uses", 0.9, "Same selfie in profile and in phone gallery", 1),
    (2, 2, 1, "uses", 0.8, "Number saved as 'moi' in courier's phone", 1),
    (3, 4, 2, "uses", 0.6, "Used for pickup SMS", 3),
    (4, 4, 4, "registered_to", 1.0, "Operator answer", None),
]
PLACES = [
    (1, "Lyon", "city", 45.764, 4.8357, "city", "FR", 0),
    (2, "Rotterdam", "city", 51.9244, 4.4777, "city", "NL", 0),
    (3, "Relais Colis 69007", "pickup_point", 45.7456, 4.8421, "street", "FR", 0),
    (4, "Chilly-Mazarin hub", "hub", 48.7, 2.31, "city", "FR", 0),
]


def make_case(
    path: Path,
    *,
    events: int = 20,
    info: dict[str, Any] | None = None,
    fts: bool = True,
    journal: str = "delete",
) -> Path:
    """Write a small valid case at ``path`` and return ``path``.

    Parameters
    ----------
    events
        Number of events; kinds cycle through :data:`storage.case.vocab.EVENT_KINDS`, one hour
        apart from :data:`T0`, every third one with a message mentioning a parcel.
    info
        ``case_info`` entries merged over :data:`DEFAULT_INFO`; a key mapped to ``None`` is
        left out (``format_version`` included), to build cases with a missing key.
    fts
        Build the external-content FTS5 index ``event_fts``.
    journal
        ``"delete"`` (what ``finish_case_file`` leaves) or ``"wal"``: the header then says
        WAL, as a case last written by a WAL-mode tool would (no ``-wal`` file is left).
    """
    wanted = {**DEFAULT_INFO, **(info or {})}
    present = {k: str(v) for k, v in wanted.items() if v is not None and k != "format_version"}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = create_case_file(Path(path), present, overwrite=True)
    if "format_version" in wanted:
        if wanted["format_version"] is None:
            con.execute("DELETE FROM case_info WHERE key = 'format_version'")
        else:
            con.execute(
                "UPDATE case_info SET value = ? WHERE key = 'format_version'",
                (str(wanted["format_version"]),),
            )
    _fill(con, events)
    finish_case_file(con, fts=fts)
    if journal == "wal":
        wal = sqlite3.connect(path)
        wal.execute("PRAGMA journal_mode=WAL")
        wal.close()  # the last connection checkpoints and removes the -wal
    elif journal != "delete":
        raise ValueError(f"journal must be 'delete' or 'wal', not {journal!r}")
    return Path(path)


EVENT_INSERT = (
    "INSERT INTO event(id, ts, precision, kind, title, message, actor_id, identifier_id, "
    "platform_id, place_id, shipment_id, amount, currency, exhibit_id, source_record) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
"""Parameterised insert matching :func:`event_row`, for tests that add events later."""


def event_row(i: int) -> tuple[Any, ...]:
    """The ``i``-th factory event (1-based) as inserted by :func:`make_case`."""
    kind = EVENT_KINDS[(i - 1) % len(EVENT_KINDS)]
    actor = 1 + (i - 1) % len(ACTORS)
    message = f"Parcel {i} sent via relay, code {i * 7919 % 10_000:04d}" if i % 3 == 0 else None
    amount = round(20.0 + i * 2.5, 2) if kind in ("payment", "test_purchase") else None
    return (
        i,
        T0 + (i - 1) * STEP,
        "second",
        kind,
        f"{kind.replace('_', ' ')} #{i}",
        message,
        actor,
        1 + (i - 1) % len(IDENTIFIERS),
        1 + (i - 1) % len(PLATFORMS),
        1 + (i - 1) % len(PLACES),
        1 if kind in ("parcel_posted", "tracking_scan", "delivery") else None,
        amount,
        "EUR" if amount is not None else None,
        1 + (i - 1) % len(EXHIBITS),
        f"record-{i:06d}",
    )


def _fill(con: sqlite3.Connection, events: int) -> None:
    con.executemany(
        "INSERT INTO exhibit(id, label, kind, description, acquired_at, acquired_by) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        EXHIBITS,
    )
    con.executemany("INSERT INTO platform(id, name, kind) VALUES (?, ?, ?)", PLATFORMS)
    con.executemany(
        "INSERT INTO actor(id, display_name, role, exhibit_id) VALUES (?, ?, ?, ?)", ACTORS
    )
    con.executemany(
        "INSERT INTO identifier(id, kind, value, platform_id, third_party, exhibit_id) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        IDENTIFIERS,
    )
    con.executemany(
        "INSERT INTO attribution(id, identifier_id, actor_id, kind, confidence, justification, "
        "exhibit_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ATTRIBUTIONS,
    )
    con.executemany(
        "INSERT INTO place(id, name, kind, lat, lon, precision, country_code, third_party) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        PLACES,
    )
    con.execute(
        "INSERT INTO shipment(id, carrier, tracking_number, sender_actor_id, "
        "recipient_actor_id, weight_g, declared_content, real_content, status, exhibit_id) "
        "VALUES (1, 'Colissimo', '6A12345678901', 2, 3, 512.0, 'Cosmetics', "
        "'MDMA 480 g', 'seized', 3)"
    )
    con.executemany(
        "INSERT INTO shipment_leg(shipment_id, seq, from_place_id, to_place_id, departed_ts, "
        "arrived_ts, exhibit_id) VALUES (1, ?, ?, ?, ?, ?, 3)",
        [
            (1, 2, 4, T0 + 2 * STEP, T0 + 20 * STEP),
            (2, 4, 3, T0 + 22 * STEP, T0 + 30 * STEP),
        ],
    )
    con.executemany(
        "INSERT INTO relation(from_actor_id, to_actor_id, kind, confidence, justification, "
        "exhibit_id) VALUES (?, ?, ?, ?, ?, ?)",
        [(4, 1, "supplier_of", 0.7, "Wire transfers", 1), (2, 1, "works_for", 0.9, "Chats", 2)],
    )
    con.executemany(EVENT_INSERT, (event_row(i) for i in range(1, events + 1)))


def sql_rows(path: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """The rows of one query on the case file at ``path`` (opened and closed around it)."""
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def sql_value(path: Path, sql: str, *args: object) -> Any:
    """The first column of the first row of one query on ``path``."""
    return sql_rows(path, sql, *args)[0][0]
