"""Wire models of the notifier API, shared by the notifier and its callers (idp, egisz_api)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Channel = Literal["email", "sms", "push"]


class Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=254, description="E-mail address")
    phone: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164 phone")
    push_token: str | None = Field(default=None, max_length=512, description="Device push token")


class MessageRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: str = Field(min_length=1, max_length=64, pattern=r"^[a-z_]+$", description="Template name")
    locale: Literal["ru", "en"] = "ru"
    params: dict[str, Any] = Field(default_factory=dict, description="Template parameters")
    recipient: Recipient
    channels: list[Channel] = Field(min_length=1, max_length=3, description="Channels in order of preference")

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
    status: str


class MessageStatus(BaseModel):
    id: str
    template: str
    status: str
    channels: list[str]
    created_at: dt.datetime
