"""Wire models of the ESIA admin API (``/admin/esia/...``). The shapes are checked here; the rules
of a registration (URLs, scopes, window, a redirect URI for the code grant) by
:func:`idp.esia.registry.check_spec`, so that the CLI gets the same answers."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from idp.esia.models import DEFAULT_ISSUER

SigningAlg = Literal["RS256", "GOST3410_2012_256"]
Mode = Literal["strict", "lenient"]
GrantType = Literal["authorization_code", "refresh_token", "client_credentials"]


class EsiaClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    client_id: str = Field(
        min_length=3,
        max_length=128,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="The system's mnemonic («мнемоника»), e.g. `EGISZ`, `INSP03211`.",
    )
    name: str = Field(min_length=1, max_length=200)
    redirect_uris: list[str] = Field(default_factory=list, max_length=50)
    scopes: list[str] = Field(
        default_factory=lambda: ["openid"], max_length=100, description="The scopes it may ask for."
    )
    signing_alg: SigningAlg = Field(default="RS256", description="How its tokens are signed.")
    grant_types: list[GrantType] = Field(
        default_factory=lambda: list[GrantType](
            ["authorization_code", "refresh_token", "client_credentials"]
        ),
        min_length=1,
    )
    issuer: str = Field(default=DEFAULT_ISSUER, max_length=200, description="`iss` of its tokens.")
    timestamp_window: int = Field(
        default=300, ge=1, le=86400, description="Allowed `timestamp` skew either way, seconds."
    )
    mode: Mode = Field(default="strict", description="strict: ESIA's exact rules; lenient: ESIA.md §14.2.")
    require_confirmed: bool = Field(default=False, description="Only confirmed accounts (ESIA-007055).")
    backchannel_logout_uri: str | None = Field(
        default=None,
        max_length=500,
        description="OIDC Back-Channel Logout 1.0 §2.2: where a logout token is POSTed when the person's "
        "SSO session ends (none: not told).",
    )


class EsiaClientPatch(BaseModel):
    """The fields to change; those left out stay. ``null`` is refused (no field may be emptied so)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    redirect_uris: list[str] | None = Field(default=None, max_length=50)
    scopes: list[str] | None = Field(default=None, max_length=100)
    signing_alg: SigningAlg | None = None
    grant_types: list[GrantType] | None = Field(default=None, min_length=1)
    issuer: str | None = Field(default=None, max_length=200)
    timestamp_window: int | None = Field(default=None, ge=1, le=86400)
    mode: Mode | None = None
    require_confirmed: bool | None = None
    backchannel_logout_uri: str | None = Field(
        default=None, max_length=500, description='The back-channel logout URI; `""` removes it.'
    )

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not null")
        return value

    def changes(self) -> dict[str, Any]:
        changes = self.model_dump(exclude_unset=True)
        if changes.get("backchannel_logout_uri") == "":
            changes["backchannel_logout_uri"] = None  # "" removes it (null is refused above)
        return changes


class CertificateOut(BaseModel):
    sha1: str = Field(description="Hex SHA-1 of the DER: the «thumbprint» CryptoPro shows.")
    sha256: str = Field(description="Hex SHA-256 of the DER: names the certificate in this API.")
    gost_hash: str = Field(
        description="Streebog-256 of the DER, hex: what a v2/v3 client sends as `client_certificate_hash`."
    )
    algorithm: str = Field(description="rsa | ecdsa | gost256 | gost512")
    subject: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    created_at: dt.datetime


class EsiaClientOut(BaseModel):
    client_id: str
    name: str
    redirect_uris: list[str]
    scopes: list[str]
    signing_alg: str
    grant_types: list[str]
    issuer: str
    timestamp_window: int
    mode: str
    require_confirmed: bool
    backchannel_logout_uri: str | None = None
    certificates: list[CertificateOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class DiagnosisOut(BaseModel):
    handle: str
    client_id: str
    endpoint: str = Field(description="ac | v2/ac | te | v3/te | rs | logout")
    esia_code: str = Field(description="The ESIA-NNNNNN code sent on the wire.")
    error: str | None = Field(description="The RFC 6749 `error` sent with it.")
    description: str | None = Field(description="The `error_description` sent.")
    explanation: dict[str, Any] = Field(
        description="What was expected and what was found, the certificates, the algorithm, the "
        "timestamp skew, the missing parameter, the advice: whatever the refusing check recorded."
    )
    created_at: dt.datetime
