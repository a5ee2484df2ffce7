"""Settings of the notifier (env prefix ``NOTIFIER_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class NotifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")
    service_name: ClassVar[str] = "notifier"

    database_url: str = Field(
        default="sqlite:///var/notifier.db", description="SQLAlchemy URL of the notifier database."
    )
    port: int = Field(default=8002, ge=1, le=65535, description="Port `serve` listens on.")
    idp_issuer: str = Field(default="http://127.0.0.1:8000", description="Expected `iss` of incoming tokens.")
    idp_jwks_url: str = Field(
        default="http://127.0.0.1:8000/.well-known/jwks.json", description="Where the idp publishes its JWKS."
    )
    audience: str = Field(default="notifier", description="Expected `aud` of incoming tokens (RFC 9068 §4).")
    jwks_min_refresh_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Shortest interval between two JWKS fetches caused by an unknown `kid`.",
    )
