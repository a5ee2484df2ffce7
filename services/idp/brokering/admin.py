"""The banks' admin API actions (``/admin/banks``): add, list, remove. Every change is an
``admin_action`` in the security log (``bank_added``, ``bank_removed``) with the admin client's
id, written in the action's own transaction. The banks of IDP_BANK_PROVIDERS are listed but
changed only in the settings.

Removing a bank removes its links and its logins in flight: a bank added again later under the
same id may be another bank, whose subjects must not land in the old accounts."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.orm import Session

from idp.accounts.protection import FieldCipher
from idp.audit import service as audit
from idp.audit.service import AdminCaller
from idp.brokering import repository
from idp.brokering.errors import BankExistsError, BankFromSettingsError, BankNotFoundError
from idp.brokering.models import BankProviderRecord
from idp.brokering.schemas import CREDENTIALS, BankOut
from idp.settings import BankProvider, IdpSettings

#: the personal-data cipher's field name for a bank's client secret
SECRET_FIELD = "bank_client_secret"


def stored_banks(session: Session, cipher: FieldCipher) -> list[BankProvider]:
    """The banks added through the API, secrets opened."""
    banks = []
    for record in repository.provider_records(session):
        config = json.loads(record.config)
        # the sealed credential is the client secret or, for private_key_jwt, the private key
        field = (
            "private_key"
            if config.get("token_endpoint_auth_method") == "private_key_jwt"
            else "client_secret"
        )
        config[field] = cipher.open(record.client_secret_encrypted, SECRET_FIELD)
        banks.append(BankProvider.model_validate(config))
    return banks


def _credential(bank: BankProvider) -> str:
    secret = bank.private_key if bank.token_endpoint_auth_method == "private_key_jwt" else bank.client_secret
    return secret.get_secret_value() if secret is not None else ""


def any_stored(session: Session) -> bool:
    return bool(repository.provider_records(session))


def list_banks(session: Session, settings: IdpSettings, cipher: FieldCipher) -> list[BankOut]:
    return [BankOut.of(b, "settings") for b in settings.bank_providers] + [
        BankOut.of(b, "admin") for b in stored_banks(session, cipher)
    ]


def add_bank(
    session: Session,
    settings: IdpSettings,
    cipher: FieldCipher,
    bank: BankProvider,
    *,
    caller: AdminCaller,
    now: dt.datetime,
) -> BankOut:
    if any(b.id == bank.id for b in settings.bank_providers) or repository.provider_record(session, bank.id):
        raise BankExistsError(f"A bank with the id {bank.id!r} exists.")
    repository.add_provider_record(
        session,
        BankProviderRecord(
            bank=bank.id,
            config=json.dumps(bank.model_dump(mode="json", exclude=CREDENTIALS), ensure_ascii=False),
            client_secret_encrypted=cipher.seal(_credential(bank), SECRET_FIELD),
            created_at=now,
        ),
    )
    audit.record_admin_action(session, caller, "bank_added", details={"bank": bank.id, "issuer": bank.issuer})
    return BankOut.of(bank, "admin")


def remove_bank(session: Session, settings: IdpSettings, bank_id: str, *, caller: AdminCaller) -> None:
    record = repository.provider_record(session, bank_id)
    if record is None:
        if any(b.id == bank_id for b in settings.bank_providers):
            raise BankFromSettingsError(f"The bank {bank_id!r} is configured in IDP_BANK_PROVIDERS.")
        raise BankNotFoundError(f"No bank with the id {bank_id!r}.")
    links = repository.delete_provider_record(session, record)
    audit.record_admin_action(
        session, caller, "bank_removed", details={"bank": bank_id, "links_removed": links}
    )
