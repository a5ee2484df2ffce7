"""What a login proved, as ``amr`` (RFC 8176 values) and ``acr`` (DESIGN.md "Identity and assurance").

| method          | amr                            | acr               |
|-----------------|--------------------------------|-------------------|
| password        | pwd                            | urn:idp:acr:pwd   |
| + SMS code      | pwd, sms, mfa                  | urn:idp:acr:mfa   |
| + e-mail code   | pwd, otp, mfa                  | urn:idp:acr:mfa   |
| + TOTP app      | pwd, otp, mfa                  | urn:idp:acr:mfa   |
| + recovery code | pwd, mfa, recovery             | urn:idp:acr:mfa   |

- RFC 8176 §2 has no value for a code sent by e-mail; ``otp`` ("one-time password") is the honest
  generic one (``sms`` would claim a phone that was never involved).
- A recovery code is a second factor the person set up (something they have: the printed list),
  so it reaches ``mfa``, but it is not an ``otp`` device. ``recovery`` is our own amr value (RFC 8176
  §1 allows values outside the registry by agreement) so the idp can ask the person to set up the
  app again and a relying party that distrusts recovery codes can tell.
- A trusted device adds nothing: a login that skipped the code on one is a password login.
"""

from __future__ import annotations

from typing import Literal

ACR_PASSWORD = "urn:idp:acr:pwd"
ACR_MFA = "urn:idp:acr:mfa"
#: non-registered amr value for a login completed with a recovery code
AMR_RECOVERY = "recovery"

Method = Literal["password", "sms", "email", "totp", "recovery_code"]

_ASSURANCE: dict[str, tuple[tuple[str, ...], str]] = {
    "password": (("pwd",), ACR_PASSWORD),
    "sms": (("pwd", "sms", "mfa"), ACR_MFA),
    "email": (("pwd", "otp", "mfa"), ACR_MFA),
    "totp": (("pwd", "otp", "mfa"), ACR_MFA),
    "recovery_code": (("pwd", "mfa", AMR_RECOVERY), ACR_MFA),
}

METHODS: tuple[str, ...] = tuple(_ASSURANCE)


def assurance_after(method: str) -> tuple[list[str], str]:
    """(amr, acr) after the password plus ``method`` (``"password"``: no second factor)."""
    try:
        amr, acr = _ASSURANCE[method]
    except KeyError:
        raise ValueError(f"unknown authentication method {method!r}") from None
    return list(amr), acr
