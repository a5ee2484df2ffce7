"""The worker forms' refusals (leaves)."""

from __future__ import annotations

from shared.errors import AppError


class UnknownFormError(AppError):
    status_code = 404
    code = "unknown_form"


class ParkedFormGoneError(AppError):
    """No parked form under this handle for this session: expired, used, or another session's (one
    answer for all three: a handle of someone else's form reveals nothing)."""

    status_code = 410
    code = "parked_form_gone"


class SignatureNeededError(AppError):
    """The session's login is below ``urn:idp:acr:sig``: the form is parked and the worker signs."""

    status_code = 401
    code = "insufficient_user_authentication"

    def __init__(self, detail: str, handle: str) -> None:
        super().__init__(detail)
        self.handle = handle


class WriteRefusedError(AppError):
    """The FHIR write refused the form for a reason no field explains (shown above the form)."""

    status_code = 422
    code = "write_refused"

    def __init__(self, detail: str, message_key: str, status: int = 422) -> None:
        super().__init__(detail)
        self.message_key = message_key
        #: the form page's status (403 for a role that may not write this, else 422)
        self.status = status
