"""ESIA.md §9: every applicable refusal provoked on purpose. Each test asserts the exact ESIA code,
the wire shape (a redirect with ``error``/``error_description``/``state`` at ``ac``, an error page
when the redirect URI is not trusted, HTTP 400 JSON at ``te``) and that the recorded diagnosis
explains it (dev mode: its handle ends the description)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from idp.audit.models import SecurityEvent
from idp.pki.gost import certificate_hash
from idp.tokens import service as tokens_service
from tests.idp.esia.conftest import Esia
from tests.idp.esia.helpers import REDIRECT, EsiaRp, callback, diagnosis_of, register, through_pages
from tests.idp.pki.openssl_signing import gost_signer, needs_gost, rsa_signer

pytestmark = needs_gost


def _refused(esia: Esia, response: httpx.Response, code: str, state: str) -> dict[str, Any]:
    """An ``ac`` refusal: back to the redirect URI with ESIA's three parameters; its diagnosis."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert set(query) == {"error", "error_description", "state"}
    assert query["state"] == state
    assert query["error_description"].startswith(f"{code}: ")
    return diagnosis_of(esia.app, query["error_description"])


def _te_refused(esia: Esia, response: httpx.Response, code: str, state: str) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "error_description", "state"}
    assert body["state"] == state
    assert body["error_description"].startswith(f"{code}: ")
    return diagnosis_of(esia.app, body["error_description"])


async def _ac(esia: Esia, params: dict[str, str], path: str = "/aas/oauth2/v2/ac") -> httpx.Response:
    return await esia.http.get(path, params=params)


async def _code(esia: Esia, rp: EsiaRp | None = None) -> str:
    rp = rp or esia.rp
    response = await through_pages(esia.http, await _ac(esia, rp.v2_ac()))
    return callback(response)["code"]


# --- ac: the signed secret -----------------------------------------------------------------------
async def test_gost_signature_over_another_string_is_007053(esia: Esia):
    params = esia.rp.v2_ac()
    signed_for = esia.rp.v2_ac(state="00000000-0000-4000-8000-000000000000")
    params["client_secret"] = signed_for["client_secret"]
    diagnosis = _refused(esia, await _ac(esia, params), "ESIA-007053", params["state"])
    expected = f"EKAP01{params['scope']}{params['timestamp']}{params['state']}{REDIRECT}"
    assert diagnosis["expected_strings"][0] == expected
    assert diagnosis["certificate"]["gost_hash"] == certificate_hash(gost_signer().certificate_der)


async def test_a_certificate_hash_of_an_unregistered_certificate_is_007053(esia: Esia):
    stranger = EsiaRp("EKAP01", gost_signer(256, "B"))
    params = stranger.v2_ac()
    diagnosis = _refused(esia, await _ac(esia, params), "ESIA-007053", params["state"])
    assert diagnosis["client_certificate_hash_found"] == params["client_certificate_hash"]
    assert diagnosis["registered_certificates"][0]["gost_hash"] == certificate_hash(
        gost_signer().certificate_der
    )


async def test_a_sha1_certificate_hash_is_007053_and_the_diagnosis_says_sha1(esia: Esia):
    params = esia.rp.v2_ac(client_certificate_hash="a" * 40)
    diagnosis = _refused(esia, await _ac(esia, params), "ESIA-007053", params["state"])
    assert "SHA-1" in diagnosis["problem"]


async def test_a_secret_that_is_not_base64_is_007053(esia: Esia):
    params = esia.rp.v2_ac(client_secret="not*base64!")
    diagnosis = _refused(esia, await _ac(esia, params), "ESIA-007053", params["state"])
    assert "base64" in diagnosis["problem"]


async def test_a_stale_timestamp_is_007015_with_the_skew(esia: Esia):
    stale = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y.%m.%d %H:%M:%S +0000")
    params = esia.rp.v2_ac(timestamp=stale)
    diagnosis = _refused(esia, await _ac(esia, params), "ESIA-007015", params["state"])
    assert -3700 < diagnosis["skew_seconds"] < -3500
    assert diagnosis["window_seconds"] == 300


async def test_a_timestamp_in_another_form_is_007015(esia: Esia):
    params = esia.rp.v2_ac(timestamp=dt.datetime.now(dt.UTC).isoformat())
    diagnosis = _refused(esia, await _ac(esia, params), "ESIA-007015", params["state"])
    assert "yyyy.MM.dd" in diagnosis["expected_format"]


