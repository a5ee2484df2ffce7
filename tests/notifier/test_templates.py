"""Templates: every one in Russian and English, e-mail as plain text and escaped HTML, and an SMS
that fits one segment (3GPP TS 23.038/23.040: 70 UCS-2 or 160 GSM-7 characters) for typical
parameters; a wrong template or parameter is a 422 naming it."""

from __future__ import annotations

from typing import Any

import pytest

from notifier.rendering.catalog import ACCOUNT_LEVELS, SECURITY_ALERT_KINDS, TEMPLATES
from notifier.rendering.renderer import Renderer
from notifier.rendering.sms import sms_length
from tests.notifier.conftest import otp

AT = "2026-11-21T11:05:00+00:00"
TYPICAL: list[tuple[str, dict[str, Any]]] = [
    ("otp_code", {"code": "483920", "ttl_minutes": 10}),
    ("email_confirmation", {"code": "483920", "link": "https://idp.example.test/confirm?t=abc"}),
    ("password_reset", {"code": "483920", "ttl_minutes": 30}),
    *[
        (
            "security_alert",
            {
                "kind": kind,
                "at": AT,
                "ip": "203.0.113.7",
                "device": "Firefox, Linux",
                "level": "confirmed",
                "locked_minutes": 30,
            },
        )
        for kind in SECURITY_ALERT_KINDS
    ],
    *[
        ("consent_changed", {"action": a, "party": "Городская поликлиника №5", "at": AT})
        for a in ("given", "withdrawn")
    ],
    ("certificate_expiring", {"certificate": "Петрова Анна", "expires_at": "2026-12-21T20:30:00+00:00"}),
    ("record_accessed", {"accessor": "Иванова А. А., врач-терапевт", "organization": "ГП №5", "at": AT}),
    ("login_approval", {"place": "203.0.113.7", "browser": "Firefox 133, Linux", "at": AT}),
    ("result_available", {"at": AT}),
    ("vaccination_certificate_issued", {"at": AT}),
    *[
        ("request_processed", {"kind": k, "outcome": o, "at": AT})
        for k in ("correction", "deletion")
        for o in ("accepted", "rejected", "completed")
    ],
]


def test_the_typical_cases_cover_every_template() -> None:
    assert {name for name, _ in TYPICAL} == set(TEMPLATES)


@pytest.mark.parametrize("locale", ["ru", "en"])
@pytest.mark.parametrize(("template", "params"), TYPICAL)
def test_every_template_renders_every_part_within_one_sms_segment(
    template: str, params: dict[str, Any], locale: str
) -> None:
    rendered = Renderer().render(template, locale, params)
    assert rendered.subject and rendered.text.strip() and rendered.push_title and rendered.push_body
    assert rendered.html.startswith("<!doctype html>") and f'lang="{locale}"' in rendered.html
    length = sms_length(rendered.sms)
    assert length.segments == 1, f"{template}/{locale}: {length} for {rendered.sms!r}"
    if "code" in params:
        assert params["code"] in rendered.sms and params["code"] in rendered.text


def test_russian_and_english_differ() -> None:
    ru = Renderer().render("otp_code", "ru", {"code": "483920"})
    en = Renderer().render("otp_code", "en", {"code": "483920"})
    assert (ru.subject, en.subject) == ("Код подтверждения", "Your verification code")
    assert sms_length(ru.sms).encoding == "ucs2" and sms_length(en.sms).encoding == "gsm7"


def test_level_names_are_translated() -> None:
    for level, word in zip(ACCOUNT_LEVELS, ("упрощённая", "стандартная", "подтверждённая"), strict=True):
        rendered = Renderer().render("security_alert", "ru", {"kind": "level_changed", "level": level})
        assert word in rendered.sms and word in rendered.html


