"""The COVID feature's endpoints: the public verification page and JWKS, the cabinet's
«Сертификат вакцинации» section with its PDF, and the FHIR operation ``$covid-certificate``."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from egisz_api.cabinet.dependencies import CabinetPersonDep
from egisz_api.cabinet.pages import render
from egisz_api.covid import service
from egisz_api.covid.content import day, spaced
from egisz_api.covid.signing import CertificateSigner, SignerHolder
from egisz_api.covid.texts import text
from egisz_api.dependencies import SessionDep
from egisz_api.fhir import routes as fhir_routes
from egisz_api.fhir.outcomes import FHIR_JSON
from egisz_api.pages import LANG_COOKIE, locale_of
from shared.web.errors import switch_language_url
from shared.web.policy import remember_choice
from shared.web.rendering import PageRenderer

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["covid"])
_DOWNLOAD = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _signer(request: Request) -> CertificateSigner:
    holder: SignerHolder = request.app.state.covid_signer
    return holder.get()


def _public_url(request: Request) -> str:
    url: str = request.app.state.settings.public_url
    return url


@api.get(
    "/.well-known/covid-cert-jwks.json",
    summary="The public key that signs vaccination certificates (JWKS, RFC 7517; ES256)",
    response_class=JSONResponse,
)
def covid_cert_jwks(request: Request) -> JSONResponse:
    return JSONResponse(_signer(request).jwks(), headers={"Cache-Control": "public, max-age=3600"})


def _verification_page(request: Request, verdict: service.Verdict, *, signed: bool) -> HTMLResponse:
    renderer: PageRenderer = request.app.state.pages
    locale = locale_of(request)
    response = renderer.page(
        "covid/verify.html",
        locale,
        title=renderer.text("covid_verify_title", locale),
        switch_url=switch_language_url(request, locale),
        verdict=verdict,
        signed=signed,
        spaced=spaced,
        day=day,
    )
    remember_choice(request, response, LANG_COOKIE, locale, secure=not request.app.state.settings.dev_mode)
    return response


@pages.get("/covid-cert/verify/{number}", response_class=HTMLResponse)
def verify_number(request: Request, session: SessionDep, number: str, t: str | None = None) -> HTMLResponse:
    """No login: validity and the minimal data of the certificate (and of its signed QR payload)."""
    verdict = service.verify(session, _signer(request), number=number, token=t)
    return _verification_page(request, verdict, signed=t is not None)


@pages.get("/covid-cert/verify", response_class=HTMLResponse)
def verify_token(request: Request, session: SessionDep, t: str = "") -> HTMLResponse:
    verdict = service.verify(session, _signer(request), number=None, token=t)
    return _verification_page(request, verdict, signed=True)


@pages.get("/cabinet/covid", response_class=HTMLResponse)
def cabinet_certificate(request: Request, person: CabinetPersonDep, session: SessionDep) -> HTMLResponse:
    patient_id = person.patient_id
    view = None
    if patient_id is not None:
        view = service.cabinet_view(
            session,
            patient_id,
            _signer(request),
            public_url=_public_url(request),
            now=request.app.state.clock(),
        )
    locale = locale_of(request)
    qr = Markup(view.qr_svg(text("covid_qr_alt", locale))) if view is not None else None  # noqa: S704
    return render(
        request,
        "covid/certificate.html",
        title_key="covid_title",
        person=person,
        view=view,
        qr=qr,
        spaced=spaced,
        day=day,
    )


@pages.get("/cabinet/covid/certificate.pdf")
def cabinet_certificate_pdf(request: Request, person: CabinetPersonDep, session: SessionDep) -> Response:
    patient_id = person.patient_id
    if patient_id is None:
        return Response(status_code=404)
    body = service.certificate_pdf(
        session,
        patient_id,
        _signer(request),
        public_url=_public_url(request),
        now=request.app.state.clock(),
        locale=locale_of(request),
        font_dir=request.app.state.settings.pdf_font_dir,
    )
    headers = {**_DOWNLOAD, "Content-Disposition": 'attachment; filename="covid-certificate.pdf"'}
    return Response(body, media_type="application/pdf", headers=headers)


@api.get(
    fhir_routes.PREFIX + "/Patient/{patient_id}/$covid-certificate",
    tags=["fhir"],
    summary="The patient's COVID-19 vaccination certificate as a DocumentReference (number, QR payload)",
    responses={
        200: {"description": "DocumentReference", "content": {FHIR_JSON: {}}},
        403: {"description": "Not the patient nor an integrator (OperationOutcome)"},
        404: {"description": "Unknown patient, or no completed COVID-19 vaccination (OperationOutcome)"},
    },
)
async def covid_certificate(request: Request, session: SessionDep, patient_id: str) -> Response:
    signer = _signer(request)
    public_url = _public_url(request)
    body = await fhir_routes.run(
        request,
        session,
        lambda ctx: service.certificate_operation(ctx, patient_id, signer, public_url=public_url),
    )
    return Response(body, media_type=FHIR_JSON)


def install(app: FastAPI) -> None:
    settings = app.state.settings
    app.state.covid_signer = SignerHolder(settings.covid_cert_key, dev_mode=settings.dev_mode)
    app.state.record_listeners.append(service.on_record_written)
    app.include_router(pages)
    app.include_router(api)
