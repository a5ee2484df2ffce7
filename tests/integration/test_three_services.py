"""The three services as real uvicorn processes: tokens minted by the idp open the notifier and
egisz_api over real HTTP; tokens minted with a stranger key do not."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt

from tests.integration.processes import ServiceProcess, run_cli, started
from tests.live import free_port

pytestmark = pytest.mark.integration

MESSAGE = {
    "template": "otp_code",
    "params": {"code": "654321"},
    "recipient": {"phone": "+79161234567"},
    "channels": ["sms"],
}


@pytest.fixture(scope="module")
def system(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[dict[str, Any]]:
    from tests.conftest import create_database, drop_database

    tmp = tmp_path_factory.mktemp("system")
    urls = {name: create_database(tmp, name) for name in ("idp", "egisz_api", "notifier")}
    idp_port = free_port()
    issuer = f"http://127.0.0.1:{idp_port}"
    common = {"dev_mode": True, "log_json": True}
    idp_settings = {**common, "database_url": urls["idp"], "issuer": issuer, "port": idp_port}
    rs = {"idp_issuer": issuer, "idp_jwks_url": f"{issuer}/.well-known/jwks.json"}
    idp = ServiceProcess("idp", idp_settings, tmp / "idp.log")
    notifier = ServiceProcess("notifier", {**common, **rs, "database_url": urls["notifier"]}, tmp / "n.log")
    egisz = ServiceProcess("egisz_api", {**common, **rs, "database_url": urls["egisz_api"]}, tmp / "e.log")
    run_cli("idp", idp_settings, "migrate")
    caller = run_cli(
        "idp", idp_settings, "add-client", "mis-1", "--scope", "notify:send", "--audience", "notifier"
    )
    with started(idp, notifier, egisz):
        yield {"idp": idp, "notifier": notifier, "egisz": egisz, "caller": caller, "issuer": issuer}
    for url in urls.values():
        drop_database(url)


def _token(system: dict[str, Any]) -> str:
    caller = system["caller"]
    response = httpx.post(
        f"{system['issuer']}/token",
        data={"grant_type": "client_credentials", "scope": "notify:send"},
        auth=(caller["client_id"], caller["client_secret"]),
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _stranger_token(system: dict[str, Any], kid: Callable[[str], str]) -> str:
    real_kid = jwt.get_unverified_header(_token(system))["kid"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    now = int(time.time())
    claims = {
        "iss": system["issuer"],
        "aud": "notifier",
        "sub": "mis-1",
        "client_id": "mis-1",
        "scope": "notify:send",
        "iat": now,
        "exp": now + 300,
    }
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid(real_kid), "typ": "at+jwt"})


def test_all_three_answer_readyz_and_metrics(system: dict[str, Any]) -> None:
    for name in ("idp", "notifier", "egisz"):
        base = system[name].base_url
        ready = httpx.get(f"{base}/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {
            "database": "ok",
            "migrations": "at head",
        }
        metrics = httpx.get(f"{base}/metrics").text
        assert "http_requests_total" in metrics and "http_request_duration_seconds_bucket" in metrics


def test_notifier_accepts_a_token_minted_by_the_idp(system: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {_token(system)}", "X-Request-ID": "it-req-1"}
    response = httpx.post(f"{system['notifier'].base_url}/v1/messages", json=MESSAGE, headers=headers)
    assert response.status_code == 202, response.text
    assert response.headers["x-request-id"] == "it-req-1"
    # a bounded poll (not a timed assertion): the access line is written just after the response
    deadline = time.monotonic() + 5
    while '"request_id": "it-req-1"' not in system["notifier"].logs() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert '"request_id": "it-req-1"' in system["notifier"].logs()


@pytest.mark.parametrize("kid", [lambda real: real, lambda real: "stranger-kid"], ids=["same-kid", "own-kid"])
def test_notifier_refuses_a_token_minted_by_a_stranger_key(system: dict[str, Any], kid: Any) -> None:
    headers = {"Authorization": f"Bearer {_stranger_token(system, kid)}"}
    response = httpx.post(f"{system['notifier'].base_url}/v1/messages", json=MESSAGE, headers=headers)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_egisz_refuses_a_notifier_token_and_no_token(system: dict[str, Any]) -> None:
    base = system["egisz"].base_url
    assert httpx.get(f"{base}/api/v1/whoami").status_code == 401
    response = httpx.get(f"{base}/api/v1/whoami", headers={"Authorization": f"Bearer {_token(system)}"})
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"


def test_codes_in_bodies_never_reach_the_logs(system: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {_token(system)}"}
    httpx.post(f"{system['notifier'].base_url}/v1/messages", json=MESSAGE, headers=headers)
    for name in ("idp", "notifier", "egisz"):
        logs = system[name].logs()
        assert "654321" not in logs
        assert system["caller"]["client_secret"] not in logs
