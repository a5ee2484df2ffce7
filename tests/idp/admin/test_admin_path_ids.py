"""Admin API path ids found by fuzzing: an id that cannot name a row is a 4xx problem, never a 500.

``9223372036854775808`` is 2**63, one past the largest BIGINT: SQLite's driver raises
OverflowError binding it and PostgreSQL refuses it as out of range; a NUL byte cannot travel in a
PostgreSQL string at all.
"""

from __future__ import annotations

import pytest

from tests.idp.admin.conftest import Admin

BEYOND_64_BITS = "9223372036854775808"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/admin/accounts/{BEYOND_64_BITS}"),
        ("POST", f"/admin/accounts/{BEYOND_64_BITS}/unlock"),
        ("POST", f"/admin/accounts/{BEYOND_64_BITS}/confirm-identity"),
        ("GET", "/admin/accounts/-9223372036854775809"),
        ("GET", "/admin/accounts/99999999999999999999999999999999999999"),
        ("GET", "/admin/accounts/0"),
        ("GET", "/admin/accounts/-1"),
    ],
)
async def test_account_id_beyond_64_bits_is_a_problem_not_a_500(admin: Admin, method: str, path: str) -> None:
    body = {"operator": "Иванова И.И."} if path.endswith("confirm-identity") else None
    response = await admin.provider.http.request(method, path, json=body, headers=admin.headers)
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_account_id_9223372036854775807_is_a_plain_not_found(admin: Admin) -> None:
    response = await admin.provider.http.get("/admin/accounts/9223372036854775807", headers=admin.headers)
    assert response.status_code == 404 and response.json()["code"] == "account_not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/clients/a%00b"),
        ("PUT", "/admin/clients/a%00b"),
        ("DELETE", "/admin/clients/a%00b"),
        ("POST", "/admin/clients/a%00b/secret"),
        ("GET", "/admin/clients/" + "x" * 129),
        ("DELETE", "/admin/clients/%0A"),
    ],
)
async def test_client_id_that_cannot_exist_is_a_problem_not_a_500(
    admin: Admin, method: str, path: str
) -> None:
    body = (
        {"client_id": "abc", "name": "x", "grant_types": ["client_credentials"]} if method == "PUT" else None
    )
    response = await admin.provider.http.request(method, path, json=body, headers=admin.headers)
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
