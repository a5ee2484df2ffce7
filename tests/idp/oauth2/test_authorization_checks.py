"""The authorization checks (oauth2/checks.py): typed errors, one readable sentence each, and the
inputs found by fuzzing that used to end in a 500 (each test is named after its input)."""

from __future__ import annotations

import re

import pytest

from idp.oauth2.authorize import CHECKS
from idp.oauth2.checks import check_client, check_redirect_uri
from idp.oauth2.person_checks import check_consent, check_launch_context, check_login
from tests.idp.conftest import Provider, callback_params

#: RFC 6749 §4.1.2.1: the error_description character set
_DESCRIPTION = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]+")


def assert_one_sentence(description: str) -> None:
    """One readable sentence: starts with a capital, ends with a full stop, no Python reprs."""
    assert _DESCRIPTION.fullmatch(description), description
    assert description[0].isupper() and description.endswith("."), description
    assert ". " not in description.rstrip("."), description
    assert "None" not in description and "[" not in description, description


async def back(provider: Provider, **params: str | None) -> dict[str, str]:
    response = await provider.http.get("/authorize", params=provider.auth_params(**params))
    assert response.status_code == 302, response.text
    query = callback_params(response)
    assert "error" in query, query
    assert_one_sentence(query["error_description"])
    return query


def test_the_table_establishes_client_and_redirect_uri_first_and_consent_last() -> None:
    assert CHECKS[:2] == (check_client, check_redirect_uri)
    # only the SMART launch context follows consent: the idp looks the person's Patient up at the
    # FHIR server once the person agreed (docs/smart.md)
    assert CHECKS.index(check_login) < CHECKS.index(check_consent) == len(CHECKS) - 2
    assert CHECKS[-1] is check_launch_context


@pytest.mark.parametrize("response_type", ["\u00fc", "\n", "code\u00fc", "\x00"])
async def test_response_type_non_ascii_or_control_is_unsupported_response_type(
    provider: Provider, response_type: str
) -> None:
    """Regression: ``response_type=%C3%BC`` and ``%0A`` were a 500 (Authlib refuses to describe them)."""
    query = await back(provider, response_type=response_type)
    assert query["error"] == "unsupported_response_type"


async def test_response_type_missing_is_invalid_request(provider: Provider) -> None:
    """RFC 6749 §4.1.2.1: a missing required parameter is ``invalid_request``."""
    query = await back(provider, response_type=None)
    assert query["error"] == "invalid_request"
    assert query["error_description"] == "The response_type parameter is required."


async def test_response_type_empty_is_invalid_request(provider: Provider) -> None:
    assert (await back(provider, response_type=""))["error"] == "invalid_request"


async def test_response_mode_fragment_is_refused(provider: Provider) -> None:
    """Only ``query`` is advertised; a fragment would put the code where it does not belong."""
    assert (await back(provider, response_mode="fragment"))["error"] == "invalid_request"


@pytest.mark.parametrize("max_age", ["\u00b2", "9" * 5000, "-1", "1.5", "\u0661"])
async def test_max_age_not_ascii_digits_is_invalid_request(provider: Provider, max_age: str) -> None:
    """Regression: ``max_age=²`` (a Unicode digit) and a 5000-digit number were 500s."""
    assert (await back(provider, max_age=max_age))["error"] == "invalid_request"


async def test_scope_u_umlaut_is_invalid_scope(provider: Provider) -> None:
    query = await back(provider, scope="openid \u00fc")
    assert query["error"] == "invalid_scope"


@pytest.mark.parametrize("resource", ["\u00fc", "https://elsewhere.test/\\"])
async def test_resource_not_registered_is_invalid_target(provider: Provider, resource: str) -> None:
    assert (await back(provider, resource=resource))["error"] == "invalid_target"


async def test_two_resources_are_invalid_target(provider: Provider) -> None:
    params = [*provider.auth_params().items(), ("resource", "egisz"), ("resource", "egisz")]
    response = await provider.http.get("/authorize", params=params)
    assert callback_params(response)["error"] == "invalid_target"


