"""What the records feature takes and returns: stored resources and compiled search criteria."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

DatePrefix = Literal["eq", "lt", "le", "gt", "ge"]


@dataclass(frozen=True)
class StoredResource:
    pk: int
    resource_type: str
    resource_id: str
    version_id: int
    last_updated: dt.datetime
    patient_id: str | None
    content: bytes
    #: the value the search was ordered by, for the next page's cursor
    sort_value: dt.datetime | None = None
    method: str = "update"


@dataclass(frozen=True)
class TokenCondition:
    param: str
    #: None: any system; "": values without a system
    system: str | None
    #: None: any code of the system (``system|``)
    code: str | None


@dataclass(frozen=True)
class DateCondition:
    param: str
    prefix: DatePrefix
    low: dt.datetime
    high: dt.datetime


@dataclass(frozen=True)
class ReferenceCondition:
    param: str
    target_type: str | None
    target_id: str


@dataclass(frozen=True)
class StringCondition:
    param: str
    value: str
    exact: bool = False


@dataclass(frozen=True)
class IdCondition:
    ids: tuple[str, ...]


@dataclass(frozen=True)
class LastUpdatedCondition:
    prefix: DatePrefix
    low: dt.datetime
    high: dt.datetime


Condition = (
    TokenCondition | DateCondition | ReferenceCondition | StringCondition | IdCondition | LastUpdatedCondition
)
SortKey = Literal["pk", "date", "lastUpdated"]


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: keyset paging, stable while rows are inserted."""

    sort_value: dt.datetime | None
    pk: int


@dataclass(frozen=True)
class OrganizationRule:
    """Only the records of patients attached to one organisation (issue 14: an integrator system's
    token, EGISZ.md §5 (A) "organisation restriction"): a Patient whose ``managingOrganization``
    references ``Organization/{reference_id}`` or names one of ``identifiers`` as its identifier
    value (the organisation's oid and OGRN). Records of no patient are not restricted."""

    reference_id: str
    identifiers: tuple[str, ...]


@dataclass
class Criteria:
    resource_type: str
    #: AND of clauses; each clause an OR of its conditions (``code=a,b`` is one clause)
    clauses: list[list[Condition]] = field(default_factory=list)
    #: only resources of this Patient's compartment
    compartment: str | None = None
    #: granular scope restrictions: OR of ANDs of token conditions; None = unrestricted
    restrictions: list[list[TokenCondition]] | None = None
    #: resources carrying any of these tokens are left out (entered-in-error clinical records)
    excluded: list[TokenCondition] = field(default_factory=list)
    #: only records of this organisation's patients (None: any patient's)
    organization: OrganizationRule | None = None
    sort: SortKey = "pk"
    descending: bool = False
    after: Cursor | None = None
    count: int = 20


@dataclass(frozen=True)
class MeasureCount:
    """One cell group of a report: how many resources of a measure, and how many positive, in a
    region, period bucket (its first day) and stratum (records/measures.py)."""

    region: str
    period: dt.date
    stratum: str
    total: int
    positives: int
