"""Public pki endpoints: the CRLs of the trusted CAs, served at the distribution point the demo PKI
puts in its certificates (``GET /pki/crl/{thumbprint}.crl``, RFC 5280 §4.2.1.13)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from idp.dependencies import SessionDep
from idp.pki import publication
from shared.openapi import problem_responses

router = APIRouter(tags=["pki"])


@router.get(
    publication.CRL_PATH,
    summary="The CRL of a trusted CA (DER), as uploaded to the trust store",
    description=(
        "A CRL distribution point (RFC 5280 §4.2.1.13) the idp serves: the last CRL uploaded for the "
        "trusted CA whose certificate has this SHA-256 thumbprint, in DER "
        "(`application/pkix-crl`, RFC 5280 §4.2.1.13 / RFC 2585 §4.2). `python -m idp pki demo` "
        "names this URL in the demo certificates (built from `IDP_ISSUER`). Only CRLs of trusted CAs "
        "whose signature verifies with that CA's key are served; anything else is 404."
    ),
    response_class=Response,
    responses={
        200: {
            "description": "The CRL (DER)",
            "content": {"application/pkix-crl": {"schema": {"type": "string", "format": "binary"}}},
        },
        **problem_responses({404: "No trusted CA with this thumbprint, or no CRL of it (`crl_not_found`)"}),
    },
)
def published_crl(
    thumbprint: Annotated[str, Path(description="SHA-256 thumbprint of the CA certificate (64 hex digits)")],
    session: SessionDep,
) -> Response:
    der = publication.published_crl(session, thumbprint)
    # a CRL is signed and public; caches may keep it briefly (the idp's own fetch has its max age)
    return Response(der, media_type="application/pkix-crl", headers={"Cache-Control": "public, max-age=300"})
