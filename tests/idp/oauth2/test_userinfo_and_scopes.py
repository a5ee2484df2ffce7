"""Mirrors of oidcc-userinfo-* and oidcc-scope-* modules."""

from __future__ import annotations

import pytest

from tests.idp.conftest import Provider


async def _userinfo(provider: Provider, scope: str) -> dict[str, object]:
    tokens = await provider.tokens(scope=scope)
    response = await provider.http.get(
        "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, object] = response.json()
    return body


async def test_oidcc_userinfo_get_post_header_post_body(provider: Provider) -> None:
    """oidcc-userinfo-get, oidcc-userinfo-post-header, oidcc-userinfo-post-body."""
    token = (await provider.tokens())["access_token"]
    header = {"Authorization": f"Bearer {token}"}
    get = await provider.http.get("/userinfo", headers=header)
    post_header = await provider.http.post("/userinfo", headers=header)
    post_body = await provider.http.post("/userinfo", data={"access_token": token})
    assert get.json() == post_header.json() == post_body.json()
    assert get.json()["sub"] == provider.account_sub


@pytest.mark.parametrize(
    ("scope", "present", "absent"),
    [
        (
            "openid profile",
            {"name", "family_name", "given_name", "birthdate", "gender"},
            {"email", "phone_number"},
        ),
        ("openid email", {"email", "email_verified"}, {"name", "phone_number"}),
        ("openid phone", {"phone_number", "phone_number_verified"}, {"email", "name"}),
        ("openid address", set(), {"email", "name", "phone_number"}),
        ("openid snils", {"snils"}, {"email"}),
        ("openid profile email address phone", {"name", "email", "phone_number"}, {"snils"}),
    ],
    ids=[
        "oidcc-scope-profile",
        "oidcc-scope-email",
        "oidcc-scope-phone",
        "oidcc-scope-address",
        "snils",
        "oidcc-scope-all",
    ],
)
async def test_oidcc_scope_claims(
    provider: Provider, scope: str, present: set[str], absent: set[str]
) -> None:
    """oidcc-scope-profile / -email / -address / -phone / -all (address: the demo citizen has none)."""
    info = await _userinfo(provider, scope)
    assert present <= set(info), info
    assert not (absent & set(info)), info


async def test_userinfo_values_come_from_the_account(provider: Provider) -> None:
    info = await _userinfo(provider, "openid profile email phone snils")
    assert info["family_name"] == "Петрова" and info["given_name"] == "Анна"
    assert info["birthdate"] == "1990-01-02" and info["gender"] == "female"
    assert info["email"] == "anna@example.test" and info["phone_number"] == "+79161112233"
    assert info["snils"] == "112-233-445 95"


async def test_userinfo_refuses_bad_tokens(provider: Provider) -> None:
    missing = await provider.http.get("/userinfo")
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith(
        'Bearer realm="userinfo"'
    )
    bad = await provider.http.get("/userinfo", headers={"Authorization": "Bearer x.y.z"})
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["www-authenticate"]
    no_openid = await provider.tokens(scope="profile")
    response = await provider.http.get(
        "/userinfo", headers={"Authorization": f"Bearer {no_openid['access_token']}"}
    )
    assert (
        response.status_code == 403 and 'error="insufficient_scope"' in response.headers["www-authenticate"]
    )
    token = (await provider.tokens())["access_token"]
    both = await provider.http.post(
        "/userinfo", data={"access_token": token}, headers={"Authorization": f"Bearer {token}"}
    )
    assert both.status_code == 400