def test_html_is_escaped_and_plain_text_is_not() -> None:
    rendered = Renderer().render("consent_changed", "en", {"action": "given", "party": "A&B <Clinic>"})
    assert "A&amp;B &lt;Clinic&gt;" in rendered.html and "<Clinic>" not in rendered.html
    assert '"A&B <Clinic>"' in rendered.text


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("а" * 70, "ucs2", 70, 1),
        ("а" * 71, "ucs2", 71, 2),
        ("а" * 134, "ucs2", 134, 2),
        ("а" * 135, "ucs2", 135, 3),
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("€" * 80, "gsm7", 160, 1),  # extension table: two septets each
        ("a" * 152 + "€" + "a" * 8, "gsm7", 162, 2),
        ("a" * 152 + "€" + "a" * 152, "gsm7", 306, 3),  # the escape pair is not split across parts
        ("😀" * 35, "ucs2", 70, 1),  # outside the BMP: a surrogate pair each
        ("", "gsm7", 0, 0),
    ],
)
def test_sms_segment_counting(text: str, encoding: str, units: int, segments: int) -> None:
    length = sms_length(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


@pytest.mark.parametrize(
    ("change", "code", "named"),
    [
        ({"template": "no_such_template"}, "unknown_template", ("template", "no_such_template")),
        ({"params": {}}, "missing_parameter", ("parameter", "code")),
        ({"params": {"code": "483920", "colour": "red"}}, "unknown_parameter", ("parameter", "colour")),
        ({"params": {"code": "12"}}, "invalid_parameter", ("parameter", "code")),
        (
            {"params": {"code": "483920", "ttl_minutes": "ten"}},
            "invalid_parameter",
            ("parameter", "ttl_minutes"),
        ),
        (
            {"template": "security_alert", "params": {"kind": "level_changed"}},
            "missing_parameter",
            ("parameter", "level"),
        ),
        (
            {"template": "security_alert", "params": {"kind": "new_login", "at": "yesterday"}},
            "invalid_parameter",
            ("parameter", "at"),
        ),
        (
            {
                "template": "security_alert",
                "params": {"kind": "new_login", "at": AT, "timezone": "Mars/Olympus"},
            },
            "invalid_parameter",
            ("parameter", "timezone"),
        ),
    ],
)
async def test_template_problems_are_422_naming_the_culprit(
    start_notifier: Any, change: dict[str, Any], code: str, named: tuple[str, str]
) -> None:
    async with start_notifier(dev_outbox=True, dispatcher_enabled=False) as n:
        response = await n.send({**otp(), **change})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code
    assert problem[named[0]] == named[1] and repr(named[1]) in problem["detail"]


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_the_time_is_local_in_the_senders_zone_with_its_name(locale: str) -> None:
    """Issue 10: a notice shows the person's local time with the zone (the sender's setting),
    never UTC; without a zone it is Moscow time."""
    renderer = Renderer()
    params = {"kind": "password_changed", "at": AT}
    moscow = renderer.render("security_alert", locale, params)
    assert "21.11.2026 14:05 MSK" in moscow.text and "21.11.2026 14:05 MSK" in moscow.html
    assert "14:05" in moscow.sms
    ural = renderer.render("security_alert", locale, {**params, "timezone": "Asia/Yekaterinburg"})
    assert "21.11.2026 16:05 UTC+05:00" in ural.text and "16:05" in ural.sms
    assert "МСК" not in ural.text + ural.html and "MSK" not in ural.text + ural.html


def test_the_certificate_expiry_notice_names_the_certificate_and_its_local_expiry_date() -> None:
    params = {"certificate": "Петрова Анна", "expires_at": "2026-12-21T22:30:00+00:00"}
    ru = Renderer().render("certificate_expiring", "ru", params)
    # 22:30 UTC is already the 22nd in Moscow: the date is the person's local one
    assert "«Петрова Анна»" in ru.sms and "22.12.2026" in ru.sms
    assert "22.12.2026 01:30 MSK" in ru.text and "Электронные подписи" in ru.html
    en = Renderer().render("certificate_expiring", "en", {**params, "timezone": "Asia/Vladivostok"})
    assert '"Петрова Анна"' in en.text and "22.12.2026 08:30" in en.text
