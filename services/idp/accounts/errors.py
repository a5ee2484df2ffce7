from __future__ import annotations

from shared.errors import AppError, ConflictError, NotFoundError


class AccountNotFoundError(NotFoundError):
    code = "account_not_found"
    title = "Account not found"


class ContactTakenError(ConflictError):
    """A phone, e-mail, SNILS, INN or passport already used by another account (whose: not said)."""

    code = "already_registered"
    title = "Already registered"


class RegistrationInvalidError(AppError):
    status_code = 422
    code = "validation_failed"
    title = "Validation failed"


class PersonRecordNotFoundError(NotFoundError):
    code = "person_record_not_found"
    title = "Person record not found"


class PersonRecordInvalidError(AppError):
    """A person record (policy, address, child, vehicle...) whose fields fail their rules."""

    status_code = 422
    code = "person_record_invalid"
    title = "Invalid person record"
