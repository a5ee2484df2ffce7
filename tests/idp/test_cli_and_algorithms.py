"""Operator CLI for keys and clients, and per-client ES256 signing."""

from __future__ import annotations

from collections.abc import Callable

from jose import jwt

from idp.clients.service import ClientSpec
from tests.idp.conftest import RP_REDIRECT, Provider, decode
from tests.integration.processes import run_cli


def test_keys_rotate_publishes_previous_and_retire_keeps_it_until_tokens_expire(
    make_db: Callable[..., str],
) -> None:
    settings = {"dev_mode": True, "database_url": make_db("idp")}
    run_cli(
        "idp", settings, "keys", "add-next", "--alg", "RS256"
    )  # no key yet: next only, current made at start
    listed = run_cli("idp", settings, "keys", "list")
    assert [k["state"] for k in listed if k["alg"] == "RS256"] == ["next"]
    run_cli("idp", settings, "keys", "promote", "--alg", "RS256")
    rotated = run_cli("idp", settings, "keys", "rotate", "--alg", "RS256")
    states = sorted(k["state"] for k in rotated if k["alg"] == "RS256")
    assert states == ["current", "previous"]
    after_retire = run_cli("idp", settings, "keys", "retire", "--alg", "RS256")
    assert sorted(k["state"] for k in after_retire if k["alg"] == "RS256") == ["current", "previous"]


def test_add_client_prints_a_secret_once(make_db: Callable[..., str]) -> None:
    settings = {"dev_mode": True, "database_url": make_db("idp")}
    created = run_cli(
        "idp", settings, "add-client", "cli-client", "--scope", "egisz:read", "--audience", "egisz"
    )
    assert created["client_id"] == "cli-client" and len(created["client_secret"]) > 40


async def test_es256_client_gets_es256_id_and_access_tokens(provider: Provider) -> None:
    rp = provider.register(
        ClientSpec(
            client_id="rp-ec",
            name="EC",
            grant_types=["authorization_code"],
            scopes=["openid"],
            redirect_uris=[RP_REDIRECT],
            signing_alg="ES256",
        )
    )
    tokens = await provider.tokens(rp, scope="openid")
    for name in ("id_token", "access_token"):
        assert jwt.get_unverified_header(tokens[name])["alg"] == "ES256"
    assert decode(tokens["id_token"], await provider.jwks())["aud"] == "rp-ec"