async def test_a_missing_certificate_hash_is_007014_naming_it(esia: Esia):
    params = esia.rp.v2_ac()
    del params["client_certificate_hash"]
    response = await _ac(esia, params)
    diagnosis = _refused(esia, response, "ESIA-007014", params["state"])
    assert diagnosis["missing_parameter"] == "client_certificate_hash"
    assert "[client_certificate_hash]" in response.headers["location"].replace("%5B", "[").replace("%5D", "]")


async def test_v1_cms_signed_by_an_unregistered_certificate_is_007002(esia: Esia):
    stranger = EsiaRp("INSP03211", rsa_signer("stranger"))
    params = stranger.v1_params()
    diagnosis = _refused(esia, await _ac(esia, params, "/aas/oauth2/ac"), "ESIA-007002", params["state"])
    found = diagnosis["certificates_in_cms"][0]["sha256"]
    assert found not in {c["sha256"] for c in diagnosis["registered_certificates"]}


# --- ac: the request -------------------------------------------------------------------------------
async def test_a_missing_state_is_007014(esia: Esia):
    params = esia.rp.v2_ac()
    state = params.pop("state")
    response = await _ac(esia, params)
    query = callback(response)
    assert query["error_description"].startswith("ESIA-007014: ")
    assert "state" not in query and state
    assert diagnosis_of(esia.app, query["error_description"])["missing_parameter"] == "state"


async def test_no_scope_is_007013(esia: Esia):
    params = esia.rp.v2_ac(scope="")
    _refused(esia, await _ac(esia, params), "ESIA-007013", params["state"])


async def test_an_unknown_scope_is_007006(esia: Esia):
    params = esia.rp.v2_ac(scope="openid fullname superpowers")
    diagnosis = _refused(esia, await _ac(esia, params), "ESIA-007006", params["state"])
    assert list(diagnosis["unknown_scopes"]) == ["superpowers"]


async def test_a_scope_not_allowed_to_the_client_is_007019(esia: Esia):
    params = esia.rp.v2_ac(scope="openid fullname inn")
    diagnosis = _refused(esia, await _ac(esia, params), "ESIA-007019", params["state"])
    assert diagnosis["scopes_not_allowed"] == ["inn"]


async def test_response_type_token_is_007009(esia: Esia):
    params = esia.rp.v2_ac(response_type="token")
    _refused(esia, await _ac(esia, params), "ESIA-007009", params["state"])


async def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(esia: Esia):
    params = EsiaRp("EKAP01", gost_signer(), redirect_uri="https://evil.example.test/cb").v2_ac()
    response = await _ac(esia, params)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "ESIA-007023" in response.text
    handle = response.text.split("[diag ")[1].split("]")[0]
    diagnosis = diagnosis_of(esia.app, f"x [diag {handle}]")
    assert diagnosis["redirect_uri_found"] == "https://evil.example.test/cb"


async def test_a_trailing_slash_redirect_uri_is_refused_and_the_diagnosis_names_the_registered_one(
    esia: Esia,
):
    params = EsiaRp("EKAP01", gost_signer(), redirect_uri=REDIRECT + "/").v2_ac()
    response = await _ac(esia, params)
    assert response.status_code == 400 and "ESIA-007023" in response.text
    handle = response.text.split("[diag ")[1].split("]")[0]
    assert REDIRECT in diagnosis_of(esia.app, f"x [diag {handle}]")["advice"]


async def test_an_unknown_client_gets_an_error_page(esia: Esia):
    params = EsiaRp("NOBODY01", gost_signer()).v2_ac()
    response = await _ac(esia, params)
    assert response.status_code == 400 and "ESIA-007023" in response.text


async def test_every_refusal_is_in_the_security_log(esia: Esia):
    params = esia.rp.v2_ac(scope="openid superpowers")
    await _ac(esia, params)
    with esia.app.state.session_factory() as session:
        events = session.scalars(
            select(SecurityEvent).where(SecurityEvent.event_type == "esia_request_refused")
        ).all()
    assert [e.details["esia_error"] for e in events] == ["ESIA-007006"]
    assert events[0].actor == "client:EKAP01"


# --- the person -------------------------------------------------------------------------------------
async def test_an_unconfirmed_account_at_a_client_requiring_confirmed_is_007055(esia: Esia):
    register(esia.app, "CONF01", [gost_signer()], require_confirmed=True)
    rp = EsiaRp("CONF01", gost_signer())
    params = rp.v2_ac()
    response = await through_pages(esia.http, await _ac(esia, params))
    _refused(esia, response, "ESIA-007055", params["state"])


