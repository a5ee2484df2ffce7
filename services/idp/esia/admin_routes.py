"""Admin API of the ESIA face (admin token: client_credentials, scope ``admin``): registered
clients, their certificates, and the diagnoses of their refused requests.

A certificate is uploaded as the request body itself (PEM, DER or base64 of a .cer), as the pki
admin routes take CA certificates. Every change is an ``admin_action`` in the security log
(:mod:`idp.esia.admin`); a refused upload is answered here without raising, so that the request's
transaction commits the refusal's event.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response, Security, status
from fastapi.responses import JSONResponse

from idp.dependencies import AdminCallerDep, AdminDep, DirectoryDep, HasherDep, SessionDep
from idp.esia import admin, registry
from idp.esia.models import EsiaClientCertificate, EsiaDiagnosis
from idp.esia.registry import EsiaClientSpec, Registration
from idp.esia.schemas import CertificateOut, DiagnosisOut, EsiaClientIn, EsiaClientOut, EsiaClientPatch
from shared.errors import AppError, problem_response
from shared.openapi import BEARER_ERRORS, bearer_scheme, problem_responses
from shared.path_ids import text_id

router = APIRouter(
    prefix="/admin/esia",
    tags=["admin"],
    dependencies=[Security(bearer_scheme)],
    responses=problem_responses(BEARER_ERRORS),
)
MnemonicPath = Annotated[str, text_id(128, "The client's mnemonic (its client_id).")]
Sha256Path = Annotated[
    str, Path(pattern=r"^[0-9A-Fa-f]{64}$", description="The certificate's SHA-256, 64 hex digits.")
]
HandlePath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{12}$", description="The diagnosis handle from `[diag …]`, 12 hex digits.")
]
CertificateBody = Annotated[
    bytes,
    Body(
        media_type="application/octet-stream",
        description="The certificate (.cer/.crt/.pem/.der): PEM, DER or base64. A private key or "
        ".pfx is refused and not kept.",
    ),
]
_NOT_FOUND = problem_responses({404: "No ESIA client with this mnemonic (`esia_client_not_found`)"})
_BAD_CLIENT = problem_responses(
    {
        404: "No ESIA client with this mnemonic (`esia_client_not_found`)",
        409: "A client (OIDC or ESIA) with this id exists (`client_exists`)",
        422: "The registration cannot be served: a bad URI, scope, window (`invalid_esia_client`, "
        "`validation_failed`)",
    }
)
_BAD_CERTIFICATE = problem_responses(
    {
        404: "No ESIA client with this mnemonic (`esia_client_not_found`)",
        409: "Already registered for this client (`esia_certificate_exists`)",
        413: "Over 64 KiB (`certificate_too_large`)",
        422: "Not a certificate, a private key or .pfx, expired, an unsupported key algorithm "
        "(`certificate_invalid`, `private_key_refused`, `certificate_expired`, "
        "`certificate_algorithm_unsupported`)",
    }
)


def _certificate(row: EsiaClientCertificate) -> CertificateOut:
    return CertificateOut.model_validate(registry.describe_certificate(row), from_attributes=True)


def _out(found: Registration) -> EsiaClientOut:
    spec = found.spec
    return EsiaClientOut(
        **{name: getattr(spec, name) for name in EsiaClientOut.model_fields if hasattr(spec, name)},
        certificates=[_certificate(row) for row in found.certificates],
        created_at=found.settings.created_at,
        updated_at=max(found.settings.updated_at, found.client.updated_at),
    )


def _diagnosis(row: EsiaDiagnosis) -> DiagnosisOut:
    explanation = {k: v for k, v in row.detail.items() if k not in ("error", "description")}
    return DiagnosisOut(
        handle=row.handle,
        client_id=row.client_id,
        endpoint=row.endpoint,
        esia_code=row.code,
        error=row.detail.get("error"),
        description=row.detail.get("description"),
        explanation=explanation,
        created_at=row.created_at,
    )


@router.get("/clients", response_model=list[EsiaClientOut], summary="List ESIA clients")
def list_clients(_: AdminDep, session: SessionDep) -> list[EsiaClientOut]:
    return [_out(found) for found in admin.list_clients(session)]


@router.post(
    "/clients",
    response_model=EsiaClientOut,
    status_code=status.HTTP_201_CREATED,
    summary="Register an ESIA client (then upload its certificates)",
    responses=_BAD_CLIENT,
)
def create_client(
    body: EsiaClientIn,
    caller: AdminCallerDep,
    session: SessionDep,
    hasher: HasherDep,
    directory: DirectoryDep,
) -> EsiaClientOut:
    spec = EsiaClientSpec(**body.model_dump())
    return _out(admin.create_client(session, hasher, spec, actor=caller, directory=directory))


@router.get(
    "/clients/{client_id}", response_model=EsiaClientOut, summary="Read an ESIA client", responses=_NOT_FOUND
)
def read_client(client_id: MnemonicPath, _: AdminDep, session: SessionDep) -> EsiaClientOut:
    return _out(admin.read_client(session, client_id))


@router.patch(
    "/clients/{client_id}",
    response_model=EsiaClientOut,
    summary="Change an ESIA client",
    responses=_BAD_CLIENT,
)
def update_client(
    client_id: MnemonicPath,
    body: EsiaClientPatch,
    caller: AdminCallerDep,
    session: SessionDep,
    directory: DirectoryDep,
) -> EsiaClientOut:
    return _out(admin.update_client(session, client_id, body.changes(), actor=caller, directory=directory))


@router.delete(
    "/clients/{client_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an ESIA client and its certificates",
    responses=_NOT_FOUND,
)
def remove_client(
    client_id: MnemonicPath, caller: AdminCallerDep, session: SessionDep, directory: DirectoryDep
) -> Response:
    admin.remove_client(session, client_id, actor=caller, directory=directory)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/clients/{client_id}/certificates",
    response_model=list[CertificateOut],
    summary="List a client's certificates",
    responses=_NOT_FOUND,
)
def list_certificates(client_id: MnemonicPath, _: AdminDep, session: SessionDep) -> list[CertificateOut]:
    return [_certificate(row) for row in admin.certificates(session, client_id)]


@router.post(
    "/clients/{client_id}/certificates",
    response_model=CertificateOut,
    status_code=status.HTTP_201_CREATED,
    summary="Register a certificate the client signs its client_secret with",
    responses=_BAD_CERTIFICATE,
)
def add_certificate(
    request: Request,
    client_id: MnemonicPath,
    body: CertificateBody,
    caller: AdminCallerDep,
    session: SessionDep,
) -> CertificateOut | JSONResponse:
    try:
        return _certificate(admin.add_certificate(session, client_id, body, actor=caller))
    except AppError as exc:  # answered, not raised: the session commits the refusal's log event
        return problem_response(exc.status_code, exc.code, exc.title, exc.detail, instance=request.url.path)


@router.delete(
    "/clients/{client_id}/certificates/{sha256}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unregister a certificate",
    responses=problem_responses({404: "No such client or certificate (`esia_certificate_not_found`)"}),
)
def remove_certificate(
    client_id: MnemonicPath, sha256: Sha256Path, caller: AdminCallerDep, session: SessionDep
) -> Response:
    admin.remove_certificate(session, client_id, sha256, actor=caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/clients/{client_id}/diagnoses",
    response_model=list[DiagnosisOut],
    summary="The latest diagnoses of a client's refused requests, newest first",
    responses=_NOT_FOUND,
)
def list_diagnoses(
    client_id: MnemonicPath,
    _: AdminDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200, description="How many, newest first")] = 50,
) -> list[DiagnosisOut]:
    return [_diagnosis(row) for row in admin.diagnoses(session, client_id, limit)]


@router.get(
    "/diagnoses/{handle}",
    response_model=DiagnosisOut,
    summary="One diagnosis: why a request was refused",
    responses=problem_responses({404: "No such diagnosis, or expired (`esia_diagnosis_not_found`)"}),
)
def read_diagnosis(handle: HandlePath, _: AdminDep, session: SessionDep) -> DiagnosisOut:
    return _diagnosis(admin.diagnosis(session, handle))
