"""What the passkeys' JSON endpoints (the options the page's script asks for) answer when they
refuse: RFC 9457 problem documents with a stable ``code``."""

from __future__ import annotations

from shared.errors import AppError


class PasskeyCsrfError(AppError):
    status_code = 400
    code = "csrf_failed"
    title = "The form's CSRF token does not match this browser"


class PasskeyLoginExpiredError(AppError):
    status_code = 400
    code = "interaction_expired"
    title = "The login this passkey was asked for has expired"


class PasskeyLoginRequiredError(AppError):
    status_code = 401
    code = "login_required"
    title = "Sign in first"


class FreshLoginRequiredError(AppError):
    status_code = 403
    code = "fresh_login_required"
    title = "Adding a passkey needs a recent sign-in"
