"""An idp with an ESIA client registered (a GOST and an RSA certificate) and our reference client."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from tests.idp.conftest import Provider
from tests.idp.esia.helpers import EsiaRp, register
from tests.idp.pki.openssl_signing import gost_signer, needs_gost, rsa_signer

pytestmark = needs_gost


@dataclass
class Esia:
    app: FastAPI
    http: httpx.AsyncClient
    #: v2/v3 client signing with GOST
    rp: EsiaRp
    #: v1 client signing CMS with RSA
    v1: EsiaRp
    oid: int


@pytest.fixture
async def esia(provider: Provider) -> Esia:
    app = provider.app
    register(app, "EKAP01", [gost_signer()])
    register(app, "INSP03211", [rsa_signer()], mode="strict")
    from idp.accounts import service as accounts_service

    with app.state.session_factory() as session:
        account = accounts_service.account_by_sub(session, provider.account_sub)
        assert account is not None
        oid = account.oid
    return Esia(app, provider.http, EsiaRp("EKAP01", gost_signer()), EsiaRp("INSP03211", rsa_signer()), oid)
