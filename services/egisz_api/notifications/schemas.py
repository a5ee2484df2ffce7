"""The wire shape of ``/api/v1/me/notification-settings`` (EGISZ.md §5 row 34): for each event,
the channels it reaches the patient by — the grid the cabinet's «Уведомления» page edits."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from egisz_api.notifications.events import Channel

#: the scope a patient's app needs (EGISZ.md §5 row 34: custom ``notifications.rw``)
SCOPE = "notifications.rw"


class EventChannels(BaseModel):
    """Each event and the channels that tell the patient of it; an empty list: not told."""

    model_config = ConfigDict(extra="forbid", strict=True)

    new_result: list[Channel] = Field(
        description="An Observation or DiagnosticReport was created for the patient (at most one an hour)."
    )
    record_accessed: list[Channel] = Field(
        description="Someone other than the patient read their record (at most one per accessor a day)."
    )
    consent_changed: list[Channel] = Field(
        description="A consent to the processing of personal data was given or withdrawn."
    )
    request_processed: list[Channel] = Field(
        description="Staff accepted, rejected or completed the patient's correction or deletion request."
    )
    certificate_issued: list[Channel] = Field(
        description="A COVID-19 vaccination certificate was issued (docs/covid.md)."
    )


class NotificationSettingsIn(BaseModel):
    """What a ``PUT`` replaces: every event named; an unknown event, channel or a wrong type is a 422."""

    model_config = ConfigDict(extra="forbid", strict=True)

    events: EventChannels
    locale: Literal["ru", "en"] | None = Field(
        None, description="The language of the notices; unchanged when left out."
    )


class NotificationSettingsOut(BaseModel):
    events: EventChannels
    locale: Literal["ru", "en"]
    saved: bool = Field(description="False while the defaults apply (the patient never saved a choice).")
    channels: list[Channel] = Field(description="The channels this service knows: `email`, `sms`, `push`.")
