"""``relying_party``: whatever a browser (or an attacker) sends instead of a well-formed response is
a :class:`RejectedError` with a reason, never another exception (a 500 on the page)."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest

from idp.passkeys import relying_party
from tests.idp.passkeys.authenticator import SoftAuthenticator, b64url

RP = relying_party.relying_party("https://idp.example.test", "IdP")
CHALLENGE = os.urandom(32)


def mutations(valid: str) -> list[str]:
    body = json.loads(valid)
    out = ["", "null", "[]", "{}", "1", '"x"', valid[:-1], valid + "x"]
    for key in ("id", "rawId", "type", "response"):
        for value in (None, 1, "", "%%%", [], {}):
            out.append(json.dumps({**body, key: value}))
    # ``transports`` (a hint) and ``userHandle`` (checked by the service against the account) are
    # not what the relying party's checks judge
    for key in [k for k in body["response"] if k not in ("transports", "userHandle")]:
        junk = (None, 1, "", "%%%", "AAAA", b64url(b"{}"), b64url(b"[]"), b64url(os.urandom(40)), [], {})
        for value in junk:
            out.append(json.dumps({**body, "response": {**body["response"], key: value}}))
    client_data = json.loads(base64.urlsafe_b64decode(body["response"]["clientDataJSON"] + "=="))
    # a falsy crossOrigin is "not cross-origin" (WebAuthn §5.8.1): only a truthy one must be refused
    changes = [(k, v) for k in ("type", "challenge", "origin") for v in (None, 1, "", "%%%", [], {}, True)]
    for key, value in [*changes, ("crossOrigin", True), ("crossOrigin", 1), ("crossOrigin", "yes")]:
        changed = b64url(json.dumps({**client_data, key: value}).encode())
        out.append(json.dumps({**body, "response": {**body["response"], "clientDataJSON": changed}}))
    return out


def options() -> dict[str, Any]:
    return {
        "challenge": b64url(CHALLENGE),
        "rp": {"id": "idp.example.test", "name": "IdP"},
        "user": {"id": b64url(b"u" * 32), "name": "a", "displayName": "a"},
    }


def test_every_mangled_registration_is_rejected_with_a_reason() -> None:
    authenticator = SoftAuthenticator("idp.example.test", "https://idp.example.test")
    valid = authenticator.create(options())
    assert relying_party.verify_registration(RP, valid, challenge=CHALLENGE).sign_count == 0
    for mangled in mutations(valid):
        with pytest.raises(relying_party.RejectedError):
            relying_party.verify_registration(RP, mangled, challenge=CHALLENGE)


def test_every_mangled_assertion_is_rejected_with_a_reason() -> None:
    authenticator = SoftAuthenticator("idp.example.test", "https://idp.example.test")
    stored = relying_party.verify_registration(RP, authenticator.create(options()), challenge=CHALLENGE)
    valid = authenticator.get(options())
    parsed = relying_party.parse_assertion(valid)
    assert relying_party.verify_assertion(RP, parsed, challenge=CHALLENGE, public_key=stored.public_key)

    def check(response: str) -> None:
        assertion = relying_party.parse_assertion(response)
        relying_party.verify_assertion(RP, assertion, challenge=CHALLENGE, public_key=stored.public_key)

    for mangled in mutations(valid):
        with pytest.raises(relying_party.RejectedError):
            check(mangled)
