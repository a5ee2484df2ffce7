"""Admin API wire models for clients."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

GrantType = Literal["authorization_code", "refresh_token", "client_credentials"]
AuthMethod = Literal["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]


def _absolute_uri(value: str) -> str:
    parsed = HttpUrl(value)
    if parsed.fragment:
        raise ValueError("redirect URIs must not contain a fragment (RFC 6749 §3.1.2)")
    return value


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(min_length=3, max_length=128, pattern=r"^[A-Za-z0-9._-]+$")
    name: str = Field(min_length=1, max_length=200)
    client_type: Literal["confidential", "public"] = "confidential"
    token_endpoint_auth_method: AuthMethod = "client_secret_basic"
    grant_types: list[GrantType] = Field(default_factory=lambda: list[GrantType](["authorization_code"]))
    scopes: list[str] = Field(default_factory=lambda: ["openid"])
    redirect_uris: list[str] = Field(default_factory=list)
    post_logout_redirect_uris: list[str] = Field(default_factory=list)
    backchannel_logout_uri: str | None = None
    jwks: dict[str, Any] | None = None
    jwks_uri: str | None = None
    signing_alg: Literal["RS256", "ES256"] = "RS256"
    default_audience: str | None = Field(default=None, max_length=200)
    audiences: list[str] = Field(default_factory=list)
    organization_oid: int | None = Field(
        default=None,
        ge=1,
        description="An integrator system (EGISZ.md §5 `mis`, client_credentials): the oid of its medical "
        'organisation; its tokens carry it as `org` with `roles: ["mis"]`.',
    )

    @field_validator("redirect_uris", "post_logout_redirect_uris")
    @classmethod
    def _uris(cls, values: list[str]) -> list[str]:
        return [_absolute_uri(v) for v in values]

    @field_validator("backchannel_logout_uri", "jwks_uri")
    @classmethod
    def _uri(cls, value: str | None) -> str | None:
        return _absolute_uri(value) if value else value

    @model_validator(mode="after")
    def _consistent(self) -> ClientIn:
        if self.client_type == "public" and self.token_endpoint_auth_method != "none":
            raise ValueError("public clients authenticate with token_endpoint_auth_method 'none'")
        if self.client_type == "confidential" and self.token_endpoint_auth_method == "none":
            raise ValueError("confidential clients must authenticate")
        if self.client_type == "public" and "client_credentials" in self.grant_types:
            raise ValueError("client_credentials is for confidential clients only")
        if self.token_endpoint_auth_method == "private_key_jwt" and not (self.jwks or self.jwks_uri):
            raise ValueError("private_key_jwt needs jwks or jwks_uri")
        if self.organization_oid is not None and "client_credentials" not in self.grant_types:
            raise ValueError("organization_oid binds a client_credentials (mis) client to its organisation")
        if "authorization_code" in self.grant_types and not self.redirect_uris:
            raise ValueError("authorization_code needs at least one redirect URI")
        return self


class ClientOut(BaseModel):
    client_id: str
    name: str
    client_type: str
    token_endpoint_auth_method: str
    grant_types: list[str]
    scopes: list[str]
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    backchannel_logout_uri: str | None
    jwks: dict[str, Any] | None
    jwks_uri: str | None
    signing_alg: str
    default_audience: str | None
    audiences: list[str]
    organization_oid: int | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class ClientCreated(ClientOut):
    client_secret: str | None = Field(description="Shown once; store it now.")


class SecretRotated(BaseModel):
    client_id: str
    client_secret: str
