"""The cabinet's removal of a bank link (issue 15 item 4): «Удалить» in the «Безопасность» tab's
list of ways in, refused while it is the last one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from idp.brokering import links
from idp.cabinet import methods
from idp.cabinet.routes import CsrfForm, submit_form
from idp.dependencies import BrowserSessionDep, LoginContextDep, SessionDep
from idp.login.forms import client_of
from shared.path_ids import RowId

router = APIRouter(prefix="/account/bank-links", include_in_schema=False)


@router.post("/{link_id}/remove")
def remove_link(
    request: Request,
    link_id: RowId,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    csrf_token: CsrfForm = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    refusal = links.unlink(
        session,
        account,
        link_id,
        client_of(request),
        leaves_a_way_in=lambda: methods.leaves_a_way_in(ctx, session, account, f"bank:{link_id}"),
    )
    if refusal is not None:
        status = 404 if refusal == "not_found" else 409
        return kit.message(kit.t(f"bank_link_err_{refusal}"), status=status, error=True)
    return kit.see_other("/account/security?done=bank_unlinked")
