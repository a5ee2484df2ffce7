"""The authorization request, checked by small one-job functions in one ordered table (:data:`CHECKS`).

Each check reads and fills an :class:`AuthorizationContext` and raises one typed error with one
sentence. Until the client and its redirect URI are established the errors are
:class:`~idp.oauth2.errors.ErrorPageError` (an error page, never a redirect: RFC 6749 §4.1.2.1,
RFC 9700 §4.11); after that every error goes back to the client by redirect. The checks about the
person (:mod:`idp.oauth2.person_checks`) come last: they may also send the person to the login or
consent page (:class:`InteractionNeededError`). Modelled on node-oidc-provider's
``lib/actions/authorization/index.js``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749.errors import (
    AccessDeniedError,
    InvalidRequestError,
    UnauthorizedClientError,
)
from authlib.oidc.core.errors import RequestNotSupportedError, RequestURINotSupportedError
from sqlalchemy.orm import Session

from idp.clients import service as clients_service
from idp.clients.models import ESIA_SIGNED_SECRET, Client
from idp.keys.service import KeyStore
from idp.oauth2 import acr, scopes
from idp.oauth2.errors import (
    ErrorPageError,
    UnknownClientPageError,
    UnmetAuthenticationRequirementsError,
    UnsupportedResponseTypeError,
)
from idp.sessions.models import UserSession
from idp.smart.service import LaunchOutcome
from idp.tokens.verify import OwnTokenError, verify_own_jwt

#: OIDC Core §3.1.2.1; ``select_account`` is handled as ``login`` (one account per browser session:
#: the login page is where the person picks the account, Keycloak does the same)
KNOWN_PROMPTS = frozenset({"none", "login", "consent", "select_account"})
RESPONSE_MODES = frozenset({"query"})
#: RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once." (``resource``
#: may repeat, RFC 8707 §2; check_resource refuses more than one with its own error)
SINGLE_VALUED = (
    "response_type",
    "scope",
    "state",
    "nonce",
    "response_mode",
    "prompt",
    "max_age",
    "code_challenge",
    "code_challenge_method",
    "acr_values",
    "claims",
    "id_token_hint",
    "login_hint",
    "ui_locales",
    "display",
    "request",
    "request_uri",
    "aud",
)
#: RFC 7636 §4.2: code_challenge = 43*128unreserved
_CODE_CHALLENGE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
#: max_age is a number of seconds; ten digits cover three centuries and keep the int small
_MAX_AGE = re.compile(r"[0-9]{1,10}")


class InteractionNeededError(Exception):
    """The person must go through a page first (``login`` or ``consent``)."""

    def __init__(self, page: str) -> None:
        super().__init__(page)
        self.page = page


@dataclass
class AuthorizationContext:
    """One authorization request as the checks see it; later checks read what earlier ones found."""

    params: list[tuple[str, str]]
    session: Session
    keys: KeyStore
    issuer: str
    browser: UserSession | None
    now: dt.datetime
    #: the person came back from the login/consent pages of this very request, which started then
    fresh_since: dt.datetime | None = None
    #: the person pressed «deny» on the consent page
    denied: bool = False
    data: dict[str, str] = field(init=False)
    client: Client | None = None
    redirect_uri: str | None = None
    prompts: frozenset[str] = frozenset()
    max_age: int | None = None
    claims: dict[str, Any] | None = None
    acr: acr.AcrRequest | None = None
    hinted_sub: str | None = None
    #: why the person must log in (again); empty when the session will do
    login_reasons: list[str] = field(default_factory=list)
    #: RFC 8707 resources the idp knows by URL, and the audience each stands for
    resource_aliases: Mapping[str, str] = field(default_factory=dict)
    #: the person's Patient at the FHIR server for the SMART launch context (person_checks)
    launch: Callable[[int, set[str]], LaunchOutcome] | None = None
    launch_patient: str | None = None

    def __post_init__(self) -> None:
        self.data = dict(reversed(self.params))  # first occurrence wins; repeats are refused below

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.params if k == name]

    @property
    def fresh(self) -> bool:
        """The session was (re)authenticated during this request: prompt/max_age are satisfied."""
        return (
            self.browser is not None
            and self.fresh_since is not None
            and self.browser.auth_time >= self.fresh_since
        )

    @property
    def registered_client(self) -> Client:
        assert self.client is not None, "check_client runs first"
        return self.client


Check = Callable[[AuthorizationContext], None]


# --- until the client and redirect URI are known: error pages ---------------------------------
def check_client(ctx: AuthorizationContext) -> None:
    """RFC 6749 §4.1.2.1: an unknown client is told to the person, not to a redirect URI."""
    if len(ctx.values("client_id")) > 1:
        raise ErrorPageError("The client_id parameter was sent more than once.")
    ctx.client = clients_service.find_client(ctx.session, ctx.data.get("client_id", ""))
    if ctx.client is None:
        raise UnknownClientPageError("The client is unknown.")


def check_redirect_uri(ctx: AuthorizationContext) -> None:
    """OIDC Core §3.1.2.1 (required) and RFC 9700 §2.1 (exact string match)."""
    uris = ctx.values("redirect_uri")
    if not uris or not uris[0]:
        raise ErrorPageError("The redirect_uri parameter is required.")
    if len(uris) > 1:
        raise ErrorPageError("The redirect_uri parameter was sent more than once.")
    if uris[0] not in ctx.registered_client.redirect_uris:
        raise ErrorPageError("The redirect_uri is not registered for this client.")
    ctx.redirect_uri = uris[0]


# --- the request: errors go back to the client ------------------------------------------------
def check_oidc_client(ctx: AuthorizationContext) -> None:
    """A client of the ESIA face only proves itself with a signed ``client_secret`` there
    (``idp.esia``); this face has no way to check it, so it is not this face's client."""
    if ctx.registered_client.token_endpoint_auth_method == ESIA_SIGNED_SECRET:
        raise UnauthorizedClientError(
            "The client is registered for the ESIA face only (/aas/oauth2/ac, /aas/oauth2/v2/ac)."
        )


