"""The ESIA authorization endpoint, ``GET /aas/oauth2/ac`` (v1) and ``/aas/oauth2/v2/ac`` (v2)
(ESIA.md §3), as an ordered table of small checks; then the person flow the OpenID Connect face uses
(its session cookie, login and consent pages, consent records, parked interactions), then a code.

    client → redirect_uri                         (error page: nowhere safe to redirect to)
    response_type → state → scope → scope known → scope allowed → client_secret and timestamp
    session (or the login page) → confirmed account → organisations → consent (or its page) → code

Every refusal after the redirect URI is known goes back to it with ``error``,
``error_description = "ESIA-NNNNNN: …"`` and ``state`` (ESIA.md §3.4); each one's diagnosis is
recorded (:mod:`idp.esia.diagnostics`; its handle ends the description in dev mode) and written to
the security log. The signed ``client_secret`` is checked when the request arrives; a request
resumed after the login and consent pages was parked by us and is not signed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from idp.accounts import service as accounts_service
from idp.audit import service as audit
from idp.clients import service as clients_service
from idp.clients.models import Client
from idp.consents import service as consents_service
from idp.esia import diagnostics, repository, scopes
from idp.esia.context import EsiaContext
from idp.esia.errors import EsiaError
from idp.esia.models import EsiaClient
from idp.esia.secrets import SignedRequest, check_client_secret, missing
from idp.login import interactions
from idp.login.models import Interaction
from idp.oauth2 import acr
from idp.oauth2.authorize import redirect_uri_with
from idp.sessions import service as sessions_service
from idp.sessions.models import UserSession
from idp.tokens import service as tokens_service
from idp.tokens.service import AuthContext

#: where the login and consent pages send the person back (the ESIA face's resume route)
RESUME_PATH = "/aas/oauth2/resume"
#: parameters never parked: the signature was checked already and is not needed again
_NOT_PARKED = frozenset({"client_secret", "client_certificate_hash", "scope_org"})
#: ``access_type`` values (ESIA.md §3.1); anything else is taken as ``online``
OFFLINE = "offline"
#: the key under which a code remembers the ESIA request (tokens' ``claims_request`` column)
CODE_KEY = "esia"


@dataclass
class Outcome:
    """What the route does: ``redirect`` (to the client, or to the login/consent page),
    ``error_page`` (an ESIA code shown to the person)."""

    kind: str
    location: str | None = None
    error: EsiaError | None = None
    #: the error's wire description (with the diagnosis handle in dev mode)
    description: str | None = None
    #: the interaction to finish once the client has its answer
    finished: Interaction | None = None


@dataclass
class AcRequest:
    """One ``ac`` request as the checks see it; later checks read what earlier ones found."""

    session: Session
    ctx: EsiaContext
    params: list[tuple[str, str]]
    version: int
    browser: UserSession | None
    endpoint: str
    #: the parked interaction this request was resumed from (signature already checked)
    resumed: Interaction | None = None
    denied: bool = False
    data: dict[str, str] = field(init=False)
    client: Client | None = None
    esia: EsiaClient | None = None
    redirect_uri: str | None = None
    requested: scopes.RequestedScopes = field(default_factory=scopes.RequestedScopes)

    def __post_init__(self) -> None:
        self.data = dict(reversed(self.params))  # the first occurrence wins

    @property
    def now(self) -> dt.datetime:
        return self.ctx.clock()


class PageError(Exception):
    """Refused before a redirect URI is trusted: shown on a page (RFC 6749 §4.1.2.1)."""

    def __init__(self, error: EsiaError) -> None:
        super().__init__(error.description)
        self.error = error


class PageNeededError(Exception):
    """The person must go through the login or consent page first."""

    def __init__(self, page: str) -> None:
        super().__init__(page)
        self.page = page


Check = Callable[[AcRequest], None]


# --- until the client and its redirect URI are known: an error page -------------------------------
def check_client(r: AcRequest) -> None:
    client_id = r.data.get("client_id", "")
    r.client = clients_service.find_client(r.session, client_id) if client_id else None
    r.esia = repository.esia_client(r.session, client_id) if r.client is not None else None
    if r.client is None or r.esia is None:
        raise PageError(
            EsiaError(
                "ESIA-007023",
                diagnosis={
                    "problem": "No ESIA client is registered with this client_id (mnemonic).",
                    "client_id_found": client_id[:128],
                    "advice": "Use the mnemonic the client is registered with (docs/esia.md).",
                },
            )
        )


def check_redirect_uri(r: AcRequest) -> None:
    """ESIA.md §3.1 (ESIA-007023): registered, compared exactly (a trailing slash or another case
    is another URI)."""
    assert r.client is not None
    uri = r.data.get("redirect_uri", "")
    if not uri:
        raise PageError(missing("redirect_uri"))
    if uri not in r.client.redirect_uris:
        near = [u for u in r.client.redirect_uris if u.rstrip("/").lower() == uri.rstrip("/").lower()]
        raise PageError(
            EsiaError(
                "ESIA-007023",
                diagnosis={
                    "problem": "The redirect_uri is not registered for the client (exact match).",
                    "redirect_uri_found": uri[:500],
                    "registered_redirect_uris": list(r.client.redirect_uris),
                    "advice": f"Send exactly {near[0]} (a trailing slash or a case change is another URI)."
                    if near
                    else "Register this redirect URI or send a registered one.",
                },
            )
        )
    r.redirect_uri = uri


# --- the request: refusals are redirected -------------------------------------------------------
def check_response_type(r: AcRequest) -> None:
    response_type = r.data.get("response_type", "")
    if not response_type:
        raise missing("response_type")
    if response_type != "code":
        raise EsiaError(
            "ESIA-007009",
            diagnosis={"response_type_found": response_type[:64], "advice": "Send response_type=code."},
        )


def check_state(r: AcRequest) -> None:
    if not r.data.get("state"):
        raise missing("state")


def check_scope_present(r: AcRequest) -> None:
    if not r.data.get("scope", "").strip() and not r.data.get("scope_org", "").strip():
        raise EsiaError(
            "ESIA-007013", diagnosis={"missing_parameter": "scope", "advice": "Send at least openid."}
        )


def check_scope_known(r: AcRequest) -> None:
    r.requested = scopes.parse(r.data.get("scope", ""), r.data.get("scope_org", ""))
    if r.requested.unknown:
        raise EsiaError(
            "ESIA-007006",
            diagnosis={
                "unknown_scopes": dict(r.requested.unknown),
                "advice": "Use the scope names of ESIA.md §6; organisation scopes with ?org_oid=.",
            },
        )


def check_scope_allowed(r: AcRequest) -> None:
    """ESIA.md §6: a scope not granted to the client (``clients.scopes``) is ESIA-007019."""
    assert r.client is not None
    refused = sorted(r.requested.names - set(r.client.scopes))
    if refused:
        raise EsiaError(
            "ESIA-007019",
            diagnosis={
                "scopes_not_allowed": refused,
                "allowed_scopes": sorted(r.client.scopes),
                "advice": "Ask the operator to allow these scopes for the client, or do not request them.",
            },
        )


def check_signature(r: AcRequest) -> None:
    if r.resumed is not None:
        return  # checked when the request arrived; the parked copy is ours
    assert r.esia is not None
    d = r.data
    request = SignedRequest(
        version=r.version,
        client_id=d.get("client_id", ""),
        scope=d.get("scope", ""),
        scope_org=d.get("scope_org", ""),
        timestamp=d.get("timestamp", ""),
        state=d.get("state", ""),
        redirect_uri=d.get("redirect_uri", ""),
        secret=d.get("client_secret", ""),
        certificate_hash=d.get("client_certificate_hash", ""),
    )
    certificates = repository.certificates_of(r.session, r.esia.client_id)
    check_client_secret(request, r.esia, certificates, r.now, r.ctx.gost_verifier)


def check_denied(r: AcRequest) -> None:
    if r.denied:
        raise EsiaError("ESIA-007004", diagnosis={"problem": "The person refused on the consent page."})


# --- the person ----------------------------------------------------------------------------------
def check_session(r: AcRequest) -> None:
    """Within an SSO session the login form is skipped (ESIA.md §10)."""
    if r.browser is None:
        raise PageNeededError("login")


def check_signature_level(r: AcRequest) -> None:
    """Not ESIA's own: our relying parties (the EGISZ cabinet's writing forms, issue 14) ask for a
    signature login with ``acr_values`` (``urn:idp:acr:sig``/``qes``, as at the OIDC face,
    :mod:`idp.oauth2.acr`): a session below it is sent to ``/login/signature``. Voluntary: a request
    resumed after the login page that still did not reach it gets a code with the level reached
    (the id_token's ``acr`` says which), so the person is never sent round in a loop."""
    assert r.browser is not None
    wanted = acr.requested_acr(r.data.get("acr_values"), None)
    if not acr.needs_signature(wanted) or wanted is None or wanted.satisfied_by(r.browser.acr):
        return
    if r.resumed is None:
        raise PageNeededError("signature")


def check_confirmed(r: AcRequest) -> None:
    assert r.esia is not None and r.browser is not None
    account = accounts_service.get_account(r.session, r.browser.account_id)
    if account is None:
        raise PageNeededError("login")
    if r.esia.require_confirmed and account.level != "confirmed":
        raise EsiaError(
            "ESIA-007055",
            diagnosis={
                "problem": "The client accepts confirmed accounts only.",
                "account_level": account.level,
                "advice": "The person must confirm the account; or clear require_confirmed.",
            },
        )


def check_organisations(r: AcRequest) -> None:
    """ESIA.md §7.3: an organisation scope only for an organisation the person works for."""
    assert r.browser is not None
    foreign = sorted(
        o for o in r.requested.org_oids if not r.ctx.employment(r.session, r.browser.account_id, o)
    )
    if foreign:
        raise EsiaError(
            "ESIA-007194",
            diagnosis={
                "org_oids_not_employed": foreign,
                "advice": "Ask only for the person's own organisations (/rs/prns/{oid}/roles).",
            },
        )


def check_consent(r: AcRequest) -> None:
    assert r.browser is not None and r.client is not None
    wanted = set(r.requested.granted)
    if consents_service.covering_consent(r.session, r.browser.account_id, r.client.client_id, wanted) is None:
        raise PageNeededError("consent")


#: The order of the checks, top to bottom.
PAGE_CHECKS: tuple[Check, ...] = (check_client, check_redirect_uri)
CHECKS: tuple[Check, ...] = (
    check_response_type,
    check_state,
    check_scope_present,
    check_scope_known,
    check_scope_allowed,
    check_signature,
    check_denied,
    check_session,
    check_signature_level,
    check_confirmed,
    check_organisations,
    check_consent,
)


def authorize(r: AcRequest) -> Outcome:
    try:
        for check in PAGE_CHECKS:
            check(r)
    except PageError as refused:
        description = _refused(r, refused.error)
        return Outcome("error_page", error=refused.error, description=description)
    try:
        for check in CHECKS:
            check(r)
    except PageNeededError as needed:
        handle = _park(r).handle
        page = {"login": "/login", "signature": "/login/signature"}.get(needed.page, "/consent")
        return Outcome("redirect", location=f"{page}?i={handle}")
    except EsiaError as error:
        return Outcome("redirect", location=_back(r, error), finished=r.resumed)
    code = _issue_code(r)
    location = redirect_uri_with(r.redirect_uri or "", {"code": code, "state": r.data.get("state")})
    return Outcome("redirect", location=location, finished=r.resumed)


def _park(r: AcRequest) -> Interaction:
    if r.resumed is not None:
        return r.resumed
    assert r.client is not None
    # the consent page and the resumed request read one ``scope``: person and organisation scopes
    params = [(k, v) for k, v in r.params if k not in _NOT_PARKED and k != "scope"]
    params.append(("scope", " ".join(r.requested.granted)))
    params.append(("esia_version", str(r.version)))
    return interactions.park(
        r.session, r.client.client_id, params, r.ctx.settings.interaction_ttl, resume_path=RESUME_PATH
    )


def _issue_code(r: AcRequest) -> str:
    assert r.browser is not None and r.client is not None and r.redirect_uri is not None
    browser = r.browser
    granted = r.requested.granted
    # the SSO session remembers the client, so that its end reaches it by back-channel logout as
    # it reaches the OIDC face's clients (OIDC Back-Channel Logout 1.0 §2.5)
    sessions_service.remember_client(r.session, browser, r.client.client_id)
    return tokens_service.issue_code(
        r.session,
        r.ctx.settings.authorization_code_ttl,
        AuthContext(
            account_id=browser.account_id,
            session_id=browser.id,
            sid=browser.sid,
            auth_time=browser.auth_time,
            acr=browser.acr,
            amr=list(browser.amr),
            cert_thumbprint=browser.cert_thumbprint,
        ),
        client_id=r.client.client_id,
        redirect_uri=r.redirect_uri,
        scope=" ".join(granted),
        nonce=None,
        code_challenge=None,
        code_challenge_method=None,
        resource=None,
        # what only the ESIA face needs at te (the code's claims_request: unused by ESIA otherwise)
        claims_request={
            CODE_KEY: {
                "version": r.version,
                "access_type": OFFLINE if r.data.get("access_type") == OFFLINE else "online",
                "org_oids": sorted(r.requested.org_oids),
            }
        },
    )


def _back(r: AcRequest, error: EsiaError) -> str:
    """ESIA.md §3.4: the error back to the redirect URI, with the request's ``state``."""
    assert r.redirect_uri is not None
    description = _refused(r, error)
    return redirect_uri_with(
        r.redirect_uri,
        {"error": error.error, "error_description": description, "state": r.data.get("state")},
    )


def _refused(r: AcRequest, error: EsiaError) -> str:
    """Record the diagnosis and the security-log entry; the wire description (tagged in dev mode)."""
    client_id = r.data.get("client_id", "")
    row = diagnostics.record(r.session, client_id, r.endpoint, error)
    audit.record_event(
        r.session,
        event_type="esia_request_refused",
        result="failure",
        actor=f"client:{client_id[:128]}",
        details={"endpoint": r.endpoint, "esia_error": error.code, "diagnosis": row.handle},
    )
    return diagnostics.tagged(error.description, row) if r.ctx.settings.dev_mode else error.description


def version_of(row: Interaction) -> int:
    return int(dict(interactions.params_of(row)).get("esia_version", "2"))
