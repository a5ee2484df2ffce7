"""EGISZ's notices over real HTTP (docs/rights.md): idp, notifier and egisz_api as uvicorn
processes. A notice queued in EGISZ's outbox is sent by EGISZ's dispatcher with a service token it
gets from the idp (client_credentials, client ``egisz-api``), accepted by the notifier, and
delivered to the notifier's dev outbox at the address in the patient's FHIR record."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.integration.processes import ServiceProcess, run_cli, started

pytestmark = pytest.mark.integration

EMAIL = "ivanov.notices@example.test"


def _wait(predicate: Any, timeout: float, what: str) -> None:
    """A bounded poll for real processes' work (not a timed assertion: the timeout bounds a hang)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from tests.conftest import create_database, drop_database

    tmp = tmp_path_factory.mktemp("notices")
    urls = {name: create_database(tmp, name) for name in ("idp", "egisz_api", "notifier")}
    from tests.live import free_port

    idp_port = free_port()
    issuer = f"http://127.0.0.1:{idp_port}"
    common = {"dev_mode": True, "log_json": True}
    idp_settings = {**common, "database_url": urls["idp"], "issuer": issuer, "port": idp_port}
    rs = {"idp_issuer": issuer, "idp_jwks_url": f"{issuer}/.well-known/jwks.json"}
    run_cli("idp", idp_settings, "migrate")
    egisz_client = run_cli(
        "idp", idp_settings, "add-client", "egisz-api", "--scope", "notify:send", "--audience", "notifier"
    )
    idp = ServiceProcess("idp", idp_settings, tmp / "idp.log")
    notifier = ServiceProcess("notifier", {**common, **rs, "database_url": urls["notifier"]}, tmp / "n.log")
    egisz = ServiceProcess(
        "egisz_api",
        {
            **common,
            **rs,
            "database_url": urls["egisz_api"],
            "audit_journal_dir": str(tmp / "journal"),
            "notifier_url": notifier.base_url,
            "notifier_client_id": egisz_client["client_id"],
            "notifier_client_secret": egisz_client["client_secret"],
            "notifications_poll_seconds": 0.2,
        },
        tmp / "e.log",
    )
    with started(idp, notifier, egisz):
        yield {
            "notifier": notifier,
            "egisz": egisz,
            "db": urls["egisz_api"],
            "secret": egisz_client["client_secret"],
        }
    for url in urls.values():
        drop_database(url)


def _queue_a_consent_notice(database_url: str) -> None:
    """What the consent feature does in its transaction: the Patient is there, the notice queued."""
    from egisz_api.notifications import service as notifications
    from egisz_api.records import service as records
    from shared.db import make_engine, make_sessionmaker

    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session:
            now = dt.datetime.now(dt.UTC)
            patient = {
                "resourceType": "Patient",
                "name": [{"family": "Иванов", "given": ["Иван"]}],
                "telecom": [{"system": "email", "value": EMAIL}],
            }
            stored = records.create(session, "Patient", patient, clock=lambda: now)
            notifications.consent_changed(
                session, stored.resource_id, action="withdrawn", party="ЕГИСЗ", consent_id="c-1", now=now
            )
            session.commit()
    finally:
        engine.dispose()


def _status(database_url: str) -> str | None:
    from egisz_api.notifications.models import NotificationOutboxRow
    from shared.db import make_engine, make_sessionmaker

    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session:
            return session.scalar(
                select(NotificationOutboxRow.status).where(NotificationOutboxRow.channel == "email")
            )
    finally:
        engine.dispose()


def test_a_queued_notice_reaches_the_notifier_with_egisz_own_service_token(system: dict[str, Any]) -> None:
    _queue_a_consent_notice(system["db"])
    _wait(lambda: _status(system["db"]) == "sent", 60, "EGISZ to send the notice")
    url = f"{system['notifier'].base_url}/dev/outbox/latest"

    def delivered() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = httpx.get(url, params={"address": EMAIL}).json()
        return found

    _wait(lambda: delivered(), 60, "the notifier to deliver it")
    entry = delivered()[0]
    assert entry["channel"] == "email" and entry["subject"] == "Согласие отозвано"
    assert "ЕГИСЗ" in entry["body"]
    for service in ("egisz", "notifier"):
        assert system["secret"] not in system[service].logs()
    assert EMAIL not in system["egisz"].logs()
