"""Settings of the EGISZ service (env prefix ``EGISZ_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import PageSettings, ResourceServerSettings


class EgiszSettings(ResourceServerSettings, PageSettings):
    model_config = SettingsConfigDict(env_prefix="EGISZ_", extra="ignore")
    service_name: ClassVar[str] = "egisz_api"

    database_url: str = Field(
        default="sqlite:///var/egisz.db", description="SQLAlchemy URL of the EGISZ database."
    )
    port: int = Field(default=8001, ge=1, le=65535, description="Port `serve` listens on.")
    audience: str = Field(default="egisz", description="Expected `aud` of incoming tokens (RFC 9068 §4).")
    fhir_max_resource_bytes: int = Field(
        default=524_288,
        ge=1024,
        description="Largest resource a FHIR create/update accepts, in bytes (413 OperationOutcome above).",
    )