async def test_an_organisation_scope_for_a_non_employee_is_007194(esia: Esia):
    params = esia.rp.v2_ac(scope="openid", scope_org="org_emps?org_oid=1000000001")
    response = await through_pages(esia.http, await _ac(esia, params))
    diagnosis = _refused(esia, response, "ESIA-007194", params["state"])
    assert diagnosis["org_oids_not_employed"] == ["1000000001"]


async def test_denying_consent_is_007004(esia: Esia):
    params = esia.rp.v2_ac()
    response = await through_pages(esia.http, await _ac(esia, params), consent=False)
    _refused(esia, response, "ESIA-007004", params["state"])


# --- te ----------------------------------------------------------------------------------------------
async def test_a_reused_code_is_007011_and_revokes_the_first_exchange(esia: Esia):
    code = await _code(esia)
    first = await esia.http.post("/aas/oauth2/v3/te", data=esia.rp.v3_te(code))
    assert first.status_code == 200
    tokens = first.json()
    again = esia.rp.v3_te(code)
    diagnosis = _te_refused(
        esia, await esia.http.post("/aas/oauth2/v3/te", data=again), "ESIA-007011", again["state"]
    )
    assert "used already" in diagnosis["problem"]
    from jose import jwt

    jti = jwt.get_unverified_claims(tokens["access_token"])["jti"]
    with esia.app.state.session_factory() as session:
        assert tokens_service.access_token_revoked(session, jti)
    refresh = esia.rp.v3_refresh(tokens["refresh_token"])
    _te_refused(
        esia, await esia.http.post("/aas/oauth2/v3/te", data=refresh), "ESIA-007011", refresh["state"]
    )


async def test_a_code_of_another_client_is_007011(esia: Esia):
    register(esia.app, "OTHER01", [gost_signer()])
    code = await _code(esia)
    other = EsiaRp("OTHER01", gost_signer()).v3_te(code)
    diagnosis = _te_refused(
        esia, await esia.http.post("/aas/oauth2/v3/te", data=other), "ESIA-007011", other["state"]
    )
    assert diagnosis["problem"] == "The code was issued to another client."


async def test_te_signed_without_the_code_is_007053_showing_the_expected_string(esia: Esia):
    code = await _code(esia)
    te = esia.rp.v3_te(code)
    no_code = esia.rp.v3_te("", state=te["state"], timestamp=te["timestamp"])
    te["client_secret"] = no_code["client_secret"]
    diagnosis = _te_refused(
        esia, await esia.http.post("/aas/oauth2/v3/te", data=te), "ESIA-007053", te["state"]
    )
    # the code is named, never kept: a diagnosis holds no credential
    assert diagnosis["expected_strings"] == [
        f"EKAP01{te['scope']}{te['timestamp']}{te['state']}{REDIRECT}<code>"
    ]
    assert code not in json.dumps(diagnosis)
    # nothing was spent: the code still works with a good signature
    assert (await esia.http.post("/aas/oauth2/v3/te", data=esia.rp.v3_te(code))).status_code == 200


async def test_te_missing_code_is_007014(esia: Esia):
    te = esia.rp.v3_te("")
    diagnosis = _te_refused(
        esia, await esia.http.post("/aas/oauth2/v3/te", data=te), "ESIA-007014", te["state"]
    )
    assert diagnosis["missing_parameter"] == "code"


async def test_te_unknown_grant_type_is_007012(esia: Esia):
    te = esia.rp.v3_te("x", grant_type="password")
    _te_refused(esia, await esia.http.post("/aas/oauth2/v3/te", data=te), "ESIA-007012", te["state"])


async def test_te_of_an_unknown_client_is_008010(esia: Esia):
    te = EsiaRp("NOBODY01", gost_signer()).v3_te("x")
    _te_refused(esia, await esia.http.post("/aas/oauth2/v3/te", data=te), "ESIA-008010", te["state"])


async def test_te_parameters_in_the_query_string_are_read(esia: Esia):
    """ESIA.md §4: the C# sample sends everything in the query string of the POST."""
    code = await _code(esia)
    te = esia.rp.v3_te(code)
    response = await esia.http.post("/aas/oauth2/v3/te", params=te)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == te["state"]


async def test_a_logout_redirect_off_the_clients_origins_shows_the_page(esia: Esia):
    for target in (
        "https://evil.example.test/",
        "https://esia-rp.example.test@evil.example.test/",
        "//evil.example.test/",
        "https://esia-rp.example.test.evil.example.test/",
        "javascript:alert(1)",
        "https://esia-rp.example.test:8443/",
    ):
        response = await esia.http.get(
            "/idp/ext/Logout", params={"client_id": "EKAP01", "redirect_url": target}
        )
        assert response.status_code == 200, target
        assert "location" not in response.headers
