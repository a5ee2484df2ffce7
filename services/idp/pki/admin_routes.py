"""Admin API of the trust store (admin token): list, add and remove trusted CAs, upload a CRL.

Bodies are the certificate or CRL itself (PEM, DER or base64), not JSON. Every change is an
``admin_action`` in the security log with the admin client's id, written by :mod:`idp.pki.trust`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, Security, status

from idp.dependencies import AdminCallerDep, AdminDep, SessionDep
from idp.pki import trust
from idp.pki.schemas import CrlOut, TrustedCaOut
from shared.db import utcnow
from shared.openapi import BEARER_ERRORS, bearer_scheme, problem_responses
from shared.path_ids import RowId

router = APIRouter(
    prefix="/admin/pki",
    tags=["admin"],
    dependencies=[Security(bearer_scheme)],
    responses=problem_responses(BEARER_ERRORS),
)
RawBody = Annotated[
    bytes,
    Body(
        media_type="application/octet-stream",
        description="The certificate or CRL: PEM, DER or base64 (a private key is refused).",
    ),
]
_BAD_FILE = problem_responses(
    {
        413: "Too large (`certificate_too_large`)",
        422: "Not a certificate or CRL, a private key, not a CA, an unknown issuer "
        "(`certificate_invalid`, `private_key_refused`, `not_a_ca_certificate`, `crl_invalid`, "
        "`crl_issuer_unknown`, `crl_signature_invalid`)",
    }
)


@router.get("/cas", response_model=list[TrustedCaOut], summary="List trusted CAs")
def list_cas(_: AdminDep, session: SessionDep) -> list[TrustedCaOut]:
    return [TrustedCaOut.model_validate(row, from_attributes=True) for row in trust.list_trusted_cas(session)]


@router.post(
    "/cas",
    response_model=TrustedCaOut,
    status_code=status.HTTP_201_CREATED,
    summary="Trust a CA certificate",
    responses={**_BAD_FILE, **problem_responses({409: "Already trusted (`trusted_ca_exists`)"})},
)
def add_ca(
    body: RawBody,
    caller: AdminCallerDep,
    session: SessionDep,
    accredited: Annotated[bool, Query(description="An accredited CA: its certificates are КЭП")] = False,
) -> TrustedCaOut:
    row = trust.add_trusted_ca(session, body, accredited=accredited, actor=caller)
    return TrustedCaOut.model_validate(row, from_attributes=True)


@router.delete(
    "/cas/{ca_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop trusting a CA",
    responses=problem_responses({404: "No such trusted CA (`trusted_ca_not_found`)"}),
)
def remove_ca(ca_id: RowId, caller: AdminCallerDep, session: SessionDep) -> Response:
    trust.remove_trusted_ca(session, ca_id, actor=caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/crls",
    response_model=CrlOut,
    status_code=status.HTTP_201_CREATED,
    summary="Upload a CRL of a trusted CA",
    responses=_BAD_FILE,
)
def upload_crl(body: RawBody, caller: AdminCallerDep, session: SessionDep) -> CrlOut:
    row = trust.upload_crl(session, body, now=utcnow(), actor=caller)
    return CrlOut.model_validate(row, from_attributes=True)
