"""A demo PKI made once per test session (per xdist worker) by ``idp.pki.demo``, at a fixed time:
every verdict is judged at an injected moment, never at the wall clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from idp.pki import demo
from shared.db import make_engine, make_sessionmaker

#: "Now" for the whole PKI test suite.
T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
SNILS = "11223344595"
SUBJECT = demo.Subject(common_name="Иванов Иван", surname="Иванов", given_name="Иван", snils=SNILS)


@dataclass
class Pki:
    root: Path
    accredited: demo.DemoCa
    unaccredited: demo.DemoCa
    stranger: demo.DemoCa
    gost: demo.DemoCa | None
    certs: dict[str, demo.Issued] = field(default_factory=dict)

    def pem(self, name: str) -> bytes:
        return self.certs[name].cert_pem.read_bytes()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    root = tmp_path_factory.mktemp("pki")
    window = {"not_before": T0 - 365 * DAY, "not_after": T0 + 3650 * DAY}
    acc = demo.create_ca(root / "acc", "Test accredited CA", accredited=True, **window)
    unacc = demo.create_ca(root / "unacc", "Test UNEP CA", accredited=False, algorithm="ecdsa", **window)
    stranger = demo.create_ca(root / "stranger", "Untrusted CA", accredited=False, **window)
    gost = (
        demo.create_ca(root / "gost", "Test GOST CA", accredited=True, algorithm="gost", **window)
        if demo.gost_available()
        else None
    )
    p = Pki(root, acc, unacc, stranger, gost)
    valid = {"not_before": T0 - 10 * DAY, "not_after": T0 + 100 * DAY}
    p.certs["good"] = acc.issue("good", SUBJECT, **valid)
    p.certs["good_ecdsa"] = unacc.issue("good_ecdsa", SUBJECT, algorithm="ecdsa", **valid)
    p.certs["expired"] = acc.issue("expired", SUBJECT, not_before=T0 - 100 * DAY, not_after=T0 - DAY)
    p.certs["future"] = acc.issue("future", SUBJECT, not_before=T0 + DAY, not_after=T0 + 100 * DAY)
    p.certs["revoked"] = acc.issue("revoked", SUBJECT, **valid)
    p.certs["encipher_only"] = acc.issue("encipher_only", SUBJECT, key_usage=("key_encipherment",), **valid)
    p.certs["stranger"] = stranger.issue("stranger", SUBJECT, **valid)
    p.certs["other_snils"] = acc.issue(
        "other_snils", demo.Subject(common_name="Петрова Анна", snils="12345678964"), **valid
    )
    p.certs["no_snils"] = unacc.issue(
        "no_snils", demo.Subject(common_name="Без СНИЛС"), algorithm="ecdsa", **valid
    )
    p.certs["expiring"] = acc.issue("expiring", SUBJECT, not_before=T0 - DAY, not_after=T0 + 10 * DAY)
    acc.revoke(p.certs["revoked"].serial, T0 - 2 * DAY)
    for ca in (acc, unacc, stranger):
        ca.publish_crl(T0 - DAY, T0 + 7 * DAY)
    if gost is not None:
        p.certs["gost"] = gost.issue("gost", SUBJECT, **valid)
        p.certs["gost_revoked"] = gost.issue("gost_revoked", SUBJECT, **valid)
        gost.revoke(p.certs["gost_revoked"].serial, T0 - 2 * DAY)
        gost.publish_crl(T0 - DAY, T0 + 7 * DAY)
    return p


@pytest.fixture
def session(make_db: Callable[..., str]) -> Iterator[Session]:
    with make_sessionmaker(make_engine(make_db("idp")))() as s:
        yield s
