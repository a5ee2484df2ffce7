"""Settings of the identity provider (env prefix ``IDP_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

DEV_KEK = "dev-only-key-encryption-key-change-me"
DEV_PEPPER = "dev-only-client-secret-pepper-change-me"


class IdpSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDP_", extra="ignore")
    service_name: ClassVar[str] = "idp"

    database_url: str = Field(
        default="sqlite:///var/idp.db", description="SQLAlchemy URL of the idp database."
    )
    issuer: str = Field(
        default="http://127.0.0.1:8000",
        description="Public base URL of the idp; the `iss` of every token (OIDC Discovery §3).",
    )
    key_encryption_key: SecretStr = Field(
        default=SecretStr(DEV_KEK),
        description="Key-encryption key that protects the signing keys' private parts at rest (>= 32 chars).",
    )
    client_secret_pepper: SecretStr = Field(
        default=SecretStr(DEV_PEPPER),
        description="HMAC key for client-secret hashes (>= 32 chars); changing it invalidates every secret.",
    )
    id_token_ttl: int = Field(default=3600, ge=30, description="ID token lifetime, seconds.")
    access_token_ttl: int = Field(default=600, ge=30, description="Access token lifetime, seconds.")
    key_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long a process keeps the signing keys in memory before re-reading.",
    )
    default_signing_alg: str = Field(
        default="RS256", pattern="^(RS256|ES256)$", description="Signing algorithm when a client names none."
    )
