"""The cabinet's domain errors (leaves every layer imports)."""

from __future__ import annotations

from shared.errors import AppError


class CabinetLoginError(AppError):
    """The login came back in a shape we refuse (forged or replayed state, a refused code, a token
    whose signature or claims do not hold). The person sees a page saying to try again."""

    status_code = 400
    code = "cabinet_login_failed"


class IdpUnavailableError(AppError):
    """The idp did not answer, or answered with something that is not its protocol."""

    status_code = 502
    code = "idp_unavailable"


class LogoutTokenError(AppError):
    """A back-channel logout token refused (OIDC Back-Channel Logout 1.0 §2.6: HTTP 400)."""

    status_code = 400
    code = "invalid_request"


class CabinetLoginRequiredError(Exception):
    """No cabinet session: the browser goes to the login start (303), then back to ``return_to``."""

    def __init__(self, return_to: str) -> None:
        super().__init__("a cabinet login is required")
        self.return_to = return_to


class CabinetSessionExpiredError(Exception):
    """The session ended (``idle``, ``lifetime``, ``logout``, ``backchannel``): «Сессия истекла»."""

    def __init__(self, reason: str, return_to: str) -> None:
        super().__init__(f"the cabinet session ended: {reason}")
        self.reason = reason
        self.return_to = return_to


class InsufficientLevelError(Exception):
    """The page needs a higher account level than the person's (R-ACC-6): «Недостаточно прав»."""

    def __init__(self, person: object, needed: str, current: str) -> None:
        super().__init__(f"the page needs a {needed} account")
        self.person = person
        self.needed = needed
        self.current = current


class CsrfRejectedError(Exception):
    """A cabinet form came back without the session's CSRF token."""

    def __init__(self, person: object) -> None:
        super().__init__("the form's CSRF token does not match the session")
        self.person = person
