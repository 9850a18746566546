"""Deep links: ``--range START/END`` and ``--select KIND:ID`` from the command line.

A range is parsed in two steps because a time written without an offset means the *case's*
wall clock (an investigator types what the screenshots show), and the case's zone is only
known once it is open. :func:`parse_range` checks the syntax before any window appears (a typo
exits 2 at once); :func:`RangeSpec.resolve` turns it into UTC microseconds with the zone. A
wall-clock time that does not exist (the spring-forward gap) or exists twice (the autumn
overlap) is refused with a message naming both readings, instead of guessing: a court
screenshot must show the hour that was meant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.state import EntityRef

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DURATION = re.compile(
    r"^P(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


class DeepLinkError(ValueError):
    """A deep link that cannot be followed; the message is shown to the user as is."""


@dataclass(frozen=True, slots=True)
class RangeSpec:
    """A parsed ``START/END``: each end is a datetime (naive = case zone) or a duration."""

    text: str
    start: datetime | timedelta
    end: datetime | timedelta

    def resolve(self, zone: str) -> tuple[int, int]:
        """``(start_us, end_us)`` in UTC, reading naive times in ``zone``."""
        try:
            return self._resolve(_zone(zone))
        except DeepLinkError as exc:
            text = str(exc)
            raise DeepLinkError(text if text.startswith("--range") else
                                f"--range {self.text}: {text}") from None

    def _resolve(self, tz: ZoneInfo) -> tuple[int, int]:
        try:
            start, end = self._instants(tz)
        except DeepLinkError:
            raise
        except (OverflowError, ValueError):  # a year datetime cannot hold in this zone
            start, end = RANGE_FROM_US - 1, RANGE_FROM_US - 1
        if start < RANGE_FROM_US or end > RANGE_UNTIL_US:
            raise DeepLinkError(f"--range {self.text}: out of bounds (a range must lie between "
                                "1900-01-01 and 2200-01-01)")
        if end <= start:
            raise DeepLinkError(f"--range {self.text}: the end must come after the start")
        return start, end

    def _instants(self, tz: ZoneInfo) -> tuple[int, int]:
        if isinstance(self.start, timedelta):
            assert isinstance(self.end, datetime)
            end = to_utc_us(self.end, tz)
            start = end - _us(self.start)
        else:
            start = to_utc_us(self.start, tz)
            end = (start + _us(self.end) if isinstance(self.end, timedelta)
                   else to_utc_us(self.end, tz))
        return start, end


RANGE_FROM_US = -2_208_988_800_000_000
"""1900-01-01T00:00:00Z: no case needs a view before (and 0001-01-01 overflows datetimes)."""
RANGE_UNTIL_US = 7_258_118_400_000_000
"""2200-01-01T00:00:00Z."""


@dataclass(frozen=True, slots=True)
class DeepLink:
    """What the command line asked the window to show once the case is loaded."""

    range: RangeSpec | None = None
    select: EntityRef | None = None
    time_selection: RangeSpec | None = None
    """A time range selected as Shift+drag selects one: the map, table and cards follow it."""


def parse_range(text: str) -> RangeSpec:
    """Parse an ISO 8601 interval: ``START/END``, ``START/DURATION`` or ``DURATION/END``.

    Ends are ``2024-03-31``, ``2024-03-31T02:30``, ``2024-03-31T02:30:00.5+02:00`` or ``…Z``;
    durations are ``PnWnDTnHnMnS`` (no years or months: their length depends on the calendar).
    """
    parts = text.strip().split("/")
    if len(parts) != 2 or not all(parts):
        raise DeepLinkError(f"--range {text}: expected START/END in ISO 8601, "
                            "e.g. 2024-03-31T00:00/2024-04-01T00:00")
    start, end = (_parse_end(p.strip(), text) for p in parts)
    if isinstance(start, timedelta) and isinstance(end, timedelta):
        raise DeepLinkError(f"--range {text}: one end must be a date or time")
    return RangeSpec(text=text, start=start, end=end)


def parse_select(text: str) -> EntityRef:
    """``KIND:ID`` (``event:123``, ``actor:7``) as an :class:`EntityRef`."""
    try:
        return EntityRef.parse(text)
    except ValueError as exc:
        raise DeepLinkError(f"--select {text}: {exc}") from None


def to_utc_us(moment: datetime, tz: ZoneInfo) -> int:
    """UTC microseconds of ``moment``; a naive one is a wall-clock time in ``tz``."""
    if moment.tzinfo is None:
        moment = _localize(moment, tz)
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _localize(wall: datetime, tz: ZoneInfo) -> datetime:
    early, late = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    round_trip = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != wall:
        raise DeepLinkError(
            f"{wall.isoformat()} does not exist in {tz.key}: the clocks jumped forward "
            f"(write it with an offset, e.g. {_with_offset(early)} or {_with_offset(late)})")
    if early.utcoffset() != late.utcoffset():
        raise DeepLinkError(
            f"{wall.isoformat()} happened twice in {tz.key}: the clocks went back "
            f"(write {_with_offset(early)} for the first or {_with_offset(late)} for the second)")
    return early


def _with_offset(moment: datetime) -> str:
    return moment.astimezone(UTC).astimezone(moment.tzinfo).isoformat()


def _parse_end(part: str, whole: str) -> datetime | timedelta:
    if part.upper().startswith("P"):
        match = _DURATION.match(part.upper())
        if match is None or part.upper() in ("P", "PT"):
            raise DeepLinkError(f"--range {whole}: {part!r} is not a duration like PT6H or P2D")
        values = {k: float(v) for k, v in match.groupdict().items() if v}
        return timedelta(weeks=values.get("w", 0), days=values.get("d", 0),
                         hours=values.get("h", 0), minutes=values.get("m", 0),
                         seconds=values.get("s", 0))
    try:
        if len(part) == 10:
            return datetime.combine(date.fromisoformat(part), datetime.min.time())
        return datetime.fromisoformat(part.replace("z", "Z"))
    except ValueError:
        raise DeepLinkError(f"--range {whole}: {part!r} is not an ISO 8601 date or time") from None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def _us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
