"""What a login proved, as ``amr`` (RFC 8176 values) and ``acr`` (DESIGN.md "Identity and assurance").

| method          | amr                            | acr               |
|-----------------|--------------------------------|-------------------|
| password        | pwd                            | urn:idp:acr:pwd   |
| + SMS code      | pwd, sms, mfa                  | urn:idp:acr:mfa   |
| + e-mail code   | pwd, otp, mfa                  | urn:idp:acr:mfa   |
| + TOTP app      | pwd, otp, mfa                  | urn:idp:acr:mfa   |
| + recovery code | pwd, mfa, recovery             | urn:idp:acr:mfa   |
| + app approval  | pwd, swk, mfa                  | urn:idp:acr:mfa   |
| signature, УНЭП | swk                            | urn:idp:acr:sig   |
| signature, КЭП  | hwk                            | urn:idp:acr:qes   |
| bank (brokered) | fed                            | urn:idp:acr:pwd   |
| bank, MFA there | fed, mfa                       | urn:idp:acr:mfa   |
| + passkey       | pwd, hwk or swk, user, mfa     | urn:idp:acr:mfa   |
| passkey alone   | hwk or swk, user               | urn:idp:acr:mfa   |

- RFC 8176 §2 has no value for a code sent by e-mail; ``otp`` ("one-time password") is the honest
  generic one (``sms`` would claim a phone that was never involved).
- A recovery code is a second factor the person set up (something they have: the printed list),
  so it reaches ``mfa``, but it is not an ``otp`` device. ``recovery`` is our own amr value (RFC 8176
  §1 allows values outside the registry by agreement) so the idp can ask the person to set up the
  app again and a relying party that distrusts recovery codes can tell.
- A signature login (DESIGN.md: УНЭП ``swk`` or ``hwk``, КЭП ``hwk`` or ``sc``): the idp sees a CMS
  signature, not the device that made it. An unqualified certificate claims no more than a
  software-held key (``swk``); a qualified one's key is kept, by 63-FZ art. 18 and the FSB's rules
  for qualified signatures, in certified means, which the idp reports as ``hwk``.
- Confirmation in the app (issue 15 item 1): the app proves itself with a device credential, a
  software-held secret (``swk``, RFC 8176 §2), and the person matched the number shown.
- A bank login (issue 15 item 3, docs/bank-id.md): the person proved themselves to the bank, not to
  us. RFC 8176 has no value for a federated login; ``fed`` is our own (RFC 8176 §1 allows it; it is
  the value Microsoft's identity platform uses for the same fact). The acr is what the bank asserted
  mapped by the bank's ``acr_map`` setting, never above ``mfa``; unmapped, ``pwd``.
- A passkey (WebAuthn, issue 15): ``swk`` when the credential is backup-eligible (a synced passkey,
  its key copied between devices), ``hwk`` when it is bound to one authenticator; ``user``: the
  authenticator verified the person (UV flag; the idp requires it). WebAuthn does not say whether
  that was a fingerprint or a face, so ``fpt``/``face`` are never claimed. Alone it is possession
  plus inherence or knowledge (the device PIN), hence ``urn:idp:acr:mfa``; ``mfa`` in the amr only
  when it was the second factor after a password.
- A trusted device adds nothing: a login that skipped the code on one is a password login.
"""

from __future__ import annotations

from typing import Literal

ACR_PASSWORD = "urn:idp:acr:pwd"
ACR_MFA = "urn:idp:acr:mfa"
#: a login by an enhanced unqualified electronic signature (УНЭП)
ACR_SIG = "urn:idp:acr:sig"
#: a login by a qualified electronic signature (КЭП, 63-FZ)
ACR_QES = "urn:idp:acr:qes"
#: non-registered amr value for a login completed with a recovery code
AMR_RECOVERY = "recovery"
#: non-registered amr value for a login brokered by another identity provider (a bank)
AMR_FEDERATED = "fed"

Method = Literal[
    "password",
    "sms",
    "email",
    "totp",
    "recovery_code",
    "app",
    "signature_ues",
    "signature_qes",
    "bank",
    "bank_mfa",
    "passkey_hwk",
    "passkey_swk",
    "passwordless_hwk",
    "passwordless_swk",
]

_ASSURANCE: dict[str, tuple[tuple[str, ...], str]] = {
    "password": (("pwd",), ACR_PASSWORD),
    "sms": (("pwd", "sms", "mfa"), ACR_MFA),
    "email": (("pwd", "otp", "mfa"), ACR_MFA),
    "totp": (("pwd", "otp", "mfa"), ACR_MFA),
    "recovery_code": (("pwd", "mfa", AMR_RECOVERY), ACR_MFA),
    "app": (("pwd", "swk", "mfa"), ACR_MFA),
    "signature_ues": (("swk",), ACR_SIG),
    "signature_qes": (("hwk",), ACR_QES),
    "bank": ((AMR_FEDERATED,), ACR_PASSWORD),
    "bank_mfa": ((AMR_FEDERATED, "mfa"), ACR_MFA),
    "passkey_hwk": (("pwd", "hwk", "user", "mfa"), ACR_MFA),
    "passkey_swk": (("pwd", "swk", "user", "mfa"), ACR_MFA),
    "passwordless_hwk": (("hwk", "user"), ACR_MFA),
    "passwordless_swk": (("swk", "user"), ACR_MFA),
}

METHODS: tuple[str, ...] = tuple(_ASSURANCE)


def assurance_after(method: str) -> tuple[list[str], str]:
    """(amr, acr) after the password plus ``method`` (``"password"``: no second factor), or after a
    signature (``signature_ues``/``signature_qes``)."""
    try:
        amr, acr = _ASSURANCE[method]
    except KeyError:
        raise ValueError(f"unknown authentication method {method!r}") from None
    return list(amr), acr
