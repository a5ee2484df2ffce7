"""The ESIA token endpoint, ``POST /aas/oauth2/te`` (v1) and ``/aas/oauth2/v3/te`` (v3) (ESIA.md §4).

    client → grant_type → client_secret and timestamp → the grant:
      authorization_code: code → expired → client → redirect_uri → consumed → issue
      refresh_token:      token → client → revoked → expired → consumed (rotation) → issue
      client_credentials: scope known → scope allowed → grant allowed → issue (no person, §4.3)

Parameters come from the query string and the body merged (the C# sample sends them in the query).
``state`` need not equal the ``ac`` state and is echoed; ``scope`` need not equal the ``ac`` scope:
the granted scopes come from the code (§4.1). Tokens come from the one core,
:meth:`idp.tokens.issuance.TokenIssuer.issue`, shaped by :data:`idp.esia.profile.ESIA_PROFILE`.
A code that comes back revokes what its first exchange issued; a spent refresh token that comes back
revokes its family (the tokens service, as for the OpenID Connect face).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import service as accounts_service
from idp.accounts.models import Account
from idp.audit import service as audit
from idp.clients import service as clients_service
from idp.clients.models import Client
from idp.esia import diagnostics, repository, scopes
from idp.esia.authorize import CODE_KEY, OFFLINE
from idp.esia.context import EsiaContext
from idp.esia.errors import EsiaError
from idp.esia.models import EsiaClient
from idp.esia.profile import ESIA_PROFILE, subject_object
from idp.esia.secrets import SignedRequest, check_client_secret, missing
from idp.tokens import service as tokens_service
from idp.tokens.models import AuthorizationCode, RefreshToken
from idp.tokens.schemas import Issuance, RefreshPlan

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")


@dataclass(frozen=True)
class TokenAnswer:
    status: int
    body: dict[str, Any]


@dataclass
class TeRequest:
    session: Session
    ctx: EsiaContext
    data: dict[str, str]
    #: 1 (``te``) or 3 (``v3/te``)
    version: int
    endpoint: str
    client: Client | None = None
    esia: EsiaClient | None = None


def exchange(r: TeRequest) -> TokenAnswer:
    state = r.data.get("state")
    try:
        body = _exchange(r)
    except EsiaError as error:
        return TokenAnswer(400, _refused(r, error, state))
    if state is not None:
        body["state"] = state  # ESIA.md §4.1: echo the token request's state
    return TokenAnswer(200, body)


def _exchange(r: TeRequest) -> dict[str, Any]:
    check_client(r)
    grant_type = r.data.get("grant_type", "")
    if not grant_type:
        raise missing("grant_type")
    if grant_type not in GRANT_TYPES:
        raise EsiaError(
            "ESIA-007012",
            diagnosis={"grant_type_found": grant_type[:64], "supported": list(GRANT_TYPES)},
        )
    check_secret(r, grant_type)
    if grant_type == "authorization_code":
        return code_grant(r)
    if grant_type == "refresh_token":
        return refresh_grant(r)
    return client_credentials_grant(r)


def check_client(r: TeRequest) -> None:
    client_id = r.data.get("client_id", "")
    if not client_id:
        raise missing("client_id")
    r.client = clients_service.find_client(r.session, client_id)
    r.esia = repository.esia_client(r.session, client_id) if r.client is not None else None
    if r.client is None or r.esia is None:
        raise EsiaError(
            "ESIA-008010",
            diagnosis={
                "problem": "No ESIA client is registered with this client_id (mnemonic).",
                "client_id_found": client_id[:128],
            },
        )


def check_secret(r: TeRequest, grant_type: str) -> None:
    assert r.esia is not None
    d = r.data
    version = 1 if r.version == 1 else 2
    request = SignedRequest(
        version=version,
        client_id=d.get("client_id", ""),
        scope=d.get("scope", ""),
        scope_org=d.get("scope_org", ""),
        timestamp=d.get("timestamp", ""),
        state=d.get("state", ""),
        redirect_uri=d.get("redirect_uri", ""),
        secret=d.get("client_secret", ""),
        certificate_hash=d.get("client_certificate_hash", ""),
        grant_type=grant_type,
        code=d.get("code", ""),
        refresh_token=d.get("refresh_token", ""),
    )
    if version == 2 and r.esia.mode != "lenient" and not request.state:
        raise missing("state")
    certificates = repository.certificates_of(r.session, r.esia.client_id)
    check_client_secret(request, r.esia, certificates, r.ctx.clock(), r.ctx.gost_verifier)


# --- authorization_code -----------------------------------------------------------------------
def code_grant(r: TeRequest) -> dict[str, Any]:
    assert r.client is not None
    value = r.data.get("code", "")
    if not value:
        raise missing("code")
    now = r.ctx.clock()
    code = tokens_service.find_code(r.session, value)
    if code is None or not (code.claims_request or {}).get(CODE_KEY):
        raise invalid_grant("The code is unknown (or was not issued by the ESIA face).")
    if code.expires_at <= now:
        raise invalid_grant("The code has expired.", expired_at=code.expires_at.isoformat())
    if code.client_id != r.client.client_id:
        raise invalid_grant("The code was issued to another client.")
    redirect_uri = r.data.get("redirect_uri")
    if redirect_uri != code.redirect_uri and (redirect_uri or not _lenient(r)):
        raise invalid_grant(
            "The redirect_uri differs from the authorization request's.",
            redirect_uri_found=(redirect_uri or "")[:500],
            redirect_uri_expected=code.redirect_uri,
        )
    if not tokens_service.consume_code(r.session, code, now):
        tokens_service.revoke_code_tokens(r.session, code)
        raise invalid_grant("The code was used already; the tokens of its first exchange are revoked.")
    assert code.family_id is not None
    account = _account(r, code)
    extra = code.claims_request[CODE_KEY] if code.claims_request else {}
    return _issue_for_person(
        r,
        account,
        code,
        code.scope,
        code.family_id,
        code.claims_request,
        offline=extra.get("access_type") == OFFLINE,
    )


# --- refresh_token (ESIA.md §4.2) -----------------------------------------------------------------
def refresh_grant(r: TeRequest) -> dict[str, Any]:
    assert r.client is not None
    value = r.data.get("refresh_token", "")
    if not value:
        raise missing("refresh_token")
    now = r.ctx.clock()
    token = tokens_service.find_refresh_token(r.session, value)
    if token is None or not (token.claims_request or {}).get(CODE_KEY):
        raise invalid_grant("The refresh token is unknown (or was not issued by the ESIA face).")
    if token.client_id != r.client.client_id:
        raise invalid_grant("The refresh token was issued to another client.")
    if token.revoked_at is not None:
        raise invalid_grant("The refresh token is revoked.")
    if token.expires_at <= now:
        raise invalid_grant("The refresh token has expired.")
    if not tokens_service.spend_refresh_token(r.session, token, now):
        spent = tokens_service.spent_at(r.session, token) or now
        grace = r.ctx.settings.refresh_reuse_grace_seconds
        if not (grace and now - spent <= dt.timedelta(seconds=grace)):
            tokens_service.revoke_refresh_family(r.session, token)
            raise invalid_grant("The refresh token was used already; its family is revoked.")
    account = _account(r, token)
    return _issue_for_person(
        r,
        account,
        token,
        token.scope,
        token.family_id,
        token.claims_request,
        offline=True,
        family_end=token.expires_at,
    )


# --- client_credentials (ESIA.md §4.3) --------------------------------------------------------------
def client_credentials_grant(r: TeRequest) -> dict[str, Any]:
    assert r.client is not None and r.esia is not None
    if "client_credentials" not in r.client.grant_types:
        raise EsiaError(
            "ESIA-007005",
            diagnosis={"problem": "The client is not registered for client_credentials (system tokens)."},
        )
    requested = scopes.parse(r.data.get("scope", ""), r.data.get("scope_org", ""))
    if not requested.granted and not requested.unknown:
        raise EsiaError("ESIA-007013", diagnosis={"missing_parameter": "scope"})
    if requested.unknown:
        raise EsiaError("ESIA-007006", diagnosis={"unknown_scopes": dict(requested.unknown)})
    refused = sorted(requested.names - set(r.client.scopes))
    if refused:
        raise EsiaError(
            "ESIA-007019",
            diagnosis={"scopes_not_allowed": refused, "allowed_scopes": sorted(r.client.scopes)},
        )
    issuance = Issuance(
        grant_type="client_credentials",
        client_id=r.client.client_id,
        alg=r.client.signing_alg,
        subject=r.client.client_id,
        audience=r.client.client_id,
        scope=" ".join(requested.granted),
        issuer=r.esia.issuer,
    )
    issued = r.ctx.tokens.issue(r.session, issuance, ESIA_PROFILE)
    return {"access_token": issued.access_token, "expires_in": issued.expires_in, "token_type": "Bearer"}


# --- shared ----------------------------------------------------------------------------------------
def _issue_for_person(
    r: TeRequest,
    account: Account,
    grant: AuthorizationCode | RefreshToken,
    scope: str,
    family_id: str,
    remembered: dict[str, Any] | None,
    *,
    offline: bool,
    family_end: dt.datetime | None = None,
) -> dict[str, Any]:
    assert r.client is not None and r.esia is not None
    granted = scope.split()
    issuance = Issuance(
        grant_type="authorization_code" if isinstance(grant, AuthorizationCode) else "refresh_token",
        client_id=r.client.client_id,
        alg=r.client.signing_alg,
        subject=str(account.oid),
        audience=r.client.client_id,
        scope=scope,
        person=tokens_service.context_of(grant),
        family_id=family_id,
        id_token="openid" in granted,
        id_token_claims={"urn:esia:sbj": subject_object(account.oid, confirmed=account.level == "confirmed")},
        refresh=RefreshPlan(claims_request=remembered, expires_at=family_end) if offline else None,
        issuer=r.esia.issuer,
        # ESIA's clients (the EGISZ cabinet among them) read ``cnf`` as the signature's certificate;
        # nothing on this face binds tokens to TLS (idp.tokens.confirmation)
        confirm_certificate=True,
    )
    issued = r.ctx.tokens.issue(r.session, issuance, ESIA_PROFILE)
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "expires_in": issued.expires_in,  # an integer (ESIA.md §4.4)
        "token_type": "Bearer",
    }
    if issued.id_token is not None:
        body["id_token"] = issued.id_token
    if issued.refresh_token is not None:
        body["refresh_token"] = issued.refresh_token
    return body


def _account(r: TeRequest, grant: AuthorizationCode | RefreshToken) -> Account:
    account = accounts_service.get_account(r.session, grant.account_id)
    if account is None:
        raise invalid_grant("The person's account no longer exists.")
    return account


def _lenient(r: TeRequest) -> bool:
    return r.esia is not None and r.esia.mode == "lenient"


def invalid_grant(problem: str, **found: str) -> EsiaError:
    return EsiaError("ESIA-007011", diagnosis={"problem": problem, **found})


def _refused(r: TeRequest, error: EsiaError, state: str | None) -> dict[str, Any]:
    """ESIA.md §4.5: HTTP 400 JSON; the diagnosis recorded, the refusal in the security log."""
    client_id = r.data.get("client_id", "")
    row = diagnostics.record(r.session, client_id, r.endpoint, error)
    audit.record_event(
        r.session,
        event_type="esia_request_refused",
        result="failure",
        actor=f"client:{client_id[:128]}",
        details={"endpoint": r.endpoint, "esia_error": error.code, "diagnosis": row.handle},
    )
    description = diagnostics.tagged(error.description, row) if r.ctx.settings.dev_mode else error.description
    body: dict[str, Any] = {"error": error.error, "error_description": description}
    if state is not None:
        body["state"] = state
    return body
