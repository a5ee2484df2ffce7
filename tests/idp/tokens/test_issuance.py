"""The one token-issuing core (idp.tokens.issuance), called directly as any protocol face would.

A second face passes its own token profile; the core still decides lifetimes, ``jti``, keys and
the records, and writes those records in one place, once.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from joserfc import jws
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idp.accounts.service import create_account
from idp.tokens.issuance import TokenIssuer
from idp.tokens.models import IssuedAccessToken, RefreshToken
from idp.tokens.profiles import OIDC, Shaped
from idp.tokens.schemas import AuthContext, Issuance, RefreshPlan, Stamp
from tests.idp.conftest import CITIZEN, Provider

AUTH_TIME = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


class EsiaLikeProfile:
    """The shape ESIA.md §5.1-5.2 describes: ``sbt``/``ver`` in the header, the person's oid as
    ``urn:esia:sbj_id``, no ``sub`` and no ``aud`` in the access token, no ``nonce`` echoed."""

    def __init__(self, oid: int) -> None:
        self.oid = oid

    def access_token(self, issuance: Issuance, stamp: Stamp) -> Shaped:
        assert issuance.person is not None
        claims = {
            "nbf": stamp.issued_at,
            "scope": issuance.scope,
            "iss": stamp.issuer,
            "urn:esia:sid": issuance.person.sid,
            "urn:esia:sbj_id": self.oid,
            "exp": stamp.expires_at,
            "iat": stamp.issued_at,
            "client_id": issuance.client_id,
        }
        return Shaped(claims, {"typ": "JWT", "sbt": "access", "ver": 1})

    def id_token(self, issuance: Issuance, stamp: Stamp, at_hash: str | None) -> Shaped:
        assert issuance.person is not None
        claims = {
            "aud": issuance.client_id,
            "sub": self.oid,
            "iss": stamp.issuer,
            "nbf": stamp.issued_at,
            "iat": stamp.issued_at,
            "exp": stamp.expires_at,
            "auth_time": int(issuance.person.auth_time.timestamp()),
            "amr": "PWD",
            "urn:esia:amd": "PWD",
            "urn:esia:sid": issuance.person.sid,
            "urn:esia:sbj": {"urn:esia:sbj:typ": "P", "urn:esia:sbj:oid": self.oid},
        }
        return Shaped(claims, {"typ": "JWT", "sbt": "id", "ver": 0})


@pytest.fixture
def app(idp: tuple[FastAPI, Any]) -> FastAPI:
    return idp[0]


@pytest.fixture
def session(app: FastAPI) -> Iterator[Session]:
    with app.state.session_factory() as session:
        yield session


@pytest.fixture
def person(app: FastAPI, session: Session) -> AuthContext:
    account = create_account(session, app.state.field_cipher, CITIZEN)
    session.commit()
    return AuthContext(
        account_id=account.id,
        session_id=None,
        sid="sid-1",
        auth_time=AUTH_TIME,
        acr="urn:idp:acr:pwd",
        amr=["pwd"],
    )


def _person_issuance(ctx: AuthContext, **overrides: Any) -> Issuance:
    values: dict[str, Any] = {
        "grant_type": "authorization_code",
        "client_id": "rp-web",
        "alg": "RS256",
        "subject": "sub-of-anna",
        "audience": "egisz",
        "scope": "openid offline_access",
        "person": ctx,
        "nonce": "n-1",
        "family_id": "family-1",
        "id_token": True,
        "refresh": RefreshPlan(resource="egisz"),
    }
    values.update(overrides)
    return Issuance(**values)


def _count(session: Session, model: Any, **where: Any) -> int:
    statement = select(func.count()).select_from(model).filter_by(**where)
    return int(session.scalar(statement) or 0)


def _decode(token: str, jwks: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    obj = jws.deserialize_compact(token, KeySet.import_key_set(jwks), registry=_registry())
    return dict(obj.headers()), json.loads(obj.payload)


def _registry() -> JWSRegistry:
    return JWSRegistry(algorithms=["RS256", "ES256"], strict_check_header=False)


async def test_a_face_with_its_own_profile_gets_its_shape_and_the_core_keeps_the_rules(
    app: FastAPI, session: Session, person: AuthContext, idp: tuple[FastAPI, Any]
) -> None:
    issuer: TokenIssuer = app.state.token_issuer
    issued = issuer.issue(session, _person_issuance(person), profile=EsiaLikeProfile(oid=1000299681))
    session.commit()
    jwks = (await idp[1].get("/.well-known/jwks.json")).json()
    header, access = _decode(issued.access_token, jwks)
    assert header["sbt"] == "access" and header["ver"] == 1 and header["alg"] == "RS256"
    assert access["urn:esia:sbj_id"] == 1000299681 and "sub" not in access and "aud" not in access
    assert access["exp"] - access["iat"] == issued.expires_in == app.state.settings.access_token_ttl
    id_header, id_claims = _decode(issued.id_token or "", jwks)
    assert id_header["sbt"] == "id" and id_claims["urn:esia:sbj"]["urn:esia:sbj:oid"] == 1000299681
    assert "nonce" not in id_claims and "at_hash" not in id_claims  # the profile chose to leave them out
    # the records are the core's, whatever the shape: one access token, one refresh token
    assert _count(session, IssuedAccessToken, family_id="family-1", account_id=person.account_id) == 1
    assert _count(session, RefreshToken, family_id="family-1", client_id="rp-web") == 1
    assert issued.refresh_token and issued.scope == "openid offline_access"


async def test_oidc_profile_binds_the_id_token_to_the_access_token(
    app: FastAPI, session: Session, person: AuthContext, idp: tuple[FastAPI, Any]
) -> None:
    issued = app.state.token_issuer.issue(session, _person_issuance(person, alg="ES256"), profile=OIDC)
    jwks = (await idp[1].get("/.well-known/jwks.json")).json()
    header, access = _decode(issued.access_token, jwks)
    assert header["typ"] == "at+jwt" and access["acr"] == "urn:idp:acr:pwd" and access["sid"] == "sid-1"
    _, id_claims = _decode(issued.id_token or "", jwks)
    assert id_claims["nonce"] == "n-1" and id_claims["aud"] == "rp-web"
    assert id_claims["auth_time"] == int(AUTH_TIME.timestamp())
    assert id_claims["at_hash"] == app.state.key_store.algorithms.half_hash(issued.access_token, "ES256")


async def test_each_issuance_writes_its_records_once(
    app: FastAPI, session: Session, person: AuthContext
) -> None:
    issuer: TokenIssuer = app.state.token_issuer
    first = issuer.issue(session, _person_issuance(person, userinfo_claims=("birthdate",)))
    issuer.issue(session, _person_issuance(person, refresh=None, id_token=False))
    session.commit()
    assert _count(session, IssuedAccessToken, family_id="family-1") == 2
    assert _count(session, RefreshToken, family_id="family-1") == 1
    claims = json.loads(base64.urlsafe_b64decode(first.access_token.split(".")[1] + "=="))
    row = session.scalars(select(IssuedAccessToken).filter_by(jti=claims["jti"])).one()
    assert row.userinfo_claims == ["birthdate"] and row.session_id is None
    assert row.expires_at == dt.datetime.fromtimestamp(claims["exp"], dt.UTC)


async def test_a_clients_own_token_writes_no_record(app: FastAPI, session: Session) -> None:
    """client_credentials is answered without the database (the hot path): nothing to record."""
    issuance = Issuance(
        grant_type="client_credentials",
        client_id="svc",
        alg="ES256",
        subject="svc",
        audience="egisz",
        scope="egisz:read",
    )
    issued = app.state.token_issuer.issue(session, issuance)
    assert issued.refresh_token is None and issued.id_token is None
    assert not session.new and _count(session, IssuedAccessToken) == 0


async def test_refresh_and_id_tokens_need_a_person(
    app: FastAPI, session: Session, person: AuthContext
) -> None:
    issuer: TokenIssuer = app.state.token_issuer
    with pytest.raises(ValueError, match="refresh token"):
        issuer.issue(session, _person_issuance(person, person=None, id_token=False))
    with pytest.raises(ValueError, match="refresh token"):
        issuer.issue(session, _person_issuance(person, family_id=None))
    with pytest.raises(ValueError, match="ID token"):
        issuer.issue(session, _person_issuance(person, person=None, refresh=None))


async def test_the_grants_record_through_the_core_once(provider: Provider) -> None:
    """Over HTTP: a code exchange and a refresh each write one access-token record and one refresh
    token (no second writer, no token generator writing behind the grant)."""
    tokens = await provider.tokens(scope="openid offline_access")
    refreshed = await provider.http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=provider.rp.basic(),
    )
    assert refreshed.status_code == 200, refreshed.text
    with provider.app.state.session_factory() as session:
        assert _count(session, IssuedAccessToken, client_id="rp-web") == 2
        assert _count(session, RefreshToken, client_id="rp-web") == 2
        families = set(session.scalars(select(RefreshToken.family_id)))
    assert len(families) == 1
