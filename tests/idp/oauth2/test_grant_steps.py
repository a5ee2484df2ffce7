"""RFC 6749 §4.1.3, §6, RFC 7636 §4.6, RFC 9700 §4.14: each step of a grant fails on its own,
with its own sentence, and nothing is written before the consume step."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from idp.oauth2.grants import errors
from idp.tokens.models import AuthorizationCode, RefreshToken
from shared.db import utcnow
from tests.idp.conftest import RP_REDIRECT, Provider, pkce


def _error(response: Any) -> tuple[str, str]:
    assert response.status_code in (400, 401), response.text
    body = response.json()
    return body["error"], body["error_description"]


def _expect(response: Any, error: type[Exception]) -> None:
    assert _error(response) == (error.error, error.description)  # type: ignore[attr-defined]


async def _refresh(provider: Provider, token: str, **extra: str) -> Any:
    data = {"grant_type": "refresh_token", "refresh_token": token, **extra}
    return await provider.http.post("/token", data=data, auth=provider.rp.basic())


# --- authorization_code: find → expired → PKCE → client → redirect_uri → consumed → issue -------
async def test_code_missing_parameter(provider: Provider) -> None:
    response = await provider.http.post(
        "/token",
        data={"grant_type": "authorization_code", "redirect_uri": RP_REDIRECT},
        auth=provider.rp.basic(),
    )
    assert _error(response) == ("invalid_request", "The code parameter is missing.")


async def test_code_unknown(provider: Provider) -> None:
    _expect(await provider.exchange("no-such-code"), errors.CodeNotFoundError)


async def test_code_expired(provider: Provider) -> None:
    code, _ = await provider.code_for()
    with provider.app.state.session_factory() as session:
        session.execute(update(AuthorizationCode).values(expires_at=utcnow()))
        session.commit()
    _expect(await provider.exchange(code), errors.CodeExpiredError)


async def test_code_of_another_client(provider: Provider) -> None:
    code, _ = await provider.code_for()
    stolen = await provider.http.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": provider.other_rp.redirect_uri,
        },
        auth=provider.other_rp.basic(),
    )
    _expect(stolen, errors.CodeClientMismatchError)
    assert (await provider.exchange(code)).status_code == 200  # the thief did not burn it


async def test_code_with_another_redirect_uri_is_refused_and_not_burnt(provider: Provider) -> None:
    code, _ = await provider.code_for()
    wrong = await provider.http.post(
        "/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": RP_REDIRECT + "x"},
        auth=provider.rp.basic(),
    )
    _expect(wrong, errors.RedirectUriMismatchError)
    assert (await provider.exchange(code)).status_code == 200


async def test_code_replayed(provider: Provider) -> None:
    code, _ = await provider.code_for()
    assert (await provider.exchange(code)).status_code == 200
    _expect(await provider.exchange(code), errors.CodeAlreadyUsedError)


async def test_pkce_wrong_verifier_is_refused_and_does_not_burn_the_code(provider: Provider) -> None:
    verifier, challenge = pkce()
    code, _ = await provider.code_for(code_challenge=challenge, code_challenge_method="S256")
    _expect(await provider.exchange(code, code_verifier=pkce()[0]), errors.VerifierMismatchError)
    assert (await provider.exchange(code, code_verifier=verifier)).status_code == 200


@pytest.mark.parametrize("verifier", ["short", "a" * 129, "é" * 43, "a b" * 20])
async def test_pkce_malformed_verifier(provider: Provider, verifier: str) -> None:
    _, challenge = pkce()
    code, _ = await provider.code_for(code_challenge=challenge, code_challenge_method="S256")
    _expect(await provider.exchange(code, code_verifier=verifier), errors.VerifierMalformedError)


async def test_pkce_verifier_without_challenge(provider: Provider) -> None:
    code, _ = await provider.code_for()
    _expect(await provider.exchange(code, code_verifier="a" * 50), errors.VerifierWithoutChallengeError)


async def test_pkce_challenge_without_verifier(provider: Provider) -> None:
    _, challenge = pkce()
    code, _ = await provider.code_for(code_challenge=challenge, code_challenge_method="S256")
    _expect(await provider.exchange(code), errors.VerifierMissingError)


# --- refresh_token: find → client → revoked → expired → scope → consumed → issue ---------------
async def test_refresh_unknown(provider: Provider) -> None:
    _expect(await _refresh(provider, "no-such-token"), errors.RefreshTokenNotFoundError)


async def test_refresh_of_another_client(provider: Provider) -> None:
    tokens = await provider.tokens(scope="openid offline_access")
    stolen = await provider.http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=provider.other_rp.basic(),
    )
    _expect(stolen, errors.RefreshTokenClientMismatchError)


async def test_refresh_revoked(provider: Provider) -> None:
    tokens = await provider.tokens(scope="openid offline_access")
    revoked = await provider.http.post(
        "/revoke", data={"token": tokens["refresh_token"]}, auth=provider.rp.basic()
    )
    assert revoked.status_code == 200
    _expect(await _refresh(provider, tokens["refresh_token"]), errors.RefreshTokenRevokedError)


async def test_refresh_expired(provider: Provider) -> None:
    tokens = await provider.tokens(scope="openid offline_access")
    with provider.app.state.session_factory() as session:
        session.execute(update(RefreshToken).values(expires_at=utcnow()))
        session.commit()
    _expect(await _refresh(provider, tokens["refresh_token"]), errors.RefreshTokenExpiredError)


async def test_refresh_wider_scope_is_refused_and_does_not_spend_the_token(provider: Provider) -> None:
    tokens = await provider.tokens(scope="openid offline_access")
    _expect(
        await _refresh(provider, tokens["refresh_token"], scope="openid email"), errors.ScopeWideningError
    )
    assert (await _refresh(provider, tokens["refresh_token"])).status_code == 200


async def test_refresh_narrower_scope_is_granted(provider: Provider) -> None:
    tokens = await provider.tokens(scope="openid profile offline_access")
    response = await _refresh(provider, tokens["refresh_token"], scope="openid offline_access")
    assert response.status_code == 200 and response.json()["scope"] == "openid offline_access"


async def test_refresh_reused(provider: Provider) -> None:
    tokens = await provider.tokens(scope="openid offline_access")
    assert (await _refresh(provider, tokens["refresh_token"])).status_code == 200
    _expect(await _refresh(provider, tokens["refresh_token"]), errors.RefreshTokenReusedError)


async def test_every_grant_error_is_one_sentence_authlib_can_send() -> None:
    """RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E; one sentence each."""
    classes = [c for c in vars(errors).values() if isinstance(c, type) and c.__module__ == errors.__name__]
    for cls in classes:
        description = cls("parameter").description if cls is errors.MissingParameterError else cls.description
        assert description.endswith(".") and description.count(". ") == 0, cls
        assert all(0x20 <= ord(c) <= 0x7E and c not in '"\\' for c in description), cls
