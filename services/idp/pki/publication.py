"""The CRLs the idp publishes: the last CRL uploaded for each trusted CA, served at a distribution
point the demo PKI names in its certificates (``GET /pki/crl/{thumbprint}.crl``, :mod:`idp.pki.routes`,
RFC 5280 §4.2.1.13)."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from idp.pki import repository, trust
from idp.pki.certificates import load_crl
from idp.pki.errors import CrlNotPublishedError, CrlSignatureError

#: where a trusted CA's CRL is published, by the SHA-256 thumbprint of the CA certificate
CRL_PATH = "/pki/crl/{thumbprint}.crl"
_THUMBPRINT = re.compile(r"[0-9a-f]{64}")


def crl_url(base_url: str, ca_thumbprint: str) -> str:
    """The CRL distribution point URL the idp serves for a CA (``base_url``: the public issuer URL)."""
    return base_url.rstrip("/") + CRL_PATH.format(thumbprint=ca_thumbprint)


def published_crl(session: Session, ca_thumbprint: str) -> bytes:
    """The DER of the CRL uploaded for the trusted CA with this SHA-256 thumbprint, for serving at
    its distribution point. Only an uploaded CRL is served (its signature was verified at upload
    and is verified again with *this* CA's key, since two trusted CAs may share a name); a CRL the
    idp fetched from elsewhere is not republished."""
    thumbprint = ca_thumbprint.lower()
    ca = (
        repository.trusted_ca_by_thumbprint(session, thumbprint)
        if _THUMBPRINT.fullmatch(thumbprint)
        else None
    )
    if ca is None:
        raise CrlNotPublishedError("No trusted CA has this thumbprint.")
    row = repository.crl(session, ca.subject_key, trust.UPLOAD)
    if row is None:
        raise CrlNotPublishedError("No CRL of this CA has been uploaded.")
    try:
        trust.check_crl_signature(load_crl(row.der), [ca])
    except CrlSignatureError:
        raise CrlNotPublishedError("No CRL of this CA has been uploaded.") from None
    return row.der
