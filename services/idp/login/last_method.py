"""The way in a person used last, remembered on the device (issue 15 item 4: «remembers the
person's last choice on the device»): a cookie set when a login completes, read by the login page
(which then offers that way first) and by the code step (which offers the last second factor first).

The value says only which *kind* of method (never an account, a login or a device): it is derived
from the session's ``amr`` (docs/second-factor.md, assurance table), so every login method sets it
the same way without telling this module about itself.
"""

from __future__ import annotations

from collections.abc import Sequence

LAST_METHOD_COOKIE = "idp_last_method"
#: a year, like a language choice: a device keeps its person's habit
MAX_AGE_SECONDS = 365 * 86400
#: the ways in, in the seeds' order (seed 001 §2.1.2, §2.2.2)
WAYS = ("password", "signature", "passkey", "bank")
#: the second factors after a password the code step can offer first
SECOND_FACTORS = ("code", "app", "passkey")


def remembered(amr: Sequence[str]) -> str | None:
    """``way`` or ``password+second`` for the cookie, from a completed login's ``amr``."""
    methods = set(amr)
    if "fed" in methods:
        return "bank"
    if "pwd" in methods:
        if "user" in methods:
            return "password+passkey"
        if methods & {"otp", "sms"}:  # a code typed in: SMS, e-mail or the authenticator app
            return "password+code"
        if "swk" in methods and "mfa" in methods:
            return "password+app"
        return "password"
    if "user" in methods:
        return "passkey"
    if methods & {"hwk", "swk"}:
        return "signature"
    return None


def last_way(cookie: str | None) -> str | None:
    """The way in the cookie names (anything else, e.g. a tampered value, is ignored)."""
    way = (cookie or "").partition("+")[0]
    return way if way in WAYS else None


def last_second_factor(cookie: str | None) -> str | None:
    way, _, second = (cookie or "").partition("+")
    return second if way == "password" and second in SECOND_FACTORS else None
