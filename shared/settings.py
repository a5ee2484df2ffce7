"""Settings base shared by the three services.

Each service subclasses :class:`ServiceSettings` with its own env prefix (``IDP_``, ``EGISZ_``,
``NOTIFIER_``). Secrets are ``SecretStr``; outside dev mode a secret that still holds a placeholder
(or is too short to be a real secret) refuses to load, so a forgotten ``.env`` cannot reach
production with the demo values.
"""

from __future__ import annotations

from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Substrings that mark a value as a placeholder rather than a real secret.
PLACEHOLDER_MARKERS = ("change-me", "changeme", "placeholder", "dev-only", "insecure", "example", "secret")
#: Shortest secret accepted outside dev mode (characters).
MIN_SECRET_LENGTH = 32


class PlaceholderSecretError(ValueError):
    """A secret setting still holds a placeholder while dev mode is off."""


def is_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    if len(lowered) < MIN_SECRET_LENGTH:
        return True
    return any(marker in lowered for marker in PLACEHOLDER_MARKERS)


class ServiceSettings(BaseSettings):
    """Fields every service has. Subclasses set ``model_config`` with their env prefix."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    #: Name used in logs and metrics; subclasses override.
    service_name: ClassVar[str] = "service"

    dev_mode: bool = Field(
        default=False,
        description="Development mode: allows placeholder secrets and dev-only pages; never in production.",
    )
    database_url: str = Field(
        default="sqlite:///var/service.db",
        description="SQLAlchemy URL of this service's own database (SQLite file or PostgreSQL).",
    )
    host: str = Field(default="127.0.0.1", description="Interface `serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `serve` listens on.")
    log_level: str = Field(default="INFO", description="Root log level (DEBUG, INFO, WARNING, ERROR).")
    log_json: bool = Field(default=True, description="Write logs as one JSON object per line.")
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body accepted, in bytes (413 above)."
    )
    threadpool_size: int = Field(
        default=40,
        ge=1,
        le=1000,
        description="Worker threads for blocking work (database calls); fewer cut GIL contention.",
    )
    db_pool_size: int = Field(default=10, ge=1, description="Database connection pool size (PostgreSQL).")
    keep_alive_seconds: int = Field(
        default=75,
        ge=1,
        le=3600,
        description=(
            "Seconds `serve` keeps an idle HTTP connection open: more than the idle timeout of every "
            "client and proxy in front (httpx 5 s, nginx 60 s), so it never closes one being reused."
        ),
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        if self.dev_mode:
            return self
        bad = [
            name
            for name, value in self._secret_fields().items()
            if value is not None and is_placeholder(value.get_secret_value())
        ]
        if bad:
            prefix = self.model_config.get("env_prefix", "")
            names = ", ".join(f"{prefix}{name.upper()}" for name in sorted(bad))
            raise PlaceholderSecretError(
                f"placeholder or too short (< {MIN_SECRET_LENGTH} chars) secret outside dev mode: {names}"
            )
        return self

    def _secret_fields(self) -> dict[str, SecretStr | None]:
        found: dict[str, SecretStr | None] = {}
        for name in type(self).model_fields:
            value: Any = getattr(self, name)
            if isinstance(value, SecretStr):
                found[name] = value
        return found


class PageSettings(ServiceSettings):
    """Fields of a service with pages for people (the shared design in :mod:`shared.web`)."""

    timezone: str = Field(
        default="Europe/Moscow",
        description="IANA time zone of every time shown on a page (with its zone), e.g. Asia/Yekaterinburg.",
    )
    support_phone: str = Field(
        default="8 800 100-00-00", description="Support line shown in every page's footer."
    )
    support_email: str = Field(
        default="support@example.org", description="Support e-mail shown in every page's footer."
    )
    privacy_policy_url: str = Field(
        default="/privacy", description="Link to the personal-data processing policy in every page's footer."
    )

    @model_validator(mode="after")
    def _known_timezone(self) -> PageSettings:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"timezone: unknown IANA time zone {self.timezone!r}") from exc
        return self


class ResourceServerSettings(ServiceSettings):
    """Fields of a service that accepts the idp's access tokens (RFC 9068 JWTs) as a resource server.

    Subclasses set their env prefix and the ``audience`` default (their own name at the idp).
    """

    idp_issuer: str = Field(default="http://127.0.0.1:8000", description="Expected `iss` of incoming tokens.")
    idp_jwks_url: str = Field(
        default="http://127.0.0.1:8000/.well-known/jwks.json", description="Where the idp publishes its JWKS."
    )
    audience: str = Field(description="Expected `aud` of incoming tokens (RFC 9068 §4).")
    jwks_min_refresh_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Shortest interval between two JWKS fetches caused by an unknown `kid`.",
    )
