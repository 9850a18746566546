"""Bad values inside a case that opens: counted and named, never fatal.

The opener refuses bad *files*. A file that opens can still hold rows another tool, a hand or
a hostile sender got wrong: a time of ``0`` or in seconds, a time that is text, bounds the
wrong way round, an event citing an actor or exhibit the case does not have. The case stays
viewable; :func:`check_values` says what is odd, how often, and where to look (example
ids), for ``info`` and the Case dock.

Two reads answer every question (a sum per condition, see :func:`check_values`); example ids
for the conditions that hold come from one short query each. At 10⁶ events it takes ~0.3 s,
on a worker after the views are filled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage.case.time_rules import PLAUSIBLE_FROM_US, PLAUSIBLE_UNTIL_US, US

if TYPE_CHECKING:
    from storage.reads.events import Cancelled

EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class ValueIssue:
    """One kind of bad value: how many rows hold it and a few of their ids."""

    code: str
    count: int
    examples: tuple[int, ...]
    message: str

    def line(self) -> str:
        """One line for a person: ``3 events: no time (…) (e.g. event 12, 40, 77…)``."""
        noun = "event" if self.count == 1 else "events"
        if not self.examples:
            return f"{self.count:,} {noun}: {self.message}"
        shown = ", ".join(str(i) for i in self.examples)
        more = "…" if self.count > len(self.examples) else ""
        return f"{self.count:,} {noun}: {self.message} (e.g. event {shown}{more})"


_INT = "typeof({0}) = 'integer'"
_TIME_IS_INT = _INT.format("ts")
_SECONDS = (PLAUSIBLE_FROM_US // US, PLAUSIBLE_UNTIL_US // US)
_MILLIS = (PLAUSIBLE_FROM_US // 1000, PLAUSIBLE_UNTIL_US // 1000)
_NANOS = (PLAUSIBLE_FROM_US * 1000, PLAUSIBLE_UNTIL_US * 1000)

#: (code, SQL condition on an ``event`` row, what it means) in the order they are reported.
_EVENT_CONDITIONS: tuple[tuple[str, str, str], ...] = (
    ("time_unreadable", f"ts IS NOT NULL AND NOT {_TIME_IS_INT}",
     "time is not an integer (text, a real or binary data): listed with no time"),
    ("time_not_set", "ts IS NULL OR ts = 0", "no time (0 or NULL: not set)"),
    ("time_in_seconds",
     f"{_TIME_IS_INT} AND ts >= {_SECONDS[0]} AND ts < {_SECONDS[1]}",
     "time looks like seconds, not microseconds (it would read as January 1970)"),
    ("time_in_milliseconds",
     f"{_TIME_IS_INT} AND ts >= {_MILLIS[0]} AND ts < {_MILLIS[1]}",
     "time looks like milliseconds, not microseconds (it would read as 1970)"),
    ("time_in_nanoseconds",
     f"{_TIME_IS_INT} AND ts >= {_NANOS[0]} AND ts < {_NANOS[1]}",
     "time looks like nanoseconds, not microseconds"),
    ("time_implausible",
     f"{_TIME_IS_INT} AND ts <> 0 AND (ts < {PLAUSIBLE_FROM_US} OR ts >= {PLAUSIBLE_UNTIL_US})"
     f" AND NOT (ts >= {_SECONDS[0]} AND ts < {_SECONDS[1]})"
     f" AND NOT (ts >= {_MILLIS[0]} AND ts < {_MILLIS[1]})"
     f" AND NOT (ts >= {_NANOS[0]} AND ts < {_NANOS[1]})",
     "time before 1980 or after 2099: left off the timeline"),
    ("id_unreadable", "typeof(id) <> 'integer'",
     "id is not an integer: left out of the views (a table not declared as Filature's)"),
    ("bounds_unreadable",
     "(ts_min IS NOT NULL AND NOT typeof(ts_min) = 'integer') OR "
     "(ts_max IS NOT NULL AND NOT typeof(ts_max) = 'integer') OR "
     "(end_ts IS NOT NULL AND NOT typeof(end_ts) = 'integer')",
     "a time bound or end is not an integer: it is ignored"),
    ("bounds_reversed",
     "typeof(ts_min) = 'integer' AND typeof(ts_max) = 'integer' AND ts_min > ts_max",
     "ts_min after ts_max (bounds the wrong way round)"),
)

#: Event columns that cite another table, and the table.
REFERENCES = (
    ("actor_id", "actor"),
    ("counterpart_id", "actor"),
    ("identifier_id", "identifier"),
    ("platform_id", "platform"),
    ("place_id", "place"),
    ("shipment_id", "shipment"),
    ("exhibit_id", "exhibit"),
)


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def _reference_condition(cur: Any, column: str, table: str) -> str:
    """SQL true when ``column`` cites a row ``table`` does not have.

    Ids numbered without holes (what every writer we know produces) make it two comparisons;
    otherwise a ``NOT IN`` lookup per row (~0.2 s per column at 10⁶ events).
    """
    cur.execute(f"SELECT count(*), min(id), max(id) FROM {table}")
    count, low, high = cur.fetchone()
    present = f"{column} IS NOT NULL AND "
    if not count:
        return f"{column} IS NOT NULL"
    if isinstance(low, int) and isinstance(high, int) and high - low + 1 == count:
        return (f"{present}(typeof({column}) <> 'integer' OR {column} < {low} "
                f"OR {column} > {high})")
    return f"{present}{column} NOT IN (SELECT id FROM {table})"


def _sums(conditions: list[tuple[str, str, str]]) -> str:
    return ", ".join(f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END)" for _, cond, _ in conditions)


def check_values(con: Any, cancelled: Cancelled | None = None) -> tuple[ValueIssue, ...]:
    """Every bad-value condition that holds in the event table, with counts and examples.

    Two reads: the times outside the plausible range, found through ``ix_event_ts`` (none,
    usually: ~50 ms at 10⁶ events), and one scan for bounds and references (~0.2 s).
    Names in the SQL come from this module's constants only; nothing from the case is
    formatted into it.
    """
    cur = con.cursor()
    times = [c for c in _EVENT_CONDITIONS if c[0].startswith("time_")]
    others = [c for c in _EVENT_CONDITIONS if not c[0].startswith("time_")]
    for column, table in REFERENCES:
        others.append((f"dangling_{column}", _reference_condition(cur, column, table),
                       f"{column} cites {_article(table)} {table} that is not in the case"))
    cur.execute(f"SELECT {_sums(times)} FROM event WHERE ts IS NULL OR "
                f"ts < {PLAUSIBLE_FROM_US} OR ts >= {PLAUSIBLE_UNTIL_US}")
    counts = list(cur.fetchone() or [0] * len(times))
    if cancelled is not None and cancelled():
        return ()
    cur.execute(f"SELECT {_sums(others)} FROM event")
    counts += list(cur.fetchone() or [0] * len(others))
    issues: list[ValueIssue] = []
    for (code, cond, message), count in zip([*times, *others], counts, strict=True):
        if not count:
            continue
        if cancelled is not None and cancelled():
            break
        cur.execute(f"SELECT id FROM event WHERE {cond} ORDER BY id LIMIT {EXAMPLES}")
        examples = tuple(int(r[0]) for r in cur.fetchall() if isinstance(r[0], int))
        issues.append(ValueIssue(code, int(count), examples, message))
    return tuple(issues)
