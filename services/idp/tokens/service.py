"""Codes, refresh tokens and revocation: the storage steps the grants take, one job each.

The grants (``idp.oauth2.grants``) apply the rules in order; these functions are their database
steps. A code is claimed atomically and a used code that comes back revokes what its first
exchange issued (RFC 6749 §4.1.2, RFC 9700 §4.5); a refresh token is spent atomically when rotated
and a spent one that comes back revokes its whole family (RFC 9700 §4.14). Issuing tokens and
writing their records is :mod:`idp.tokens.issuance`'s job alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy.orm import Session

from idp.tokens import repository, revocations
from idp.tokens.models import AuthorizationCode, IssuedAccessToken, RefreshToken
from idp.tokens.schemas import AuthContext as AuthContext  # codes and the authorize endpoint use it
from shared.db import utcnow


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


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
    patient_id: str | None = None,
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
            patient_id=patient_id,
            auth_time=ctx.auth_time,
            acr=ctx.acr,
            amr=list(ctx.amr),
            cert_thumbprint=ctx.cert_thumbprint,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ttl),
        ),
    )
    return code


def find_code(session: Session, code: str) -> AuthorizationCode | None:
    return repository.code_by_hash(session, token_hash(code))


def consume_code(session: Session, row: AuthorizationCode, now: dt.datetime) -> bool:
    """Claim the code for this exchange and start its token family. Atomic: of parallel exchanges
    exactly one wins; False when the code was already used."""
    if row.used_at is not None or not repository.claim_code(session, row.id, now):
        return False
    row.family_id = secrets.token_urlsafe(16)
    return True


def revoke_code_tokens(session: Session, row: AuthorizationCode) -> None:
    """A used code came back: revoke every token its first exchange issued (RFC 6749 §4.1.2)."""
    session.refresh(row)  # a parallel exchange may have claimed it after we read it
    if row.family_id:
        repository.revoke_family(session, row.family_id, utcnow())
        revocations.announce(session)


def context_of(row: AuthorizationCode | RefreshToken) -> AuthContext:
    return AuthContext(
        account_id=row.account_id,
        session_id=row.session_id,
        sid=row.sid,
        auth_time=row.auth_time,
        acr=row.acr,
        amr=list(row.amr),
        cert_thumbprint=row.cert_thumbprint,
    )


def find_refresh_token(session: Session, value: str) -> RefreshToken | None:
    return repository.refresh_by_hash(session, token_hash(value))


def spend_refresh_token(session: Session, row: RefreshToken, now: dt.datetime) -> bool:
    """Mark the refresh token spent by this rotation. Atomic: of parallel rotations exactly one
    wins; False when it was already spent."""
    return row.spent_at is None and repository.spend_refresh(session, row.id, now)


def spent_at(session: Session, row: RefreshToken) -> dt.datetime | None:
    """When the token was spent, read again (a parallel rotation may have spent it meanwhile)."""
    session.refresh(row)
    return row.spent_at


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
