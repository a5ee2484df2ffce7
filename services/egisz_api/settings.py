"""Settings of the EGISZ service (env prefix ``EGISZ_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class EgiszSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGISZ_", extra="ignore")
    service_name: ClassVar[str] = "egisz_api"

    database_url: str = Field(
        default="sqlite:///var/egisz.db", description="SQLAlchemy URL of the EGISZ database."
    )
    port: int = Field(default=8001, ge=1, le=65535, description="Port `serve` listens on.")
    idp_issuer: str = Field(default="http://127.0.0.1:8000", description="Expected `iss` of incoming tokens.")
    idp_jwks_url: str = Field(
        default="http://127.0.0.1:8000/.well-known/jwks.json", description="Where the idp publishes its JWKS."
    )
    audience: str = Field(default="egisz", description="Expected `aud` of incoming tokens (RFC 9068 §4).")
    jwks_min_refresh_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Shortest interval between two JWKS fetches caused by an unknown `kid`.",
    )