def check_single_values(ctx: AuthorizationContext) -> None:
    for name in SINGLE_VALUED:
        if len(ctx.values(name)) > 1:
            raise InvalidRequestError(f"The {name} parameter was sent more than once.")


def check_response_type(ctx: AuthorizationContext) -> None:
    """RFC 6749 §4.1.2.1: missing is ``invalid_request``; only ``code`` (RFC 9700 §2.1.2: no implicit
    or hybrid flows); the client must be registered for the code flow."""
    response_type = ctx.data.get("response_type")
    if not response_type:
        raise InvalidRequestError("The response_type parameter is required.")
    if response_type != "code":
        raise UnsupportedResponseTypeError("Only the response_type code is supported.")
    if "authorization_code" not in ctx.registered_client.grant_types:
        raise UnauthorizedClientError("The client is not registered for the authorization code flow.")


def check_response_mode(ctx: AuthorizationContext) -> None:
    """OAuth 2.0 Multiple Response Type Encoding Practices §2.1: only ``query`` is offered."""
    mode = ctx.data.get("response_mode")
    if mode is not None and mode not in RESPONSE_MODES:
        raise InvalidRequestError("Only the response_mode query is supported.")


def check_request_object(ctx: AuthorizationContext) -> None:
    """OIDC Core §6: request objects are not supported; say so instead of ignoring them."""
    if "request" in ctx.data:
        raise RequestNotSupportedError("Request objects are not supported.")
    if "request_uri" in ctx.data:
        raise RequestURINotSupportedError("The request_uri parameter is not supported.")


