"""What a vaccination certificate says, without data access: which Immunizations count, the doses,
the masked name, the number, and the signed payload's claims.

The certificate shows only what the real «сертификат вакцинации» shows: masked initials
(«И*** И*** И***»), the birth date and the doses; never the full name, SNILS or policy.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from egisz_api.covid.codes import COVID_DISEASE, COVID_ICD10, VACCINE_SYSTEM, VACCINES

#: a certificate number: 16 digits starting with 9, as the real certificates are numbered
NUMBER = re.compile(r"9\d{15}")
PAYLOAD_VERSION = 1


@dataclass(frozen=True)
class Dose:
    immunization_id: str
    vaccine: str
    date: str
    number: int | None


@dataclass(frozen=True)
class Holder:
    initials: str
    birth_date: str


def new_number() -> str:
    return "9" + "".join(str(secrets.randbelow(10)) for _ in range(15))


def spaced(number: str) -> str:
    """``9123 4567 8901 2345``, as it is printed."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def day(value: str) -> str:
    """``1985-04-12`` → ``12.04.1985`` (as the certificate prints dates)."""
    parts = value.split("-")
    return ".".join(reversed(parts)) if len(parts) == 3 else value


def _codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def is_covid_vaccination(immunization: dict[str, Any]) -> bool:
    """A COVID-19 vaccine of the local vaccine code system (which also lists other vaccines: flu,
    measles…), or any vaccine given against COVID-19."""
    codings = _codings(immunization.get("vaccineCode"))
    if any(c.get("system") == VACCINE_SYSTEM and c.get("code") in VACCINES for c in codings):
        return True
    targets = {(COVID_DISEASE[0], COVID_DISEASE[1]), (COVID_ICD10[0], COVID_ICD10[1])}
    for protocol in immunization.get("protocolApplied") or []:
        for disease in protocol.get("targetDisease") or []:
            if any((c.get("system"), c.get("code")) in targets for c in _codings(disease)):
                return True
    return False


def counts(immunization: dict[str, Any]) -> bool:
    """A completed COVID-19 vaccination (entered-in-error and not-done never count)."""
    return immunization.get("status") == "completed" and is_covid_vaccination(immunization)


def vaccine_name(immunization: dict[str, Any]) -> str:
    concept = immunization.get("vaccineCode") or {}
    for c in _codings(concept):
        if c.get("system") == VACCINE_SYSTEM and c.get("code") in VACCINES:
            return VACCINES[c["code"]].display
    if isinstance(concept.get("text"), str):
        return str(concept["text"])
    for c in _codings(concept):
        if isinstance(c.get("display"), str):
            return str(c["display"])
    return "COVID-19"


def dose_of(immunization: dict[str, Any]) -> Dose:
    number = None
    for protocol in immunization.get("protocolApplied") or []:
        value = protocol.get("doseNumberPositiveInt")
        if isinstance(value, int):
            number = value
    date = str(immunization.get("occurrenceDateTime") or "")[:10]
    return Dose(str(immunization.get("id")), vaccine_name(immunization), date, number)


def ordered(doses: list[Dose]) -> list[Dose]:
    return sorted(doses, key=lambda d: (d.date, d.number or 0, d.immunization_id))


def _mask(part: str) -> str:
    return f"{part[0].upper()}***" if part else ""


def holder_of(patient: dict[str, Any]) -> Holder:
    """Masked initials (family, given names) and the birth date of a Patient."""
    names = patient.get("name") or []
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    parts = [official.get("family") or "", *(official.get("given") or [])]
    initials = " ".join(_mask(p) for p in parts if p) or "***"
    return Holder(initials, str(patient.get("birthDate") or ""))


def claims(number: str, holder: Holder, doses: list[Dose], *, issuer: str, issued_at: int) -> dict[str, Any]:
    """The signed payload: compact keys, minimal data (what the verification page shows)."""
    return {
        "v": PAYLOAD_VERSION,
        "iss": issuer,
        "iat": issued_at,
        "num": number,
        "nam": holder.initials,
        "dob": holder.birth_date,
        "doses": [{"vac": d.vaccine, "dt": d.date, "n": d.number} for d in doses],
    }


def parse_claims(data: Any) -> tuple[str, Holder, list[Dose]] | None:
    """The number, holder and doses of a payload; None unless it has this shape exactly."""
    if not isinstance(data, dict) or data.get("v") != PAYLOAD_VERSION:
        return None
    number, name, birth, doses = data.get("num"), data.get("nam"), data.get("dob"), data.get("doses")
    if not (isinstance(number, str) and NUMBER.fullmatch(number)):
        return None
    if not isinstance(name, str) or not isinstance(birth, str) or not isinstance(doses, list):
        return None
    parsed = []
    for d in doses:
        if not isinstance(d, dict) or not isinstance(d.get("vac"), str) or not isinstance(d.get("dt"), str):
            return None
        n = d.get("n")
        parsed.append(Dose("", d["vac"], d["dt"], n if isinstance(n, int) else None))
    return number, Holder(name, birth), parsed
