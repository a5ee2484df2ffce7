"""«Электронные подписи»: the bound certificates, binding one (a file or pasted PEM), and unbinding
one after a confirmation page. Every form posts the CSRF token; another account's certificate id
answers 404 exactly like a missing one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from idp.cabinet import signatures
from idp.cabinet.routes import notice_from, open_page, submit_form
from idp.dependencies import BrowserSessionDep, PkiContextDep, SessionDep
from idp.login.forms import PageKit
from idp.pki.bound import BoundView
from idp.pki.certificates import MAX_CERTIFICATE_BYTES
from shared.path_ids import RowId

router = APIRouter(prefix="/account", include_in_schema=False)
CsrfForm = Annotated[str, Form(max_length=128)]
NOTICES = ("certificate_bound", "certificate_unbound")
#: what the file chooser offers (the server reads PEM, DER and base64 whatever the name)
ACCEPT = ".cer,.crt,.pem,.der,application/pkix-cert,application/x-x509-ca-cert"
TAGS = {
    "active": "tag--success",
    "expiring": "tag--warning",
    "expired": "tag--error",
    "revoked": "tag--error",
}


def status_label(view: BoundView, locale: str, kit: PageKit) -> str:
    if view.status == "expiring":
        if locale == "ru":
            return view.status_ru
        return kit.t("sig_status_expiring", days=str(view.days_left), s="" if view.days_left == 1 else "s")
    return kit.t(f"sig_status_{view.status}")


def _page(
    kit: PageKit,
    pki: Any,
    session: Any,
    account: Any,
    *,
    errors: dict[str, str] | None = None,
    pem: str = "",
    notice: str | None = None,
    status: int = 200,
) -> Response:
    return kit.page(
        "cabinet_signatures.html",
        status,
        title=kit.t("nav_signatures"),
        current="/account/signatures",
        certificates=signatures.my_certificates(pki, session, account),
        status_label=lambda view: status_label(view, kit.locale, kit),
        tags=TAGS,
        accept=ACCEPT,
        max_kib=MAX_CERTIFICATE_BYTES // 1024,
        errors=errors or {},
        pem=pem,
        notice=notice,
    )


@router.get("/signatures")
def signatures_page(
    request: Request, session: SessionDep, browser: BrowserSessionDep, pki: PkiContextDep
) -> Response:
    opened = open_page(request, session, browser)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    return _page(kit, pki, session, account, notice=notice_from(request, kit, NOTICES))


def _read_upload(upload: UploadFile | None) -> bytes:
    """At most one byte over the limit: enough for the limit's own message, never more in memory.
    (A sync read of the spooled file: this handler runs in the threadpool like every cabinet form.)"""
    if upload is None:
        return b""
    with upload.file as spooled:
        return spooled.read(MAX_CERTIFICATE_BYTES + 1)


@router.post("/signatures")
def bind_certificate(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    pki: PkiContextDep,
    csrf_token: CsrfForm = "",
    certificate_file: Annotated[UploadFile | None, File()] = None,
    certificate_pem: Annotated[str, Form()] = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    data = _read_upload(certificate_file)
    field = "certificate_file" if data else "certificate_pem"
    if not data:
        data = certificate_pem.encode("utf-8", "replace")
    outcome = signatures.bind_my_certificate(pki, session, account, data)
    if isinstance(outcome, signatures.BindRefused):
        message = kit.t(outcome.message, kib=str(MAX_CERTIFICATE_BYTES // 1024))
        # a pasted text comes back to be corrected; a private key pasted by mistake is not echoed
        keep = outcome.message != "sig_e_private_key" and len(certificate_pem) <= MAX_CERTIFICATE_BYTES
        pem = certificate_pem if keep else ""
        return _page(kit, pki, session, account, errors={field: message}, pem=pem, status=outcome.status)
    return kit.see_other("/account/signatures?done=certificate_bound")


@router.get("/signatures/{bound_id}/unbind")
def confirm_unbind(
    request: Request,
    bound_id: RowId,
    session: SessionDep,
    browser: BrowserSessionDep,
    pki: PkiContextDep,
) -> Response:
    opened = open_page(request, session, browser)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    view = signatures.my_certificate(pki, session, account, bound_id)
    if view is None:
        return kit.message(kit.t("sig_not_found"), status=404, error=True)
    return kit.page(
        "cabinet_signature_unbind.html",
        title=kit.t("sig_unbind_title", name=view.common_name or view.subject),
        current="/account/signatures",
        certificate=view,
    )


@router.post("/signatures/{bound_id}/unbind")
def unbind(
    request: Request,
    bound_id: RowId,
    session: SessionDep,
    browser: BrowserSessionDep,
    csrf_token: CsrfForm = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    if not signatures.unbind_my_certificate(session, account, bound_id):
        return kit.message(kit.t("sig_not_found"), status=404, error=True)
    return kit.see_other("/account/signatures?done=certificate_unbound")
