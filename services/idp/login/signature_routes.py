"""The login-by-signature page (issue 11 item 3): ``GET /login/signature`` shows a one-time text to
sign, ``POST /login/signature`` takes the signature (a file or pasted text, multipart) and signs the
person in through the same session start as the password login (``signin.submit_signature``).

The page keeps the login page's ``i`` (a parked authorization request) and ``next`` parameters, so
a relying party's flow continues; a relying party asking for ``urn:idp:acr:sig``/``qes`` is sent
here by ``/authorize`` (step up)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from idp.clients import service as clients_service
from idp.dependencies import (
    CSRF_COOKIE,
    BackchannelDep,
    BrowserSessionDep,
    CrlFetcherDep,
    LoginContextDep,
    SessionDep,
    SettingsDep,
    ThrottleDep,
)
from idp.login import interactions, routes, signature, signin
from idp.login.forms import PageKit, client_of, expired_page, interaction_kit, too_many_page
from idp.login.models import Interaction
from idp.oauth2 import acr
from idp.pki import challenges
from idp.pki.cms import DEFAULT_MAX_BYTES

router = APIRouter(include_in_schema=False)

#: a signature is at most 64 KiB of DER (``cms.DEFAULT_MAX_BYTES``); as base64 or PEM a third more
UPLOAD_MAX = DEFAULT_MAX_BYTES * 4 // 3 + 4096
TokenForm = Annotated[str, Form(max_length=128)]
#: refusals about the file itself: also shown as the file field's error
FILE_REFUSALS = frozenset(
    {"missing", "too_large", "unreadable", "no_certificate", "private_key", "unsupported_algorithm"}
)


def _query(interaction: str | None, next_path: str | None) -> str:
    params = {k: v for k, v in (("i", interaction), ("next", next_path)) if v}
    return f"?{urlencode(params)}" if params else ""


def _page(
    kit: PageKit,
    ctx: LoginContextDep,
    session: SessionDep,
    parked: Interaction | None,
    next_path: str | None,
    *,
    refusal: str | None = None,
    status: int = 200,
) -> Response:
    """The page with a new challenge for this browser (every page view, and after every refusal)."""
    settings = ctx.settings
    challenge = challenges.issue(
        session,
        issuer=settings.issuer,
        csrf_cookie=kit.csrf_cookie,
        now=ctx.clock(),
        ttl=settings.pki_login_challenge_ttl,
    )
    client_name = None
    step_up = None
    if parked is not None:
        client = clients_service.find_client(session, parked.client_id)
        client_name = client.name if client else None
        asked = acr.signature_asked(interactions.params_of(parked))
        if asked is not None and client_name:
            step_up = "sig_step_up_qes" if asked == acr.ACR_QES else "sig_step_up"
    handle = parked.handle if parked else None
    return kit.page(
        "login_signature.html",
        status,
        title=kit.t("sig_title"),
        refusal=refusal if refusal != "missing" else None,
        file_error=kit.t("sig_missing" if refusal == "missing" else f"sig_err_{refusal}")
        if refusal in FILE_REFUSALS
        else None,
        client_name=client_name,
        step_up=step_up,
        challenge_text=challenge.text,
        challenge_id=challenge.handle,
        expires_at=challenge.expires_at,
        download_url=f"/login/signature/challenge.txt?{urlencode({'c': challenge.handle})}",
        interaction=handle,
        next_path=next_path or "",
        password_url=f"/login{_query(handle, next_path)}",
    )


@router.get("/login/signature")
def signature_form(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    ctx: LoginContextDep,
    i: str | None = None,
    next: str | None = None,
) -> Response:
    parked = interactions.find_interaction(session, i)
    kit = interaction_kit(request, settings, parked)
    if i and parked is None:
        return expired_page(kit)
    return _page(kit, ctx, session, parked, next)


@router.get("/login/signature/challenge.txt")
def challenge_file(request: Request, session: SessionDep, c: str = "") -> Response:
    """The challenge's exact bytes as a file to sign (no editor adds a line break to it)."""
    row = challenges.readable(session, c, csrf_cookie=request.cookies.get(CSRF_COOKIE))
    if row is None:
        return Response("", status_code=404, media_type="text/plain")
    return Response(
        row.text.encode("ascii"),
        media_type="text/plain; charset=us-ascii",
        headers={
            "Content-Disposition": 'attachment; filename="challenge.txt"',
            "Cache-Control": "no-store",
        },
    )


def _read_signature(upload: UploadFile | None, pasted: str) -> bytes | str:
    """The submitted signature, or the refusal about it (``missing``, ``too_large``)."""
    if upload is not None and upload.filename:
        data = upload.file.read(UPLOAD_MAX + 1)
        if len(data) > UPLOAD_MAX:
            return "too_large"
        if data:
            return data
    text = pasted.strip()
    if len(text) > UPLOAD_MAX:
        return "too_large"
    return text.encode("utf-8", "replace") if text else "missing"


@router.post("/login/signature")
def signature_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
    ctx: LoginContextDep,
    throttle: ThrottleDep,
    fetcher: CrlFetcherDep,
    signature_file: Annotated[UploadFile | None, File()] = None,
    signature_text: Annotated[str, Form(alias="signature")] = "",
    csrf_token: TokenForm = "",
    challenge_id: TokenForm = "",
    interaction: TokenForm = "",
    next_path: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    parked = interactions.find_interaction(session, interaction or None)
    kit = interaction_kit(request, settings, parked)
    if interaction and parked is None:
        return expired_page(kit)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    data = _read_signature(signature_file, signature_text)
    if isinstance(data, str):
        return _page(kit, ctx, session, parked, next_path, refusal=data, status=400)
    outcome = signin.submit_signature(
        ctx,
        session,
        throttle,
        challenge_id=challenge_id,
        csrf_cookie=request.cookies.get(CSRF_COOKIE),
        signature_data=data,
        who=client_of(request),
        parked=parked,
        next_path=next_path,
        device_cookie=request.cookies.get(routes.DEVICE_COOKIE),
        current=browser.session,
        fetcher=fetcher,
        on_commit=backchannel.dispatch,
    )
    match outcome:
        case signin.Throttled(retry_after=seconds):
            return too_many_page(kit, seconds)
        case signature.Refusal(reason=reason):
            status = 400 if reason in FILE_REFUSALS else 401
            return _page(kit, ctx, session, parked, next_path, refusal=reason, status=status)
        case signin.SignedIn():
            return routes.signed_in(kit, settings, outcome, session)