def check_pkce(ctx: AuthorizationContext) -> None:
    """RFC 7636 §4.2-4.3, RFC 9700 §2.1.1: S256 only; public clients must use PKCE."""
    challenge = ctx.data.get("code_challenge")
    method = ctx.data.get("code_challenge_method")
    if challenge:
        if method != "S256":
            raise InvalidRequestError("The code_challenge_method must be S256.")
        if not _CODE_CHALLENGE.fullmatch(challenge):
            raise InvalidRequestError("The code_challenge must be 43 to 128 unreserved characters.")
    elif method:
        raise InvalidRequestError("A code_challenge_method was sent without a code_challenge.")
    elif ctx.registered_client.client_type == "public":
        raise InvalidRequestError("Public clients must use PKCE with S256.")


def check_scope(ctx: AuthorizationContext) -> None:
    scopes.refuse_unregistered_scopes(ctx.registered_client.scopes, ctx.data.get("scope"))


def check_resource(ctx: AuthorizationContext) -> None:
    """RFC 8707 §2; SMART App Launch v2 ``aud`` (the FHIR base URL the app will call, so that a
    token never leaks to a counterfeit server) is checked as the resource when none is sent."""
    resources = ctx.values("resource")
    aud = ctx.data.get("aud")
    if aud is not None and resources and resources != [aud]:
        raise InvalidRequestError("The aud and resource parameters name different servers.")
    scopes.check_resources(ctx.registered_client, resources or ctx.values("aud"), ctx.resource_aliases)


def check_claims(ctx: AuthorizationContext) -> None:
    """OIDC Core §5.5: a JSON object whose ``id_token``/``userinfo`` members are objects."""
    raw = ctx.data.get("claims")
    if not raw:
        return
    try:
        claims = json.loads(raw)
    except ValueError:
        raise InvalidRequestError("The claims parameter is not valid JSON.") from None
    if not isinstance(claims, dict) or not all(
        k in ("id_token", "userinfo") and (v is None or isinstance(v, dict)) for k, v in claims.items()
    ):
        raise InvalidRequestError("The claims parameter must map id_token and userinfo to objects.")
    ctx.claims = {k: v or {} for k, v in claims.items()}


def check_prompt(ctx: AuthorizationContext) -> None:
    """OIDC Core §3.1.2.1: ``none`` stands alone; unknown values are refused."""
    prompts = frozenset(ctx.data.get("prompt", "").split())
    if "none" in prompts and len(prompts) > 1:
        raise InvalidRequestError("The prompt value none cannot be combined with other values.")
    if prompts - KNOWN_PROMPTS:
        raise InvalidRequestError("The prompt parameter holds an unsupported value.")
    ctx.prompts = prompts


def check_max_age(ctx: AuthorizationContext) -> None:
    """OIDC Core §3.1.2.1: a non-negative number of seconds."""
    raw = ctx.data.get("max_age")
    if raw is None or raw == "":
        return
    if not _MAX_AGE.fullmatch(raw):
        raise InvalidRequestError("The max_age parameter must be a non-negative integer of seconds.")
    ctx.max_age = int(raw)


def check_acr_values(ctx: AuthorizationContext) -> None:
    """OIDC Core §3.1.2.1, §5.5.1.1: an essential acr none of whose values exists here fails now."""
    ctx.acr = acr.requested_acr(ctx.data.get("acr_values"), ctx.claims)
    if ctx.acr is not None and ctx.acr.essential and ctx.acr.required_rank is None:
        raise UnmetAuthenticationRequirementsError("None of the essential acr values is supported.")


def check_id_token_hint(ctx: AuthorizationContext) -> None:
    """OIDC Core §3.1.2.1: an ID token we issued (expired is fine); it names the expected person."""
    hint = ctx.data.get("id_token_hint")
    if not hint:
        return
    try:
        claims = verify_own_jwt(hint, ctx.keys, ctx.issuer, verify_exp=False)
    except OwnTokenError:
        raise InvalidRequestError("The id_token_hint is not a valid ID token of this issuer.") from None
    ctx.hinted_sub = str(claims.get("sub"))


def check_denied(ctx: AuthorizationContext) -> None:
    """RFC 6749 §4.1.2.1 ``access_denied``: the person refused on the consent page."""
    if ctx.denied:
        raise AccessDeniedError("The person refused the request.")
