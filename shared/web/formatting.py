"""How a person sees times, dates and SNILS: local time with its zone, ``ДД.ММ.ГГГГ``,
``XXX-XXX-XXX YY``. Stored values stay UTC; only the page converts."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Europe/Moscow"


@lru_cache(maxsize=32)
def zone(name: str) -> ZoneInfo:
    """The named IANA zone; an unknown name is a configuration error found at start-up."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Europe/Moscow)") from exc


def _aware(value: dt.datetime) -> dt.datetime:
    # The databases hold naive UTC (SQLite drops the offset): naive means UTC here.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def zone_label(value: dt.datetime) -> str:
    """«MSK» where the zone has a name people use, otherwise «UTC+05:00»."""
    name = value.tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = value.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def local(value: dt.datetime, tz: str = DEFAULT_TIMEZONE) -> dt.datetime:
    return _aware(value).astimezone(zone(tz))


def format_date(value: dt.date | dt.datetime | None, tz: str = DEFAULT_TIMEZONE) -> str:
    """``17.05.1990``; a moment is converted to the local date first."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local(value, tz)
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def format_time(value: dt.datetime | None, tz: str = DEFAULT_TIMEZONE) -> str:
    """``15:04 MSK``: the local time of day with its zone."""
    if value is None:
        return ""
    moment = local(value, tz)
    return f"{moment:%H:%M} {zone_label(moment)}"


def format_datetime(value: dt.datetime | None, tz: str = DEFAULT_TIMEZONE) -> str:
    """``01.12.2026 15:04 MSK``: local date and time with its zone, never a bare UTC."""
    if value is None:
        return ""
    moment = local(value, tz)
    return f"{format_date(moment)} {moment:%H:%M} {zone_label(moment)}"


def format_snils(value: str | None) -> str:
    """``123-456-789 01`` from eleven digits in any punctuation; anything else is shown as given."""
    if not value:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) != 11:
        return value
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"