@pytest.mark.parametrize("name", ["scope", "state", "response_type", "nonce", "prompt", "code_challenge"])
async def test_repeated_parameter_is_invalid_request(provider: Provider, name: str) -> None:
    """RFC 6749 §3.1: parameters MUST NOT be included more than once."""
    params = provider.auth_params()
    pairs = [*params.items(), (name, params.get(name, "x"))]
    response = await provider.http.get("/authorize", params=pairs)
    query = callback_params(response)
    assert query["error"] == "invalid_request"
    assert_one_sentence(query["error_description"])


async def test_repeated_redirect_uri_is_an_error_page(provider: Provider) -> None:
    params = [*provider.auth_params().items(), ("redirect_uri", "https://evil.test/cb")]
    response = await provider.http.get("/authorize", params=params)
    assert response.status_code == 400 and "location" not in response.headers


@pytest.mark.parametrize("challenge", ["short", "\u00fc" * 43, "a" * 129])
async def test_code_challenge_malformed_is_invalid_request(provider: Provider, challenge: str) -> None:
    """RFC 7636 §4.2: 43 to 128 unreserved characters."""
    query = await back(provider, code_challenge=challenge, code_challenge_method="S256")
    assert query["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"prompt": "none login"}, "invalid_request"),
        ({"prompt": "\u00fc"}, "invalid_request"),
        ({"claims": "{not json"}, "invalid_request"),
        ({"claims": '{"id_token": []}'}, "invalid_request"),
        ({"request": "x"}, "request_not_supported"),
        ({"request_uri": "https://rp.example.test/r"}, "request_uri_not_supported"),
        ({"code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "invalid_request"),
        ({"id_token_hint": "\u00fc.\u00fc.\u00fc"}, "invalid_request"),
        ({"scope": "openid admin"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
async def test_every_refusal_is_one_readable_sentence(
    provider: Provider, params: dict[str, str], error: str
) -> None:
    assert (await back(provider, **params))["error"] == error


async def test_client_without_the_code_flow_is_unauthorized_client(provider: Provider) -> None:
    from idp.clients.service import ClientSpec

    service = provider.register(
        ClientSpec(
            client_id="svc-only",
            name="Service",
            grant_types=["client_credentials"],
            scopes=["openid"],
            redirect_uris=["https://svc.example.test/cb"],
        )
    )
    query = await back(provider, client_id=service.client_id, redirect_uri=service.redirect_uri)
    assert query["error"] == "unauthorized_client"


async def test_prompt_select_account_sends_a_logged_in_person_to_the_login_page(provider: Provider) -> None:
    """OIDC Core §3.1.2.1 ``select_account``: the login page is where the account is chosen."""
    await provider.tokens()
    params = provider.auth_params(prompt="select_account")
    response = await provider.http.get("/authorize", params=params)
    assert response.status_code == 302 and response.headers["location"].startswith("/login?")
    response = await provider.login(params)
    assert "code" in callback_params(response)


async def test_unknown_client_description_is_one_sentence(provider: Provider) -> None:
    response = await provider.http.get("/authorize", params=provider.auth_params(client_id="nobody"))
    assert response.status_code == 400
    assert "invalid_client: The client is unknown." in response.text


@pytest.mark.parametrize(
    ("form", "error", "description"),
    [
        ({"scope": "egisz:write \u00fc"}, "invalid_scope", "The client is not registered for the scope"),
        ({"resource": "\u00fc"}, "invalid_target", "The client may not request tokens for ?."),
        ({"resource": ""}, "invalid_target", "The resource parameter is empty."),
    ],
)
async def test_token_endpoint_applies_the_same_scope_and_resource_rules(
    provider: Provider, form: dict[str, str], error: str, description: str
) -> None:
    """oauth2/scopes.py serves /authorize and /token; non-ASCII input used to be a 500 at /token
    (Authlib refuses to describe it)."""
    from idp.clients.service import ClientSpec

    rp = provider.register(
        ClientSpec(client_id="svc-scoped", name="Service", scopes=["egisz:read"], audiences=["egisz"])
    )
    response = await provider.http.post(
        "/token", data={"grant_type": "client_credentials", **form}, auth=(rp.client_id, rp.secret or "")
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == error and body["error_description"].startswith(description)
    assert_one_sentence(body["error_description"])
