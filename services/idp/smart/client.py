"""The idp's lookup of a person's Patient at the EGISZ FHIR server, over its standard FHIR API.

``GET {fhir_base}/Patient?identifier=<SNILS system>|<digits>&_count=2`` with the *person's own*
short token (:class:`idp.tokens.access.PersonLookupTokens`: subject the person, their ``snils``,
role ``patient``, scope ``patient/Patient.rs``, client ``idp``, audience the FHIR server's): EGISZ
keys patients by SNILS (EGISZ.md §1.4) and its FHIR API answers that search through its index
tables, authorizes it as the patient's own access — so a patient who withdrew their consent to
processing still launches their own app (EGISZ.md §5 row 32: never blocked for the patient),
while a ``system/`` token stays refused — and writes an AuditEvent for it, so the person sees in
«Кто смотрел мою карту» that the idp looked their record up for an app (client ``idp``).
Exactly one match is the person's Patient; none or several is no patient context (the idp never
guesses).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx

from shared.logging import outgoing_headers

logger = logging.getLogger("idp.smart")
#: EGISZ.md §1.4: the N3 platform's SNILS system (egisz_api also accepts its aliases)
SNILS_SYSTEM = "urn:oid:1.2.643.2.69.1.1.1.6.223"
SCOPE = "patient/Patient.rs"


class PatientDirectoryUnavailableError(Exception):
    """The FHIR server did not answer the lookup (down, refused the idp's token, a non-FHIR body)."""


class FhirPatientDirectory:
    def __init__(
        self,
        fhir_base: str,
        token_source: Callable[[str, str], str],
        *,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.fhir_base = fhir_base.rstrip("/")
        self.token_source = token_source
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def patient_by_snils(self, snils_digits: str, subject: str) -> str | None:
        """The id of the one Patient with this SNILS; None when there is none or more than one.
        ``subject``: the person looking themselves up (the token is theirs)."""
        headers = {
            "Authorization": f"Bearer {self.token_source(subject, snils_digits)}",
            "Accept": "application/fhir+json",
            **outgoing_headers(),
        }
        params = {"identifier": f"{SNILS_SYSTEM}|{snils_digits}", "_count": "2"}
        try:
            response = self._http.get(f"{self.fhir_base}/Patient", params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise PatientDirectoryUnavailableError(type(exc).__name__) from exc
        if response.status_code != 200:
            logger.warning("patient lookup answered %s", response.status_code)
            raise PatientDirectoryUnavailableError(f"status {response.status_code}")
        try:
            bundle = response.json()
            entries = bundle.get("entry", [])
            ids = [str(e["resource"]["id"]) for e in entries if e.get("search", {}).get("mode") != "include"]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PatientDirectoryUnavailableError("not a FHIR searchset") from exc
        return ids[0] if len(ids) == 1 else None
