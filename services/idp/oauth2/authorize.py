"""The authorization endpoint (OIDC Core §3.1.2, RFC 9700): the checks of :data:`CHECKS`, in order,
then the code with ``state`` and ``iss`` (RFC 9207) in the redirect.

The checks live in :mod:`idp.oauth2.checks` (the request) and :mod:`idp.oauth2.person_checks` (the
session and consent); each raises one typed error. Authlib validates the request once more after ours
(it builds the grant that issues the code); ours come first so that its messages, which echo input,
are never reached with input it cannot describe.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from authlib.oauth2.rfc6749.errors import OAuth2Error
from sqlalchemy.orm import Session

from idp.accounts import service as accounts_service
from idp.keys.service import KeyStore
from idp.oauth2 import acr, checks, person_checks
from idp.oauth2.checks import AuthorizationContext, Check, InteractionNeededError
from idp.oauth2.errors import ErrorPageError
from idp.oauth2.grants import AuthorizedUser
from idp.oauth2.requests import HttpPayload, StarletteOAuth2Request
from idp.oauth2.server import IdpAuthorizationServer
from idp.organizations import service as organizations
from idp.sessions.models import UserSession
from idp.smart.service import LaunchOutcome, resolve_launch
from idp.tokens.service import AuthContext
from shared.contracts.roles import egisz_role
from shared.db import utcnow

#: The order of the authorization checks, top to bottom.
CHECKS: tuple[Check, ...] = (
    # until both are known good, every error is an error page (RFC 6749 §4.1.2.1, RFC 9700 §4.11)
    checks.check_client,
    checks.check_redirect_uri,
    # the request: errors are redirected back to the client
    checks.check_oidc_client,
    checks.check_single_values,
    checks.check_response_type,
    checks.check_response_mode,
    checks.check_request_object,
    checks.check_pkce,
    checks.check_scope,
    checks.check_resource,
    checks.check_claims,
    checks.check_prompt,
    checks.check_max_age,
    checks.check_acr_values,
    checks.check_id_token_hint,
    checks.check_denied,
    # the person: a good enough session (or the login page), then consent (or the consent page)
    person_checks.check_session,
    person_checks.check_prompt_login,
    person_checks.check_max_age_elapsed,
    person_checks.check_hinted_person,
    person_checks.check_acr_reached,
    person_checks.check_login,
    person_checks.check_account,
    person_checks.check_consent,
    person_checks.check_launch_context,
)
#: where Authlib's own validation runs (before the person is involved)
_PERSON_FROM = CHECKS.index(person_checks.check_session)


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
    #: the login must be by signature: the request asks for ``sig`` or ``qes`` (acr.needs_signature)
    signature: bool = False


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
        ctx = AuthorizationContext(
            params,
            self.session,
            self.keys,
            self.issuer,
            browser,
            utcnow(),
            fresh_since=fresh_since,
            denied=denied,
            resource_aliases=self.server.settings.resource_aliases,
            launch=self._launch,
        )
        locale = ui_locale(ctx.data)
        request = StarletteOAuth2Request(payload, self.issuer, params)
        try:
            for check in CHECKS[:_PERSON_FROM]:
                check(ctx)
            grant = self.server.get_consent_grant(request=request, end_user=None)
            for check in CHECKS[_PERSON_FROM:]:
                check(ctx)
        except ErrorPageError as error:
            return Outcome("error_page", error=error.error, description=error.description, locale=locale)
        except InteractionNeededError as needed:
            assert ctx.client is not None
            return Outcome(
                needed.page,
                client_name=ctx.client.name,
                scopes=sorted(set(ctx.data.get("scope", "").split())),
                login_hint=ctx.data.get("login_hint"),
                locale=locale,
                signature=needed.page == "login" and acr.needs_signature(ctx.acr),
            )
        except OAuth2Error as error:
            return self._back(ctx, error.error, error.get_error_description() or error.error)
        assert browser is not None
        account = accounts_service.get_account(self.session, browser.account_id)
        assert account is not None, "check_account ran"
        achieved = ctx.acr.claim_for(browser.acr) if ctx.acr is not None else browser.acr
        user = AuthorizedUser(
            account,
            AuthContext(
                account_id=account.id,
                session_id=browser.id,
                sid=browser.sid,
                auth_time=browser.auth_time,
                acr=achieved,
                amr=list(browser.amr),
                cert_thumbprint=browser.cert_thumbprint,
            ),
        )
        request.claims_request = ctx.claims
        request.launch_patient = ctx.launch_patient
        response = self.server.create_authorization_response(request=request, grant_user=user, grant=grant)
        return Outcome("redirect", location=response.headers["location"])

    def _launch(self, account_id: int, scopes: set[str]) -> LaunchOutcome:
        """The SMART launch context of this person (``idp.smart.service``)."""
        account = accounts_service.get_account(self.session, account_id)
        if account is None:
            return LaunchOutcome(None)
        memberships = organizations.employments_of(self.session, account_id)
        worker = any(egisz_role(m.role) for m in memberships)
        return resolve_launch(
            account, self.server.cipher, self.server.patient_directory, scopes, worker=worker
        )

    def _back(self, ctx: AuthorizationContext, error: str, description: str) -> Outcome:
        """RFC 6749 §4.1.2.1 error response, with ``iss`` (RFC 9207 §2)."""
        assert ctx.redirect_uri is not None
        params = {"error": error, "error_description": description, "state": ctx.data.get("state")}
        params["iss"] = self.issuer
        return Outcome("redirect", location=redirect_uri_with(ctx.redirect_uri, params))
