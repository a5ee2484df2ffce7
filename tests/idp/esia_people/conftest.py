"""An idp with an admin client, organisations and people, and ESIA access tokens minted in the shape
of ESIA.md §5.1 (the protocol's ``te`` issues them for real; an end-to-end test through it comes
with the merge)."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from idp.accounts import records
from idp.accounts.models import Account
from idp.accounts.service import NewAccount, create_account
from idp.clients.service import ClientSpec
from idp.organizations import service as orgs
from idp.organizations.validation import inn_check_digit, ogrn_check_digit
from idp.tokens.models import IssuedAccessToken
from tests.idp.admin.conftest import admin_token
from tests.idp.conftest import PASSWORD, Provider

ESIA_ISSUER = "http://esia.gosuslugi.ru/"


def ogrn(first12: str) -> str:
    return first12 + str(ogrn_check_digit(first12))


def inn(first9: str) -> str:
    return first9 + str(inn_check_digit(first9))


def org_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ogrn": ogrn("102770000001"),
        "inn": inn("770000001"),
        "kpp": "770101001",
        "full_name": 'ГБУЗ "Тестовая поликлиника № 1"',
        "short_name": "ГП № 1",
        "region_code": "77",
        "region_name": "Москва",
        "phone": "+74950000001",
        "email": "gp1@example.test",
    }
    body.update(overrides)
    return body


DOCTOR = NewAccount(
    last_name="Врачёва",
    first_name="Елена",
    middle_name="Петровна",
    birth_date=dt.date(1982, 4, 11),
    gender="F",
    email="doc@example.test",
    phone="+79160000006",
    phone_verified=True,
    email_verified=False,
    snils="567-890-123 43",
    inn="500100732259",
    password=PASSWORD,
    level="confirmed",
    passport_series="4514",
    passport_number="555666",
    passport_issue_date=dt.date(2010, 5, 6),
    passport_issuer="ОВД района Тестовый г. Москвы",
    passport_division_code="770-001",
)


POLICY_NUMBER = "7798899887766554"
RECORDS: list[tuple[str, dict[str, Any]]] = [
    (
        "medical_policy",
        {"number": POLICY_NUMBER, "issue_date": "2021-03-04", "issued_by": "АО «Тест-Мед»"},
    ),
    (
        "address",
        {
            "type": "PRG",
            "address_str": "г. Москва, ул. Тестовая, д. 1, кв. 2",
            "zip_code": "101000",
            "region": "Москва",
            "city": "Москва",
            "street": "Тестовая",
            "house": "1",
            "flat": "2",
            "fias_code": "77-0-000-000-000-000-0000-0000-000",
        },
    ),
    (
        "child",
        {
            "last_name": "Врачёв",
            "first_name": "Миша",
            "birth_date": "2015-07-08",
            "gender": "M",
            "snils": "112-233-445 95",
            "birth_certificate": {"series": "IV-МЮ", "number": "123456", "issue_date": "2015-07-20"},
        },
    ),
    (
        "vehicle",
        {
            "name": "LADA Vesta",
            "number_plate": "А001АА77",
            "reg_certificate": {"series": "7700", "number": "123456"},
        },
    ),
    ("birth_place", {"value": "г. Тула"}),
    ("citizenship", {"value": "RUS"}),
]


@dataclass
class World:
    provider: Provider
    headers: dict[str, str]
    doctor: Account
    other: Account
    org_oid: int
    org2_oid: int

    def session(self) -> Any:
        return self.provider.app.state.session_factory()

    def mint(
        self,
        scopes: list[str],
        *,
        oid: int | bool | None = True,
        org_scopes: dict[int, list[str]] | None = None,
        ttl: int = 300,
        header: dict[str, Any] | None = None,
        claims: dict[str, Any] | None = None,
        record: bool = False,
    ) -> str:
        """An ESIA access token: ``scope`` with ``?oid=`` on person scopes and ``?org_oid=`` on
        organisation ones, ``urn:esia:sbj_id`` a JSON number (absent for client credentials)."""
        subject = self.doctor.oid if oid is True else (None if oid is False else oid)
        parts = []
        for name in scopes:
            parts.append(name if name == "openid" or subject is None else f"{name}?oid={subject}")
        for org_oid, names in (org_scopes or {}).items():
            parts.extend(f"{name}?org_oid={org_oid}" for name in names)
        now = int(time.time())
        body: dict[str, Any] = {
            "nbf": now,
            "iat": now,
            "exp": now + ttl,
            "iss": ESIA_ISSUER,
            "client_id": "ESIA-RP",
            "jti": str(uuid.uuid4()),
            "urn:esia:sid": str(uuid.uuid4()),
            "scope": " ".join(parts),
        }
        if subject is not None:
            body["urn:esia:sbj_id"] = subject
        body.update(claims or {})
        head = {"typ": "JWT", "sbt": "access", "ver": 1, **(header or {})}
        token: str = self.provider.app.state.key_store.sign(body, "RS256", header=head)
        if record:
            with self.provider.app.state.write_session_factory() as session:
                session.add(
                    IssuedAccessToken(
                        jti=body["jti"],
                        client_id="ESIA-RP",
                        account_id=self.doctor.id,
                        expires_at=dt.datetime.fromtimestamp(body["exp"], dt.UTC),
                    )
                )
                session.commit()
        return token

    def revoke(self, token: str) -> None:
        import json
        from base64 import urlsafe_b64decode

        payload = token.split(".")[1]
        jti = json.loads(urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]
        with self.provider.app.state.write_session_factory() as session:
            row = session.query(IssuedAccessToken).filter_by(jti=jti).one()
            row.revoked_at = dt.datetime.now(dt.UTC)
            session.commit()
        self.provider.app.state.revocations.changed()


@pytest.fixture
async def world(provider: Provider) -> World:
    admin = provider.register(
        ClientSpec(client_id="ops-console", name="Ops", scopes=["admin"], grant_types=["client_credentials"])
    )
    headers = await admin_token(provider, admin)
    app = provider.app
    with app.state.write_session_factory() as session:
        doctor = create_account(session, app.state.field_cipher, DOCTOR)
        other = create_account(
            session,
            app.state.field_cipher,
            NewAccount(last_name="Чужой", first_name="Пётр", password=PASSWORD, email="other@example.test"),
        )
        org = orgs.create_organization(session, orgs.OrganizationSpec(**org_body()))
        org2 = orgs.create_organization(
            session,
            orgs.OrganizationSpec(
                **org_body(
                    ogrn=ogrn("102780000002"),
                    inn=inn("780000002"),
                    short_name="ГП № 2",
                    region_code="78",
                    region_name="Санкт-Петербург",
                    kpp=None,
                    phone=None,
                    email=None,
                )
            ),
        )
        orgs.employ(session, doctor.id, org, position="Врач-терапевт", role="doctor", admin=True)
        cipher = app.state.field_cipher
        for kind, data in RECORDS:
            records.add_record(session, cipher, doctor.id, kind, data)
        session.commit()
        session.refresh(doctor)
        session.refresh(other)
        session.expunge_all()
        world = World(provider, headers, doctor, other, org.oid, org2.oid)
    return world
