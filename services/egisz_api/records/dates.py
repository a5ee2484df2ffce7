"""FHIR R4 dates as the instant ranges they cover (R4 §2.24 "date", search §3.1.1.4.3 "date").

A partial date covers its whole precision: ``2024`` is ``[2024-01-01T00:00Z, 2025-01-01T00:00Z)``,
``2024-03-05T10:15`` is one minute. Values without a time zone (dates, and times given without one
in a search) are read as UTC. Ranges are half-open: ``high`` is the first instant not covered.
"""

from __future__ import annotations

import datetime as dt
import re

#: the bounds an open Period side stands for
EARLIEST = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)

_DATE = re.compile(
    r"^(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{2})(?:-(?P<d>[0-9]{2})"
    r"(?:T(?P<hh>[0-9]{2}):(?P<mm>[0-9]{2})(?::(?P<ss>[0-9]{2})(?P<frac>\.[0-9]{1,9})?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?$"
)


class FhirDateError(ValueError):
    """The text is not a FHIR date, dateTime or instant."""


def _add_months(value: dt.datetime, months: int) -> dt.datetime:
    month = value.month - 1 + months
    return value.replace(year=value.year + month // 12, month=month % 12 + 1)


def date_range(text: str) -> tuple[dt.datetime, dt.datetime]:
    """``[low, high)`` covered by a FHIR date/dateTime/instant of any precision."""
    match = _DATE.match(text.strip())
    if match is None:
        raise FhirDateError(f"{text!r} is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime).")
    parts = match.groupdict()
    try:
        tz = dt.UTC
        if parts["tz"] and parts["tz"] != "Z":
            sign = 1 if parts["tz"][0] == "+" else -1
            hours, minutes = int(parts["tz"][1:3]), int(parts["tz"][4:6])
            if hours > 14 or minutes > 59:
                raise ValueError("offset out of range")
            tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
        year = int(parts["y"])
        if parts["m"] is None:
            low = dt.datetime(year, 1, 1, tzinfo=tz)
            high = low.replace(year=year + 1) if year < 9999 else LATEST
        elif parts["d"] is None:
            low = dt.datetime(year, int(parts["m"]), 1, tzinfo=tz)
            high = _add_months(low, 1) if (year, low.month) != (9999, 12) else LATEST
        elif parts["hh"] is None:
            low = dt.datetime(year, int(parts["m"]), int(parts["d"]), tzinfo=tz)
            high = low + dt.timedelta(days=1)
        else:
            second = int(parts["ss"]) if parts["ss"] is not None else 0
            frac = parts["frac"] or ""
            micro = int((frac[1:] + "000000")[:6]) if frac else 0
            low = dt.datetime(
                year,
                int(parts["m"]),
                int(parts["d"]),
                int(parts["hh"]),
                int(parts["mm"]),
                second,
                micro,
                tzinfo=tz,
            )
            if parts["ss"] is None:
                step = dt.timedelta(minutes=1)
            elif frac:
                step = dt.timedelta(microseconds=max(1, 10 ** (6 - min(len(frac) - 1, 6))))
            else:
                step = dt.timedelta(seconds=1)
            high = low + step
    except (ValueError, OverflowError) as exc:
        raise FhirDateError(f"{text!r} is not a valid date: {exc}.") from exc
    return low.astimezone(dt.UTC), high.astimezone(dt.UTC)


def instant_text(value: dt.datetime) -> str:
    """An R4 ``instant`` in UTC with milliseconds, as ``meta.lastUpdated`` carries it."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
