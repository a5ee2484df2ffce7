"""Every idp model, imported once so that ``Base.metadata`` is complete (Alembic, tests)."""

from __future__ import annotations

from idp.accounts.models import Account, PersonRecord
from idp.app_approval.models import AppApproval, AppDevice
from idp.audit.models import SecurityEvent, SecurityLogHead
from idp.brokering.models import BankLink, BankLogin, BankProviderRecord
from idp.clients.models import Client
from idp.consents.models import Consent
from idp.database import Base
from idp.esia.models import EsiaClient, EsiaClientCertificate, EsiaDiagnosis
from idp.keys.models import SigningKey
from idp.login.models import Interaction
from idp.organizations.models import Employment, Organization
from idp.passkeys.models import Passkey, PasskeyAccount, PasskeyChallenge
from idp.pki.models import BoundCertificate, CachedCrl, TrustedCa
from idp.second_factor.models import OneTimeCode, PendingLogin, RecoveryCode, TotpCredential, TrustedDevice
from idp.sessions.models import BackchannelLogout, SessionClient, UserSession
from idp.tokens.models import AuthorizationCode, IssuedAccessToken, RefreshToken, UsedClientAssertion

__all__ = [
    "Account",
    "AppApproval",
    "AppDevice",
    "AuthorizationCode",
    "BackchannelLogout",
    "BankLink",
    "BankLogin",
    "BankProviderRecord",
    "Base",
    "BoundCertificate",
    "CachedCrl",
    "Client",
    "Consent",
    "Employment",
    "EsiaClient",
    "EsiaClientCertificate",
    "EsiaDiagnosis",
    "Interaction",
    "IssuedAccessToken",
    "OneTimeCode",
    "Organization",
    "Passkey",
    "PasskeyAccount",
    "PasskeyChallenge",
    "PendingLogin",
    "PersonRecord",
    "RecoveryCode",
    "RefreshToken",
    "SecurityEvent",
    "SecurityLogHead",
    "SessionClient",
    "SigningKey",
    "TotpCredential",
    "TrustedCa",
    "TrustedDevice",
    "UsedClientAssertion",
    "UserSession",
]
