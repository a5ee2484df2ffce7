"""ESIA.md §12: esia-connector 0.16 (PyPI, unchanged, in ``.venv-esia``: ``make esia-clients``)
builds its v1 authorization URL (a detached RSA CMS ``client_secret`` by ``openssl smime``, padded
url-safe base64, UTC timestamp) and the ESIA face accepts it: the person is sent to the login form;
and the library's whole journey, over real HTTP, down to its REST reads.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.idp.esia.conftest import Esia
from tests.idp.esia.helpers import REDIRECT, SCOPE, callback, register, through_pages
from tests.idp.pki.openssl_signing import needs_gost, rsa_signer

ROOT = Path(__file__).resolve().parents[3]
PYTHON = ROOT / ".venv-esia" / "bin" / "python"
DRIVER = ROOT / "tests" / "esia_clients" / "esia_connector_driver.py"

pytestmark = [
    needs_gost,
    pytest.mark.skipif(not PYTHON.exists(), reason="esia-connector is not installed: make esia-clients"),
]


def _driver(command: str, config: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [str(PYTHON), str(DRIVER), command, json.dumps(config)], capture_output=True, check=False, timeout=60
    )
    result: dict[str, Any] = json.loads(done.stdout or b"{}")
    return result


async def test_esia_connectors_own_authorization_url_is_accepted(esia: Esia):
    signer = rsa_signer()
    config = {
        "client_id": "INSP03211",
        "redirect_uri": REDIRECT,
        "certificate": str(signer.certificate),
        "key": str(signer.key),
        "base": "http://testserver",
        "scope": SCOPE,
        "state": str(uuid.uuid4()),
    }
    url = _driver("auth-url", config)["url"]
    parts = urlsplit(url)
    assert parts.path == "/aas/oauth2/ac"
    response = await esia.http.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 302, response.text
    assert response.headers["location"].startswith("/login?i="), response.headers["location"]


FULL_SCOPE = "openid fullname birthdate gender snils email mobile contacts addresses medical_doc"


async def test_esia_connector_end_to_end_through_the_person_rest_api(
    make_db: Callable[..., str], tmp_path: Path
):
    """Over real HTTP (uvicorn on loopback), the library unchanged from its auth URL to its REST
    reads: the v1 ac request → the real login form and consent page → its te request (v1 CMS, the
    ac state reused) → its token validation (PyJWT 1.x: RS256 with the PEM public key from
    ``/public/esia.public.pem``, ``aud``, ``iss == http://esia.gosuslugi.ru/``) → the person, the
    contacts, documents and addresses with ``?embed=(elements)``, for the oid it read from the
    validated id_token (``urn:esia:sbj``)."""
    from idp.accounts.records import add_record
    from idp.accounts.service import create_account
    from idp.main import create_app
    from tests.conftest import idp_settings
    from tests.idp.conftest import CITIZEN
    from tests.live import free_port, serve_in_thread

    port = free_port()
    app = create_app(idp_settings(make_db("idp"), issuer=f"http://127.0.0.1:{port}"))
    with serve_in_thread(app, port) as base:
        with app.state.session_factory() as session:
            account = create_account(session, app.state.field_cipher, CITIZEN)
            oid = account.oid
            cipher = app.state.field_cipher
            add_record(session, cipher, account.id, "medical_policy", {"number": "7700000012345678"})
            add_record(
                session,
                cipher,
                account.id,
                "address",
                {"type": "PRG", "address_str": "г. Москва, ул. Тверская, д. 1, кв. 5", "zip_code": "125009"},
            )
            session.commit()
        register(app, "INSP03211", [rsa_signer()], scopes=[*FULL_SCOPE.split()])
        signer = rsa_signer()
        state = str(uuid.uuid4())
        config = {
            "client_id": "INSP03211",
            "redirect_uri": REDIRECT,
            "certificate": str(signer.certificate),
            "key": str(signer.key),
            "base": base,
            "scope": FULL_SCOPE,
            "state": state,
        }
        url = _driver("auth-url", config)["url"]
        async with httpx.AsyncClient(base_url=base) as http:
            first = await http.get(url)
            code = callback(await through_pages(http, first))["code"]
            pem = tmp_path / "esia.public.pem"
            pem.write_bytes((await http.get("/public/esia.public.pem")).content)
        result = _driver("complete", {**config, "code": code, "state": state, "token_check_key": str(pem)})
    assert "error" not in result, result
    assert result["oid"] == oid
    person: Any = result["person"]
    assert (person["lastName"], person["firstName"], person["middleName"]) == ("Петрова", "Анна", "Сергеевна")
    assert person["birthDate"] == "02.01.1990" and person["snils"] == "112-233-445 95"
    assert person["trusted"] is False
    contacts: Any = result["contacts"]
    kinds = {c["type"]: c for c in contacts["elements"]}
    assert kinds["EML"]["value"] == CITIZEN.email and kinds["MBT"]["value"] == "+7(916)1112233"
    assert contacts["size"] == len(contacts["elements"])
    documents: Any = result["documents"]
    policy = [d for d in documents["elements"] if d["type"] == "MDCL_PLCY"]
    assert len(policy) == 1 and policy[0]["number"] == "7700000012345678"
    addresses: Any = result["addresses"]
    assert [a["type"] for a in addresses["elements"]] == ["PRG"]
    assert addresses["elements"][0]["addressStr"] == "г. Москва, ул. Тверская, д. 1, кв. 5"
