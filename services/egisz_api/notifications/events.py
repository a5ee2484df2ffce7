"""Which events a patient is told about, over which channels (R-EGZ-6), and the defaults.

Events: ``new_result`` (an Observation or DiagnosticReport was created for the patient),
``record_accessed`` (someone other than the patient read or searched their data; at most one
notice per accessor per day), ``consent_changed`` (a consent was given or withdrawn),
``certificate_issued`` (a COVID-19 vaccination certificate was issued, issue 14 item 7),
``request_processed`` (staff accepted, rejected or completed the patient's correction or deletion
request, issue 14 item 6).
Channels are the notifier's: e-mail, SMS, push.
"""

from __future__ import annotations

from typing import Literal

Event = Literal["new_result", "record_accessed", "consent_changed", "certificate_issued", "request_processed"]
Channel = Literal["email", "sms", "push"]
EVENTS: tuple[Event, ...] = (
    "new_result",
    "record_accessed",
    "consent_changed",
    "certificate_issued",
    "request_processed",
)
CHANNELS: tuple[Channel, ...] = ("email", "sms", "push")
Choice = tuple[Event, Channel]

#: until the patient saves their own: results, accesses and answers to requests by e-mail (a quiet,
#: readable channel), consent changes also by SMS (a change the patient did not make must reach them at once)
DEFAULTS: frozenset[Choice] = frozenset(
    {
        ("new_result", "email"),
        ("record_accessed", "email"),
        ("consent_changed", "email"),
        ("consent_changed", "sms"),
        ("certificate_issued", "email"),
        ("request_processed", "email"),
    }
)

#: the notifier template of each event (services/notifier/rendering/templates/<locale>/)
TEMPLATES: dict[Event, str] = {
    "new_result": "result_available",
    "record_accessed": "record_accessed",
    "consent_changed": "consent_changed",
    "certificate_issued": "vaccination_certificate_issued",
    "request_processed": "request_processed",
}
#: the FHIR types whose creation is a «new result»
RESULT_TYPES = frozenset({"Observation", "DiagnosticReport"})


def encode(choices: frozenset[Choice]) -> str:
    return " ".join(sorted(f"{event}:{channel}" for event, channel in choices))


def decode(text: str) -> frozenset[Choice]:
    found: set[Choice] = set()
    for item in text.split():
        event, _, channel = item.partition(":")
        if event in EVENTS and channel in CHANNELS:
            found.add((event, channel))
    return frozenset(found)
