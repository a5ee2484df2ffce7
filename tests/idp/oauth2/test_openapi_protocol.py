"""The protocol endpoints' OpenAPI: the form (or query) parameters and every status they answer,
with media types (checked by hand with schemathesis, see docs/oidc.md)."""

from __future__ import annotations

import pytest

from tests.idp.conftest import Provider

FORM = "application/x-www-form-urlencoded"
#: (path, method) → the statuses the endpoint answers
ANSWERS = {
    ("/token", "post"): {200, 400, 401, 413},
    ("/introspect", "post"): {200, 400, 401, 413},
    ("/revoke", "post"): {200, 400, 401, 413},
    ("/userinfo", "get"): {200, 400, 401, 403, 413},
    ("/userinfo", "post"): {200, 400, 401, 403, 413},
    ("/authorize", "get"): {302, 303, 400, 413},
    ("/authorize", "post"): {302, 303, 400, 413},
    ("/logout", "get"): {200, 302, 303, 400, 413},
    ("/logout", "post"): {200, 302, 303, 400, 413},
}


@pytest.mark.parametrize(("path", "method"), sorted(ANSWERS))
async def test_protocol_endpoint_documents_its_input_and_every_status(
    provider: Provider, path: str, method: str
) -> None:
    schema = (await provider.http.get("/openapi.json")).json()
    operation = schema["paths"][path][method]
    assert set(map(int, operation["responses"])) == ANSWERS[(path, method)]
    for status, response in operation["responses"].items():
        if status not in ("302", "303"):
            assert response.get("content"), (status, "no media type")
        else:
            assert "Location" in response["headers"]
    if method == "post":
        assert FORM in operation["requestBody"]["content"]
    elif path != "/userinfo":
        assert operation["parameters"], "query parameters"


async def test_operation_ids_are_unique(provider: Provider) -> None:
    """FastAPI warns (an error under pytest) about one id for a GET+POST route."""
    schema = (await provider.http.get("/openapi.json")).json()
    ids = [op["operationId"] for item in schema["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path", ["/authorize", "/logout", "/userinfo"])
async def test_method_not_allowed_lists_every_method_of_the_path(provider: Provider, path: str) -> None:
    """RFC 9110 §15.5.6: a path served by a GET and a POST route allows both (Starlette named one)."""
    response = await provider.http.request("PUT", path)
    assert response.status_code == 405
    # exactly the methods served: FastAPI routes do not answer HEAD (it is a 405 too)
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}
    assert (await provider.http.head(path)).status_code == 405


async def test_token_method_not_allowed_says_post(provider: Provider) -> None:
    response = await provider.http.get("/token")
    assert response.status_code == 405 and response.headers["allow"] == "POST"
