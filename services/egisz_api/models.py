"""Every EGISZ model, imported once so that ``Base.metadata`` is complete."""

from __future__ import annotations

from egisz_api.audit.models import AccessEvent, AuditEventRow
from egisz_api.cabinet.models import CabinetLogin, CabinetLogoutToken, CabinetSession
from egisz_api.covid.models import CovidCertificate, CovidCertificateDose
from egisz_api.database import Base
from egisz_api.notifications.models import (
    AccessNoticeMark,
    NotificationCursor,
    NotificationOutboxRow,
    NotificationPreference,
)
from egisz_api.records.models import (
    DateIndex,
    FhirResource,
    FhirResourceVersion,
    MeasureIndex,
    ReferenceIndex,
    StringIndex,
    TokenIndex,
)
from egisz_api.subscriptions.models import SubscriptionOutboxRow, SubscriptionRow
from egisz_api.terminology.models import (
    CodeSystemRow,
    ConceptRow,
    SystemAliasRow,
    ValueSetMemberRow,
    ValueSetRow,
)

__all__ = [
    "AccessEvent",
    "AccessNoticeMark",
    "AuditEventRow",
    "Base",
    "CabinetLogin",
    "CabinetLogoutToken",
    "CabinetSession",
    "CodeSystemRow",
    "ConceptRow",
    "CovidCertificate",
    "CovidCertificateDose",
    "DateIndex",
    "FhirResource",
    "FhirResourceVersion",
    "MeasureIndex",
    "NotificationCursor",
    "NotificationOutboxRow",
    "NotificationPreference",
    "ReferenceIndex",
    "StringIndex",
    "SubscriptionOutboxRow",
    "SubscriptionRow",
    "SystemAliasRow",
    "TokenIndex",
    "ValueSetMemberRow",
    "ValueSetRow",
]
