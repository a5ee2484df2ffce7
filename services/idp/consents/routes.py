"""The consent page: which app asks for what, allow or deny (OpenID Connect Core §3.1.2.4).

The authorization request waits parked (``login.interactions``) while the person decides; either
answer continues at the parked request's resume route (``/authorize/resume`` for the OpenID
Connect face, ``/aas/oauth2/resume`` for the ESIA face), which sends the client its code or ``access_denied``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from idp.accounts import service as accounts_service
from idp.clients import service as clients_service
from idp.consents import service
from idp.dependencies import BrowserSessionDep, SessionDep, SettingsDep
from idp.login import codes_ui, interactions
from idp.login.forms import expired_page, interaction_kit
from idp.login.i18n import scope_text

router = APIRouter(include_in_schema=False)
TokenForm = Annotated[str, Form(max_length=128)]


@router.get("/consent")
def consent_form(
    request: Request, settings: SettingsDep, session: SessionDep, browser: BrowserSessionDep, i: str = ""
) -> Response:
    interaction = interactions.find_interaction(session, i)
    kit = interaction_kit(request, settings, interaction)
    if interaction is None or browser.session is None:
        return expired_page(kit)
    client = clients_service.find_client(session, interaction.client_id)
    scopes = dict(interactions.params_of(interaction)).get("scope", "").split()
    account = accounts_service.get_account(session, browser.session.account_id)
    assert account is not None
    return kit.page(
        "consent.html",
        title=kit.t("title_consent"),
        client_name=client.name if client else interaction.client_id,
        scopes=[scope_text(s, kit.locale) for s in scopes],
        action="/consent",
        interaction=interaction.handle,
        # which account is granting, and a way to grant as someone else: signing in again with
        # the request parked replaces this browser's session (login/flow.py complete_login)
        account_name=f"{account.first_name} {account.last_name}",
        account_contact=account.email or (codes_ui.mask_phone(account.phone) if account.phone else "—"),
        switch_account_url=f"/login?{urlencode({'i': interaction.handle})}",
    )


@router.post("/consent")
def consent_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    decision: Annotated[str, Form(max_length=10)] = "",
    csrf_token: TokenForm = "",
    interaction: TokenForm = "",
) -> Response:
    parked = interactions.find_interaction(session, interaction)
    kit = interaction_kit(request, settings, parked)
    if parked is None or browser.session is None:
        return expired_page(kit)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    if decision != "allow":
        return kit.see_other(interactions.resume_url(parked, deny=True))
    scopes = set(dict(interactions.params_of(parked)).get("scope", "").split())
    service.grant(
        session,
        browser.session.account_id,
        parked.client_id,
        scopes,
        ip=request.client.host if request.client else None,
    )
    return kit.see_other(interactions.resume_url(parked))
