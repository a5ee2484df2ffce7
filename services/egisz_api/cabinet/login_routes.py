"""``GET /cabinet/login`` (to the idp's ESIA face) and ``GET /esia/callback`` (back from it)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from egisz_api.cabinet import login, sealing
from egisz_api.cabinet.client_secret import ClientKeyError, ClientSigner, load_signer
from egisz_api.cabinet.dependencies import session_policy
from egisz_api.cabinet.errors import CabinetLoginError, IdpUnavailableError
from egisz_api.cabinet.esia import EsiaGateway
from egisz_api.cabinet.pages import COOKIE, problem, secure_cookies
from egisz_api.dependencies import SessionDep
from egisz_api.settings import EgiszSettings

logger = logging.getLogger("egisz_api.cabinet")
router = APIRouter(include_in_schema=False)
#: the browser binding of a login in progress (its hash is stored with the state)
LOGIN_COOKIE = "egisz_login"
CALLBACK_PATH = "/esia/callback"


def client_config(settings: EgiszSettings) -> login.EsiaClientConfig:
    return login.EsiaClientConfig(
        client_id=settings.esia_client_id,
        scopes=" ".join(settings.esia_scopes.split()),
        redirect_uri=settings.public_url.rstrip("/") + CALLBACK_PATH,
        issuer=settings.esia_issuer,
        login_ttl=dt.timedelta(minutes=settings.cabinet_login_minutes),
    )


def client_files(settings: EgiszSettings) -> tuple[Path, Path]:
    """The configured certificate and key, else the idp seed's demo ones (GOST first, as the real
    EGISZ signs; RSA where the GOST engine was missing when the seed ran)."""
    if settings.esia_certificate is not None:
        return settings.esia_certificate, settings.esia_key or settings.esia_certificate.with_suffix(".key")
    for kind in ("gost", "rsa"):
        certificate = settings.esia_demo_dir / f"EGISZ-{kind}.pem"
        if certificate.exists():
            return certificate, certificate.with_suffix(".key")
    raise ClientKeyError(f"no EGISZ certificate configured nor in {settings.esia_demo_dir}")


def signer_of(request: Request) -> ClientSigner:
    """EGISZ's client certificate and key, read once (the files may appear after start-up)."""
    signer: ClientSigner | None = getattr(request.app.state, "cabinet_signer", None)
    if signer is None:
        settings: EgiszSettings = request.app.state.settings
        password = (
            settings.esia_key_password.get_secret_value().encode() if settings.esia_key_password else None
        )
        certificate, key = client_files(settings)
        signer = load_signer(certificate, key, password)
        request.app.state.cabinet_signer = signer
    return signer


def gateway_of(request: Request) -> EsiaGateway:
    gateway: EsiaGateway | None = getattr(request.app.state, "esia_gateway", None)
    if gateway is None:
        settings: EgiszSettings = request.app.state.settings
        gateway = EsiaGateway(settings.esia_url, timeout=settings.esia_timeout_seconds)
        request.app.state.esia_gateway = gateway
    return gateway


def _unavailable(request: Request) -> Response:
    return _failed(request, 503, "cabinet_idp_unavailable")


def _failed(request: Request, status: int, message_key: str) -> Response:
    return problem(
        request, None, status=status, title_key="cabinet_login_failed_title", message_key=message_key,
        action_url="/cabinet/login", action_key="cabinet_login_again", language_switch=False,
    )  # fmt: skip


@router.get("/cabinet/login")
def start_login(
    request: Request, db: SessionDep, return_to: Annotated[str | None, Query(max_length=512)] = None
) -> Response:
    settings: EgiszSettings = request.app.state.settings
    try:
        signer = signer_of(request)
    except ClientKeyError as exc:
        logger.error("cabinet login impossible: %s", exc)
        return _unavailable(request)
    started = login.start(
        db, now=request.app.state.clock(), config=client_config(settings), signer=signer,
        esia_url=settings.esia_url, return_to=return_to,
    )  # fmt: skip
    return _to_idp(request, started)


def start_step_up(request: Request, db: Session, session_hash: str, return_to: str) -> Response:
    """To the idp's signature step for the open cabinet session ``session_hash`` (the worker forms
    call it; docs/worker-forms.md): the callback raises that session's level and returns to
    ``return_to``."""
    settings: EgiszSettings = request.app.state.settings
    try:
        signer = signer_of(request)
    except ClientKeyError as exc:
        logger.error("cabinet step-up impossible: %s", exc)
        return _unavailable(request)
    started = login.start(
        db, now=request.app.state.clock(), config=client_config(settings), signer=signer,
        esia_url=settings.esia_url, return_to=return_to, step_up_session=session_hash,
    )  # fmt: skip
    return _to_idp(request, started)


def _to_idp(request: Request, started: login.Started) -> Response:
    settings: EgiszSettings = request.app.state.settings
    response = RedirectResponse(started.url, status_code=303)
    response.set_cookie(
        LOGIN_COOKIE, started.binding, httponly=True, samesite="lax", secure=secure_cookies(request),
        path=CALLBACK_PATH, max_age=settings.cabinet_login_minutes * 60,
    )  # fmt: skip
    return response


def _session_hash(request: Request) -> str | None:
    """The ``id_hash`` of the browser's cabinet session cookie, if it has one."""
    token = request.cookies.get(COOKIE)
    return sealing.token_hash(token) if token else None


@router.get(CALLBACK_PATH)
def callback(
    request: Request,
    db: SessionDep,
    state: Annotated[str, Query(max_length=128)] = "",
    code: Annotated[str, Query(max_length=4096)] = "",
    error: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    """Back from the idp (ESIA.md §3.4): ``code`` and ``state``, or ``error``. A refusal is a page
    (the request still commits: the state stays used)."""
    if error is not None:
        return _failed(request, 400, "cabinet_login_refused")
    try:
        finished = login.finish(
            db, now=request.app.state.clock(), config=client_config(request.app.state.settings),
            signer=signer_of(request), gateway=gateway_of(request),
            policy=session_policy(request.app.state.settings), state=state, code=code,
            binding=request.cookies.get(LOGIN_COOKIE, ""),
            current_session=_session_hash(request),
        )  # fmt: skip
    except CabinetLoginError as exc:
        logger.warning("cabinet login refused: %s", exc.detail)
        return _failed(request, 400, "cabinet_login_failed")
    except (IdpUnavailableError, ClientKeyError) as exc:
        logger.error("cabinet login failed at the idp: %s", exc)
        return _unavailable(request)
    response = RedirectResponse(finished.return_to, status_code=303)
    if finished.token is not None and finished.person is not None:
        logger.info("cabinet login", extra={"cabinet_session": finished.person.session_id[:12]})
        response.set_cookie(
            COOKIE, finished.token, httponly=True, samesite="lax", secure=secure_cookies(request), path="/"
        )
    else:
        logger.info("cabinet signature step-up")
    response.delete_cookie(LOGIN_COOKIE, path=CALLBACK_PATH)
    return response
