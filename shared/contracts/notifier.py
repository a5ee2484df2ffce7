"""Wire models of the notifier API, shared by the notifier and its callers (idp, egisz_api).

``POST /v1/messages`` takes a :class:`MessageRequest` (plus an ``Idempotency-Key`` header) and
answers 202 with a :class:`MessageAccepted`; ``GET /v1/messages/{id}`` answers a
:class:`MessageStatus` with the attempt history per channel. Parameters that carry secrets
(codes, links) are masked in every answer and purged once the message is delivered or expired.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

Channel = Literal["email", "sms", "push"]
#: queued: waiting for its first attempt; sending: claimed by a dispatcher; failed: the last attempt
#: failed and a retry is scheduled; delivered, dead (retries exhausted), expired (a code not sent
#: in time) are final.
MessageState = Literal["queued", "sending", "failed", "delivered", "dead", "expired"]
#: Per channel: not tried yet, an attempt under way, delivered on it, given up on it (the message
#: fell back to the next channel or died), or never reached because the message ended first.
ChannelState = Literal["queued", "sending", "delivered", "failed", "skipped"]
AttemptState = Literal["sending", "delivered", "failed"]
FINAL_STATES: frozenset[str] = frozenset({"delivered", "dead", "expired"})

#: The header that makes ``POST /v1/messages`` idempotent (keys are scoped to the calling client).
IDEMPOTENCY_HEADER = "Idempotency-Key"


class Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=254, description="E-mail address")
    phone: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164 phone")
    push_token: str | None = Field(default=None, max_length=512, description="Device push token")


class MaskedRecipient(BaseModel):
    """The recipient as shown back to callers and operators: enough to recognise, not to contact."""

    email: str | None = Field(default=None, description="E-mail with most of the local part masked")
    phone: str | None = Field(default=None, description="Phone with the middle digits masked")
    push_token: str | None = Field(default=None, description="The first characters of the token")


class MessageRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: str = Field(min_length=1, max_length=64, pattern=r"^[a-z_]+$", description="Template name")
    locale: Literal["ru", "en"] = "ru"
    params: dict[str, Any] = Field(default_factory=dict, description="Template parameters")
    recipient: Recipient
    channels: list[Channel] = Field(min_length=1, max_length=3, description="Channels in order of preference")
    expires_at: AwareDatetime | None = Field(
        default=None,
        description="For codes: after this instant the message is not sent any more (it becomes expired).",
    )

    @model_validator(mode="after")
    def _channels_have_addresses(self) -> MessageRequest:
        needs = {
            "email": self.recipient.email,
            "sms": self.recipient.phone,
            "push": self.recipient.push_token,
        }
        missing = [c for c in self.channels if not needs[c]]
        if missing:
            raise ValueError(f"recipient has no address for channel(s): {', '.join(missing)}")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("channels must not repeat")
        return self


class MessageAccepted(BaseModel):
    id: str
    status: MessageState


class AttemptStatus(BaseModel):
    channel: Channel
    number: int = Field(description="Attempt number on this channel, from 1 (restarts after a requeue)")
    status: AttemptState
    reason: str | None = Field(default=None, description="Why the attempt failed (never message content)")
    started_at: dt.datetime
    finished_at: dt.datetime | None = None


class ChannelDelivery(BaseModel):
    channel: Channel
    status: ChannelState
    attempts: list[AttemptStatus] = Field(default_factory=list)


class MessageStatus(BaseModel):
    id: str
    template: str
    locale: str
    status: MessageState
    channels: list[Channel] = Field(description="Channels in order of preference, as requested")
    deliveries: list[ChannelDelivery] = Field(default_factory=list, description="Attempt history per channel")
    recipient: MaskedRecipient | None = Field(default=None, description="Addresses, partly masked")
    params: dict[str, Any] | None = Field(
        default=None, description="Parameters with secrets masked; null once purged"
    )
    delivered_channel: Channel | None = None
    last_error: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    next_attempt_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    params_purged_at: dt.datetime | None = None
