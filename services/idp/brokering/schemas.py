"""The banks' admin API bodies. A bank's client secret goes in and is never given back."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from idp.settings import BankClaimMap, BankProvider


class BankOut(BaseModel):
    id: str
    name_ru: str
    name_en: str
    issuer: str
    client_id: str
    scopes: str
    claims: BankClaimMap
    acr_map: dict[str, str]
    source: Literal["settings", "admin"] = Field(
        description="`settings`: IDP_BANK_PROVIDERS (changed there only); `admin`: added through this API"
    )

    @classmethod
    def of(cls, bank: BankProvider, source: Literal["settings", "admin"]) -> BankOut:
        return cls(**bank.model_dump(exclude={"client_secret"}), source=source)
