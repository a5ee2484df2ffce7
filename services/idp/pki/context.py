"""What validating a certificate needs, built once in main.py and handed to the pages and jobs
that bind or check certificates (CONVENTIONS "Collaborators as typed arguments")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from idp.accounts.protection import FieldCipher
from idp.pki import trust
from idp.settings import IdpSettings
from shared.clock import Clock


def crl_policy(settings: IdpSettings) -> trust.CrlPolicy:
    """The CRL and OCSP freshness bounds and the grace period of the settings (IDP_PKI_CRL_*,
    IDP_PKI_OCSP_MAX_AGE_SECONDS)."""
    return trust.CrlPolicy(
        max_age=dt.timedelta(seconds=settings.pki_crl_max_age_seconds),
        grace=dt.timedelta(seconds=settings.pki_crl_grace_seconds),
        ocsp_max_age=dt.timedelta(seconds=settings.pki_ocsp_max_age_seconds),
    )


@dataclass(frozen=True)
class PkiContext:
    #: opens the account's sealed SNILS for the SNILS check
    cipher: FieldCipher
    clock: Clock
    #: fetches a CRL from a certificate's distribution point and asks its OCSP responder
    #: (None: use only the CRLs and answers held)
    fetcher: trust.CrlFetcher | None
    policy: trust.CrlPolicy
