"""What a satisfied signature rule says about the write (leaf types)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Kind = Literal["sig", "qes"]
Source = Literal["login", "provenance"]


@dataclass(frozen=True)
class SignatureInfo:
    """Who vouched for a medical write and how: a signature-level login (the token's ``acr``) or a
    verified detached CMS signature in a supplied Provenance."""

    #: ``sig`` (УНЭП, urn:idp:acr:sig) or ``qes`` (КЭП, urn:idp:acr:qes)
    kind: Kind
    source: Source
    #: Practitioner reference of the signer (``fhirUser`` or the Provenance's ``signature.who``)
    who: str | None
    #: the organisation (``org`` claim or the Provenance's onBehalfOf), as a reference
    organization: str | None
    #: SHA-256 thumbprint (hex) of the signing certificate, when known
    thumbprint: str | None
    when: dt.datetime
    #: the signature itself (base64 CMS) for a supplied Provenance; None for a login
    data: str | None = None
    sig_format: str | None = None
    #: the signer's name (the token's ``name``) for a login without a Practitioner (``fhirUser``):
    #: the cabinet's worker forms (docs/worker-forms.md)
    who_display: str | None = None
