"""What a person sees: local time with its zone, ДД.ММ.ГГГГ dates, SNILS as XXX-XXX-XXX YY,
and the language negotiation every page shares."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.web import formatting, texts


def test_a_utc_moment_is_shown_in_moscow_time_with_its_zone() -> None:
    moment = dt.datetime(2026, 12, 1, 21, 30)  # naive = UTC, as SQLite gives it back
    assert formatting.format_datetime(moment) == "02.12.2026 00:30 MSK"
    assert formatting.format_time(moment) == "00:30 MSK"
    assert formatting.format_date(moment) == "02.12.2026"  # the local date, not the UTC one


def test_a_zone_without_a_common_name_is_shown_as_an_offset() -> None:
    moment = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
    assert formatting.format_datetime(moment, "Asia/Yekaterinburg") == "01.06.2026 17:00 UTC+05:00"


def test_dates_are_day_month_year() -> None:
    assert formatting.format_date(dt.date(1990, 5, 17)) == "17.05.1990"
    assert formatting.format_date(None) == ""


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("12345678901", "123-456-789 01"),
        ("123-456-789 01", "123-456-789 01"),
        ("123 456 789 01", "123-456-789 01"),
    ],
)
def test_snils_is_always_grouped(raw: str, shown: str) -> None:
    assert formatting.format_snils(raw) == shown


def test_a_snils_that_is_not_eleven_digits_is_shown_as_given() -> None:
    assert formatting.format_snils("1234") == "1234"


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        formatting.zone("Mars/Olympus")


def test_accept_language_is_ranked_by_quality() -> None:
    assert texts.preferred_language("de-DE, en;q=0.9, ru;q=0.95") == "ru"
    assert texts.negotiate(None, accept_language="de, en;q=0.5") == "en"
    assert texts.negotiate(None, accept_language="en;q=0, fr") == "ru"
    assert texts.negotiate("en", accept_language="ru") == "en"  # an explicit choice wins
    assert texts.negotiate(None, "xx", accept_language="") == "ru"


def test_every_shared_text_is_in_both_languages() -> None:
    missing = [key for key, entry in texts.MESSAGES.items() if set(entry) != {"ru", "en"}]
    assert missing == []
