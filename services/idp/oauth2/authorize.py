"""The authorization endpoint, as an ordered list of small checks (OIDC Core §3.1.2, RFC 9700).

Order matters and is read top to bottom:
1. client and redirect URI (RFC 6749 §4.1.2.1): until both are known good, every error is an
   error page and never a redirect (RFC 9700 §4.11, no open redirector);
2. Authlib's validation of the rest of the request (response type, scope syntax);
3. our refusals that redirect with an error: request objects, PKCE rules, scopes and resources
   not registered, malformed OIDC parameters;
4. the person: a live session, ``prompt``, ``max_age``, ``id_token_hint``, then consent;
5. the code, with ``state`` and ``iss`` (RFC 9207) in the redirect.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc6749.errors import OAuth2Error
from sqlalchemy.orm import Session

from idp.accounts import service as accounts_service
from idp.clients import service as clients_service
from idp.consents import service as consents_service
from idp.keys.service import KeyStore
from idp.oauth2.grants import AuthorizedUser
from idp.oauth2.requests import HttpPayload, StarletteOAuth2Request
from idp.oauth2.server import IdpAuthorizationServer
from idp.sessions.models import UserSession
from idp.tokens.service import AuthContext
from idp.tokens.verify import OwnTokenError, verify_own_jwt
from shared.db import utcnow

KNOWN_PROMPTS = {"none", "login", "consent", "select_account"}


@dataclass
class Outcome:
    """What the route must do: redirect, show an error page, or send the person to a page."""

    kind: str  # redirect | error_page | login | consent
    location: str | None = None
    error: str | None = None
    description: str | None = None
    client_name: str | None = None
    scopes: list[str] = field(default_factory=list)
    login_hint: str | None = None
    locale: str | None = None


class _RedirectError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def redirect_uri_with(uri: str, params: dict[str, str | None]) -> str:
    clean = {k: v for k, v in params.items() if v is not None}
    if not clean:
        return uri
    separator = "&" if "?" in uri else "?"
    return f"{uri}{separator}{urlencode(clean)}"


def ui_locale(params: dict[str, str]) -> str | None:
    for tag in params.get("ui_locales", "").split():
        language = tag.split("-")[0].lower()
        if language in ("ru", "en"):
            return language
    return None


def _parse_prompt(params: dict[str, str]) -> set[str]:
    prompts = set(params.get("prompt", "").split())
    if "none" in prompts and len(prompts) > 1:
        raise _RedirectError("invalid_request", "prompt=none cannot be combined with other values.")
    unknown = prompts - KNOWN_PROMPTS
    if unknown:
        raise _RedirectError("invalid_request", f"Unsupported prompt value: {' '.join(sorted(unknown))}.")
    return prompts


def _parse_max_age(params: dict[str, str]) -> int | None:
    raw = params.get("max_age")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise _RedirectError("invalid_request", "max_age must be a non-negative integer.")
    return int(raw)


def _parse_claims(params: dict[str, str]) -> dict[str, Any] | None:
    raw = params.get("claims")
    if not raw:
        return None
    try:
        claims = json.loads(raw)
    except ValueError:
        raise _RedirectError("invalid_request", "The claims parameter is not valid JSON.") from None
    if not isinstance(claims, dict) or not all(
        k in ("id_token", "userinfo") and (v is None or isinstance(v, dict)) for k, v in claims.items()
    ):
        raise _RedirectError("invalid_request", "The claims parameter must map id_token/userinfo to objects.")
    return {k: v or {} for k, v in claims.items()}


class AuthorizationEndpoint:
    def __init__(self, server: IdpAuthorizationServer, keys: KeyStore) -> None:
        self.server = server
        self.session: Session = server.session
        self.keys = keys
        self.issuer = server.issuer

    def handle(
        self,
        payload: HttpPayload,
        params: list[tuple[str, str]],
        browser: UserSession | None,
        *,
        fresh_since: dt.datetime | None = None,
        denied: bool = False,
    ) -> Outcome:
        data = dict(reversed(params))  # first occurrence wins
        locale = ui_locale(data)
        # 1. client and redirect URI: error page, never a redirect
        client_row = clients_service.find_client(self.session, data.get("client_id", ""))
        if client_row is None:
            return Outcome("error_page", error="invalid_client", description="Unknown client.", locale=locale)
        redirect_uri = data.get("redirect_uri")
        if not redirect_uri:
            return Outcome(
                "error_page", error="invalid_request", description="redirect_uri is required.", locale=locale
            )
        if redirect_uri not in client_row.redirect_uris:
            return Outcome(
                "error_page",
                error="invalid_request",
                description="redirect_uri is not registered for this client.",
                locale=locale,
            )

        def go_back(error: str, description: str) -> Outcome:
            location = redirect_uri_with(
                redirect_uri,
                {
                    "error": error,
                    "error_description": description,
                    "state": data.get("state"),
                    "iss": self.issuer,
                },
            )
            return Outcome("redirect", location=location)

        request = StarletteOAuth2Request(payload, self.issuer, params)
        # 2. Authlib: response_type, duplicated parameters, scope syntax
        try:
            grant = self.server.get_consent_grant(request=request, end_user=None)
        except OAuth2Error as error:
            return go_back(error.error, error.get_error_description() or error.error)
        try:
            # 3. refusals that redirect
            claims_request = self._validate(data, client_row)
            if denied:
                raise _RedirectError("access_denied", "The person refused the request.")
            # 4. the person
            prompts = _parse_prompt(data)
            max_age = _parse_max_age(data)
            outcome = self._person_checks(
                data, browser, prompts, max_age, fresh_since, client_row.name, locale
            )
            if outcome is not None:
                return outcome
        except _RedirectError as redirect:
            return go_back(redirect.error, redirect.description)
        assert browser is not None
        account = accounts_service.get_account(self.session, browser.account_id)
        if account is None:
            return go_back("login_required", "The account no longer exists.")
        ctx = AuthContext(
            account_id=account.id,
            session_id=browser.id,
            sid=browser.sid,
            auth_time=browser.auth_time,
            acr=browser.acr,
            amr=list(browser.amr),
        )
        request.claims_request = claims_request
        # 5. the code
        response = self.server.create_authorization_response(
            request=request, grant_user=AuthorizedUser(account, ctx), grant=grant
        )
        return Outcome("redirect", location=response.headers["location"])

    def _validate(self, data: dict[str, str], client_row: Any) -> dict[str, Any] | None:
        # OIDC Core §6: request objects are not supported; say so instead of ignoring them.
        if "request" in data:
            raise _RedirectError("request_not_supported", "Request objects are not supported.")
        if "request_uri" in data:
            raise _RedirectError("request_uri_not_supported", "request_uri is not supported.")
        # RFC 7636 / RFC 9700 §2.1.1: S256 only; public clients must use PKCE.
        challenge = data.get("code_challenge")
        method = data.get("code_challenge_method")
        if challenge:
            if method != "S256":
                raise _RedirectError("invalid_request", "code_challenge_method must be S256.")
        elif method:
            raise _RedirectError("invalid_request", "code_challenge_method without code_challenge.")
        elif client_row.client_type == "public":
            raise _RedirectError("invalid_request", "PKCE (S256) is required for public clients.")
        scopes = set(data.get("scope", "").split())
        not_allowed = scopes - set(client_row.scopes)
        if not_allowed:
            raise _RedirectError(
                "invalid_scope", f"Scope not allowed for this client: {' '.join(sorted(not_allowed))}."
            )
        resource = data.get("resource")
        if resource and resource not in {*client_row.audiences, client_row.default_audience}:
            raise _RedirectError("invalid_target", f"The client may not request tokens for {resource!r}.")
        return _parse_claims(data)

    def _person_checks(
        self,
        data: dict[str, str],
        browser: UserSession | None,
        prompts: set[str],
        max_age: int | None,
        fresh_since: dt.datetime | None,
        client_name: str,
        locale: str | None,
    ) -> Outcome | None:
        fresh = browser is not None and fresh_since is not None and browser.auth_time >= fresh_since
        need_login = browser is None
        if browser is not None and not fresh:
            if "login" in prompts:
                need_login = True
            if max_age is not None and utcnow() - browser.auth_time > dt.timedelta(seconds=max_age):
                need_login = True
        hint = data.get("id_token_hint")
        if hint:
            try:
                hinted = verify_own_jwt(hint, self.keys, self.issuer, verify_exp=False)
            except OwnTokenError:
                raise _RedirectError(
                    "invalid_request", "id_token_hint is not a valid ID token of this issuer."
                ) from None
            if browser is not None:
                account = accounts_service.get_account(self.session, browser.account_id)
                if account is None or account.sub != hinted.get("sub"):
                    need_login = True
        if need_login:
            if "none" in prompts:
                raise _RedirectError("login_required", "The person is not logged in.")
            return Outcome("login", client_name=client_name, login_hint=data.get("login_hint"), locale=locale)
        assert browser is not None
        scopes = set(data.get("scope", "").split())
        consent = consents_service.covering_consent(
            self.session, browser.account_id, data["client_id"], scopes
        )
        consent_fresh = fresh_since is not None and consents_service.granted_since(consent, fresh_since)
        if consent is None or ("consent" in prompts and not consent_fresh):
            if "none" in prompts:
                raise _RedirectError("consent_required", "The person has not consented to these scopes.")
            return Outcome("consent", client_name=client_name, scopes=sorted(scopes), locale=locale)
        return None
