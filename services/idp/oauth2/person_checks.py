"""The authorization checks about the person, run after the request itself passed (see
:mod:`idp.oauth2.checks`): is there a session good enough for this request, and did the person
consent. Each either passes, records why a login is needed, raises a typed error, or sends the
person to a page (:class:`~idp.oauth2.checks.InteractionNeededError`)."""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import AccessDeniedError
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError

from idp.accounts import service as accounts_service
from idp.consents import service as consents_service
from idp.oauth2.checks import AuthorizationContext, InteractionNeededError
from idp.oauth2.errors import TemporarilyUnavailableError, UnmetAuthenticationRequirementsError


def check_session(ctx: AuthorizationContext) -> None:
    if ctx.browser is None:
        ctx.login_reasons.append("The person is not logged in.")


def check_prompt_login(ctx: AuthorizationContext) -> None:
    """OIDC Core §3.1.2.1 ``prompt=login`` (and ``select_account``: the login page is where the
    person chooses the account): log in again unless it happened during this very request."""
    if ctx.browser is not None and not ctx.fresh and ctx.prompts & {"login", "select_account"}:
        ctx.login_reasons.append("The request asks the person to log in again.")


def check_max_age_elapsed(ctx: AuthorizationContext) -> None:
    """OIDC Core §3.1.2.1 ``max_age``: the last login is older than allowed."""
    if ctx.browser is None or ctx.max_age is None or ctx.fresh:
        return
    if (ctx.now - ctx.browser.auth_time).total_seconds() > ctx.max_age:
        ctx.login_reasons.append("The last login is older than max_age allows.")


def check_hinted_person(ctx: AuthorizationContext) -> None:
    """OIDC Core §3.1.2.1 ``id_token_hint``: the session belongs to someone else."""
    if ctx.browser is None or ctx.hinted_sub is None:
        return
    account = accounts_service.get_account(ctx.session, ctx.browser.account_id)
    if account is None or account.sub != ctx.hinted_sub:
        ctx.login_reasons.append("The id_token_hint names another person.")


def check_acr_reached(ctx: AuthorizationContext) -> None:
    """OIDC Core §5.5.1.1 (see :mod:`idp.oauth2.acr`): a session below the requested level steps up
    (logs in again, with a second factor); a login that still could not reach it fails an essential
    request and satisfies a voluntary one with the level reached."""
    wanted = ctx.acr
    if ctx.browser is None or wanted is None or wanted.required_rank is None:
        return
    if wanted.satisfied_by(ctx.browser.acr):
        return
    if not ctx.fresh:
        ctx.login_reasons.append("The request asks for a stronger login than the session's.")
    elif wanted.essential:
        raise UnmetAuthenticationRequirementsError("The login did not reach any essential acr value.")


def check_login(ctx: AuthorizationContext) -> None:
    """To the login page, or ``login_required`` under ``prompt=none`` (OIDC Core §3.1.2.6)."""
    if not ctx.login_reasons:
        return
    if "none" in ctx.prompts:
        raise LoginRequiredError(ctx.login_reasons[0])
    raise InteractionNeededError("login")


def check_account(ctx: AuthorizationContext) -> None:
    assert ctx.browser is not None, "check_login ran"
    if accounts_service.get_account(ctx.session, ctx.browser.account_id) is None:
        raise LoginRequiredError("The account no longer exists.")


def check_consent(ctx: AuthorizationContext) -> None:
    """OIDC Core §3.1.2.4: a consent covering the scopes, given during this request under
    ``prompt=consent``; ``consent_required`` under ``prompt=none``."""
    assert ctx.browser is not None and ctx.client is not None
    scopes = set(ctx.data.get("scope", "").split())
    consent = consents_service.covering_consent(
        ctx.session, ctx.browser.account_id, ctx.client.client_id, scopes
    )
    consent_fresh = ctx.fresh_since is not None and consents_service.granted_since(consent, ctx.fresh_since)
    if consent is None or ("consent" in ctx.prompts and not consent_fresh):
        if "none" in ctx.prompts:
            raise ConsentRequiredError("The person has not consented to these scopes.")
        raise InteractionNeededError("consent")


def check_launch_context(ctx: AuthorizationContext) -> None:
    """SMART App Launch v2 standalone launch: the person's own Patient, found by the idp from the
    person's SNILS (``idp.smart.service``); the client never names it. ``launch/patient`` and
    patient-level scopes without a health record are ``access_denied``."""
    assert ctx.browser is not None
    if ctx.launch is None:
        return
    outcome = ctx.launch(ctx.browser.account_id, set(ctx.data.get("scope", "").split()))
    if outcome.error == "temporarily_unavailable":
        raise TemporarilyUnavailableError(outcome.description)
    if outcome.error is not None:
        raise AccessDeniedError(outcome.description)
    ctx.launch_patient = outcome.patient
