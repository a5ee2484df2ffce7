"""Where a patient's notices go: the addresses in their Patient resource (``telecom``).

E-mail: a ``telecom`` of system ``email``; SMS: system ``phone`` (``use`` ``mobile`` first), as E.164;
push: needs a device token, which only a registered mobile app has: none is registered in this
issue, so push notices end as ``no_address`` (docs/rights.md).
"""

from __future__ import annotations

from typing import Any

import phonenumbers

from shared.contracts.notifier import Recipient


def _e164(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def recipient(patient: dict[str, Any], channel: str) -> Recipient | None:
    """The address of ``channel`` in the Patient, or None when it has none."""
    telecoms = [t for t in patient.get("telecom") or [] if isinstance(t, dict) and t.get("value")]
    if channel == "email":
        emails = [str(t["value"]) for t in telecoms if t.get("system") == "email" and "@" in str(t["value"])]
        return Recipient(email=emails[0][:254]) if emails else None
    if channel == "sms":
        phones = sorted(
            (t for t in telecoms if t.get("system") in ("phone", "sms")),
            key=lambda t: t.get("use") != "mobile",
        )
        for phone in phones:
            e164 = _e164(str(phone["value"]))
            if e164:
                return Recipient(phone=e164)
    return None


def has_address(patient: dict[str, Any] | None, channel: str) -> bool:
    return patient is not None and recipient(patient, channel) is not None
