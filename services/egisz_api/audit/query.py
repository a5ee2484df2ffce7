"""The AuditEvent search as a value: FHIR ``date`` parameters as an instant range, the sort, the page
size and the keyset cursor (rules without data access; routes parse, the repository applies)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass

from egisz_api.audit.errors import InvalidSearchError

MAX_COUNT = 100
DEFAULT_COUNT = 20
ACTIONS = frozenset("CRUDE")
#: the search parameters of AuditEvent (EGISZ.md §1 table, §5 row 30) and their FHIR types; the
#: CapabilityStatement lists exactly these (besides the result parameters ``_sort`` and ``_count``)
SEARCH_PARAMETERS: dict[str, tuple[str, str]] = {
    "patient": ("reference", "the Patient whose record was touched (Patient/<id> or <id>)"),
    "date": ("date", "when the access was recorded; prefixes eq, lt, le, gt, ge"),
    "agent": ("reference", "who: the person's reference (Practitioner/7) or the token subject"),
    "entity": ("reference", "what was touched: <Type>/<id>, or the patient (Patient/<id>)"),
    "action": ("token", "C, R, U, D, E (comma = or)"),
    "outcome": ("token", "0 success, 4 refused or invalid, 8 server failure (comma = or)"),
    "type": ("token", "rest (audit-event-type): every event this server records"),
    "subtype": ("token", "the FHIR interaction (restful-interaction): read, vread, search-type..."),
}
OUTCOME_SYSTEM = "http://hl7.org/fhir/audit-event-outcome"
TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/audit-event-type"
SUBTYPE_SYSTEM = "http://hl7.org/fhir/restful-interaction"
ACTION_SYSTEM = "http://hl7.org/fhir/audit-event-action"
#: the one AuditEvent.type this server records (audit/balp.py)
RECORDED_TYPE = "rest"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# FHIR R4 §3.1.1.4 (search, date): yyyy, yyyy-mm, yyyy-mm-dd, or a dateTime with a time zone
_DATE = re.compile(
    r"^(?P<prefix>eq|ne|gt|lt|ge|le|sa|eb|ap)?"
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.(?P<frac>\d{1,6}))?)?)(?P<tz>Z|[+-]\d{2}:\d{2}))?)?)?$"
)
SUPPORTED_PREFIXES = ("eq", "gt", "lt", "ge", "le")


@dataclass(frozen=True, slots=True)
class Cursor:
    """The last row of a page: the next page starts after it in the sort order."""

    recorded: dt.datetime
    seq: int

    def encode(self) -> str:
        micros = (self.recorded - EPOCH) // dt.timedelta(microseconds=1)  # exact, no float
        return base64.urlsafe_b64encode(f"{micros}.{self.seq}".encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
            micros, seq = raw.split(".")
            recorded = EPOCH + dt.timedelta(microseconds=int(micros))
            return cls(recorded, int(seq))
        except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError, OSError) as exc:
            raise InvalidSearchError("The paging cursor is not one this server made.") from exc


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """``since`` inclusive, ``until`` exclusive; ``actions`` empty = any."""

    patient: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    agent: str | None = None
    actions: tuple[str, ...] = ()
    #: AuditEvent.outcome codes (empty = any)
    outcomes: tuple[str, ...] = ()
    #: AuditEvent.subtype codes (empty = any)
    subtypes: tuple[str, ...] = ()
    #: ``Type/id`` of the entity touched; a Patient matches the patient entity too
    entity: str | None = None
    #: False when a condition can match nothing (e.g. a ``type`` this server never records)
    satisfiable: bool = True
    newest_first: bool = True
    count: int = DEFAULT_COUNT
    after: Cursor | None = None


def _range(match: re.Match[str]) -> tuple[dt.datetime, dt.datetime]:
    """The instants [start, end) a (partial) FHIR date or dateTime stands for."""
    year = int(match["year"])
    if match["month"] is None:
        return dt.datetime(year, 1, 1, tzinfo=dt.UTC), dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    month = int(match["month"])
    if match["day"] is None:
        start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
        end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=dt.UTC)
        return start, end
    day = dt.date(year, month, int(match["day"]))
    if match["time"] is None:
        start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        return start, start + dt.timedelta(days=1)
    text = f"{day.isoformat()}T{match['time']}{match['tz'].replace('Z', '+00:00')}"
    start = dt.datetime.fromisoformat(text).astimezone(dt.UTC)
    parts = match["time"].count(":")
    if match["frac"]:
        step = dt.timedelta(microseconds=10 ** (6 - len(match["frac"])))
    else:
        step = dt.timedelta(seconds=1) if parts == 2 else dt.timedelta(minutes=1)
    return start, start + step


def date_bounds(values: list[str]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``date`` parameters (repeated = AND) as one range [since, until). Dates without a time are
    days in UTC."""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    for value in values:
        match = _DATE.match(value)
        if match is None:
            raise InvalidSearchError(f"date={value!r} is not a FHIR date (e.g. ge2026-01-31).")
        prefix = match["prefix"] or "eq"
        if prefix not in SUPPORTED_PREFIXES:
            raise InvalidSearchError(f"The date prefix {prefix!r} is not supported (eq, gt, lt, ge, le).")
        try:
            start, end = _range(match)
        except ValueError as exc:
            raise InvalidSearchError(f"date={value!r} is not a valid date.") from exc
        low, high = {
            "eq": (start, end),
            "ge": (start, None),
            "gt": (end, None),
            "le": (None, end),
            "lt": (None, start),
        }[prefix]
        if low is not None:
            since = low if since is None else max(since, low)
        if high is not None:
            until = high if until is None else min(until, high)
    return since, until


