"""Rules for codes and refresh tokens: single use, short life, rotation with reuse detection.

- A code is claimed atomically; a second use answers ``invalid_grant`` and revokes every token its
  first use issued (RFC 6749 §4.1.2, RFC 9700 §4.5).
- A refresh token is spent when exchanged; presenting a spent one again (outside an optional,
  bounded grace period) revokes its whole family, the live successor included (RFC 9700 §4.14).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.tokens import repository, revocations
from idp.tokens.errors import GrantRejectedError
from idp.tokens.models import AuthorizationCode, IssuedAccessToken, RefreshToken
from shared.db import utcnow


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class AuthContext:
    """What a login proved, carried from the session into codes, tokens and refresh tokens."""

    account_id: int
    session_id: int | None
    sid: str | None
    auth_time: dt.datetime
    acr: str
    amr: list[str]


def issue_code(
    session: Session,
    ttl: int,
    ctx: AuthContext,
    *,
    client_id: str,
    redirect_uri: str,
    scope: str,
    nonce: str | None,
    code_challenge: str | None,
    code_challenge_method: str | None,
    resource: str | None,
    claims_request: dict[str, Any] | None,
) -> str:
    code = secrets.token_urlsafe(32)
    now = utcnow()
    repository.add(
        session,
        AuthorizationCode(
            code_hash=token_hash(code),
            client_id=client_id,
            account_id=ctx.account_id,
            session_id=ctx.session_id,
            sid=ctx.sid,
            redirect_uri=redirect_uri,
            scope=scope,
            nonce=nonce,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
            resource=resource,
            claims_request=claims_request,
            auth_time=ctx.auth_time,
            acr=ctx.acr,
            amr=list(ctx.amr),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ttl),
        ),
    )
    return code


def redeem_code(session: Session, code: str, client_id: str) -> AuthorizationCode:
    row = repository.code_by_hash(session, token_hash(code))
    if row is None or row.client_id != client_id:
        raise GrantRejectedError("Invalid authorization code.")
    now = utcnow()
    if row.used_at is not None or not repository.claim_code(session, row.id, now):
        # Replay: revoke what the first exchange issued.
        session.refresh(row)
        if row.family_id:
            repository.revoke_family(session, row.family_id, now)
            revocations.announce(session)
        raise GrantRejectedError("The authorization code was already used.")
    if row.expires_at <= now:
        raise GrantRejectedError("The authorization code has expired.")
    row.family_id = secrets.token_urlsafe(16)
    return row


def context_of(row: AuthorizationCode | RefreshToken) -> AuthContext:
    return AuthContext(
        account_id=row.account_id,
        session_id=row.session_id,
        sid=row.sid,
        auth_time=row.auth_time,
        acr=row.acr,
        amr=list(row.amr),
    )


def issue_refresh_token(
    session: Session,
    ttl: int,
    ctx: AuthContext,
    *,
    family_id: str,
    client_id: str,
    scope: str,
    resource: str | None,
    claims_request: dict[str, Any] | None,
    expires_at: dt.datetime | None = None,
) -> str:
    value = secrets.token_urlsafe(32)
    now = utcnow()
    repository.add(
        session,
        RefreshToken(
            token_hash=token_hash(value),
            family_id=family_id,
            client_id=client_id,
            account_id=ctx.account_id,
            session_id=ctx.session_id,
            sid=ctx.sid,
            scope=scope,
            resource=resource,
            claims_request=claims_request,
            auth_time=ctx.auth_time,
            acr=ctx.acr,
            amr=list(ctx.amr),
            issued_at=now,
            expires_at=expires_at or now + dt.timedelta(seconds=ttl),
        ),
    )
    return value


def find_refresh_token(session: Session, value: str) -> RefreshToken | None:
    return repository.refresh_by_hash(session, token_hash(value))


def spend_refresh_token(session: Session, value: str, client_id: str, grace_seconds: int) -> RefreshToken:
    """The refresh token, now spent; a reused spent token revokes its family."""
    row = find_refresh_token(session, value)
    # RFC 6749 §6: bound to the client it was issued to.
    if row is None or row.client_id != client_id:
        raise GrantRejectedError("Invalid refresh token.")
    now = utcnow()
    if row.revoked_at is not None:
        raise GrantRejectedError("The refresh token was revoked.")
    if row.expires_at <= now:
        raise GrantRejectedError("The refresh token has expired.")
    if row.spent_at is not None or not repository.spend_refresh(session, row.id, now):
        session.refresh(row)
        spent_at = row.spent_at or now
        if grace_seconds and now - spent_at <= dt.timedelta(seconds=grace_seconds):
            return row  # a client retry within the grace period, not theft
        repository.revoke_family(session, row.family_id, now)
        revocations.announce(session)
        raise GrantRejectedError("The refresh token was already used; its whole family is revoked.")
    return row


def record_access_token(
    session: Session,
    claims: dict[str, Any],
    *,
    account_id: int | None,
    family_id: str | None,
    session_id: int | None,
    userinfo_claims: list[str] | None = None,
) -> None:
    repository.add(
        session,
        IssuedAccessToken(
            jti=claims["jti"],
            client_id=claims["client_id"],
            account_id=account_id,
            family_id=family_id,
            session_id=session_id,
            expires_at=dt.datetime.fromtimestamp(claims["exp"], dt.UTC),
            userinfo_claims=userinfo_claims,
        ),
    )


def userinfo_claims_of(session: Session, jti: str) -> set[str]:
    row = repository.access_token_by_jti(session, jti)
    return set(row.userinfo_claims or []) if row is not None else set()


def access_token_revoked(session: Session, jti: str) -> bool:
    row = repository.access_token_by_jti(session, jti)
    return row is not None and row.revoked_at is not None


def revoke_access_token(session: Session, claims: dict[str, Any]) -> None:
    row = repository.access_token_by_jti(session, claims["jti"])
    now = utcnow()
    if row is None:
        # A self-contained token we never stored (client_credentials): remember it as revoked.
        repository.add(
            session,
            IssuedAccessToken(
                jti=claims["jti"],
                client_id=claims.get("client_id", ""),
                expires_at=dt.datetime.fromtimestamp(claims["exp"], dt.UTC),
                revoked_at=now,
            ),
        )
    elif row.revoked_at is None:
        row.revoked_at = now
    revocations.announce(session)


def revoke_refresh_family(session: Session, row: RefreshToken) -> None:
    repository.revoke_family(session, row.family_id, utcnow())
    revocations.announce(session)


def revoke_session_tokens(session: Session, session_id: int) -> None:
    repository.revoke_for_session(session, session_id, utcnow())
    revocations.announce(session)


def revoke_client_tokens(session: Session, account_id: int, client_id: str) -> None:
    repository.revoke_for_account_client(session, account_id, client_id, utcnow())
    revocations.announce(session)


def accept_client_assertion(session: Session, client_id: str, jti: str, exp: int) -> bool:
    now = utcnow()
    expires = dt.datetime.fromtimestamp(exp, dt.UTC) if exp else now + dt.timedelta(hours=1)
    return repository.remember_assertion(session, client_id, jti, expires, now)
