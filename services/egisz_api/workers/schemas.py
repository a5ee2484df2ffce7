"""What the worker pages' layers hand each other (leaves), and how EGISZ names an organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: OGRN as an identifier system: the X.520 attribute OID Russian qualified certificates carry the
#: OGRN under (1.2.643.100.1). ``Patient.managingOrganization.identifier`` names the patient's
#: organisation (прикрепление) with it; the idp's ``/rs/prns/{oid}/roles`` gives a worker's OGRNs.
OGRN_SYSTEM = "urn:oid:1.2.643.100.1"


@dataclass(frozen=True)
class SearchForm:
    """The «Поиск пациента» form as typed (echoed back on an error)."""

    snils: str = ""
    oms: str = ""
    family: str = ""
    given: str = ""
    birth_day: str = ""
    birth_month: str = ""
    birth_year: str = ""

    @property
    def birth_parts(self) -> dict[str, str]:
        return {"day": self.birth_day, "month": self.birth_month, "year": self.birth_year}


@dataclass(frozen=True)
class FoundPatient:
    patient_id: str
    name: str
    birth_date: str | None
    #: when the patient withdrew consent (None: access is open)
    withdrawn_at: dt.datetime | None = None
    withdrawn: bool = False


@dataclass(frozen=True)
class SearchOutcome:
    #: (field id, text key) of each error, shown above the inputs
    errors: list[tuple[str, str]] = field(default_factory=list)
    found: list[FoundPatient] = field(default_factory=list)
    searched: bool = False
