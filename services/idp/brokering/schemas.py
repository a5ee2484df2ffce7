"""The banks' admin API bodies. A bank's client secret or private key goes in and is never given
back."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from idp.settings import BankClaimMap, BankProvider

#: what authenticates the idp at a bank: sealed at rest, never given back
CREDENTIALS = {"client_secret", "private_key"}


class BankOut(BaseModel):
    id: str
    name_ru: str
    name_en: str
    issuer: str
    client_id: str
    token_endpoint_auth_method: Literal["client_secret_basic", "private_key_jwt"]
    private_key_id: str | None = None
    scopes: str
    claims: BankClaimMap
    acr_map: dict[str, str]
    source: Literal["settings", "admin"] = Field(
        description="`settings`: IDP_BANK_PROVIDERS (changed there only); `admin`: added through this API"
    )

    @classmethod
    def of(cls, bank: BankProvider, source: Literal["settings", "admin"]) -> BankOut:
        return cls(**bank.model_dump(exclude=CREDENTIALS), source=source)