def parse_sort(value: str | None) -> bool:
    """``_sort``: ``-date`` (the default, newest first) or ``date``; True = newest first."""
    if value in (None, "-date"):
        return True
    if value == "date":
        return False
    raise InvalidSearchError(f"_sort={value!r} is not supported (date or -date).")


def parse_count(value: str | None) -> int:
    """``_count``: 1..100; a larger one is cut to 100 (FHIR lets a server return fewer)."""
    if value is None:
        return DEFAULT_COUNT
    try:
        count = int(value)
    except ValueError:
        raise InvalidSearchError(f"_count={value!r} is not a number.") from None
    if count < 1:
        raise InvalidSearchError("_count must be at least 1.")
    return min(count, MAX_COUNT)


def parse_actions(values: list[str]) -> tuple[str, ...]:
    """``action`` tokens (comma = OR), e.g. ``R,E``."""
    actions = _codes("action", values, ACTION_SYSTEM)
    for code in actions:
        if code not in ACTIONS:
            raise InvalidSearchError(f"action={code!r} is not an AuditEvent action (C, R, U, D, E).")
    return actions


def _codes(name: str, values: list[str], system: str) -> tuple[str, ...]:
    """A token parameter's codes (comma = or): ``code`` or ``system|code`` of the one system."""
    codes = []
    for value in values:
        for item in value.split(","):
            given_system, bar, code = item.rpartition("|")
            if bar and given_system not in ("", system):
                raise InvalidSearchError(f"{name}={item!r}: the system must be {system}.")
            if not code or len(code) > 64:
                raise InvalidSearchError(f"{name}={item!r} is not a code.")
            codes.append(code)
    return tuple(codes)


def parse_outcomes(values: list[str]) -> tuple[str, ...]:
    return _codes("outcome", values, OUTCOME_SYSTEM)


def parse_subtypes(values: list[str]) -> tuple[str, ...]:
    return _codes("subtype", values, SUBTYPE_SYSTEM)


def type_matches(values: list[str]) -> bool:
    """``type``: True unless some value asks for a type this server never records (then the
    search is empty; repeated = and, comma = or)."""
    return all(RECORDED_TYPE in _codes("type", [value], TYPE_SYSTEM) for value in values)


def entity_reference(value: str) -> str:
    """``entity=Observation/12`` → ``Observation/12`` (a relative reference with its type)."""
    if not re.fullmatch(r"[A-Z][A-Za-z]{0,63}/[A-Za-z0-9\-.]{1,64}", value):
        raise InvalidSearchError(f"entity={value!r} is not a reference like Observation/12.")
    return value


def patient_id(value: str) -> str:
    """``patient=Patient/123`` or ``patient=123`` → ``123``."""
    ident = value.removeprefix("Patient/")
    if not re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", ident):
        raise InvalidSearchError(f"patient={value!r} is not a Patient id or reference.")
    return ident
