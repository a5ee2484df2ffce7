"""The ESIA face's token shapes (ESIA.md §5), a :class:`~idp.tokens.profiles.TokenProfile` for the
one issuing core (:meth:`idp.tokens.issuance.TokenIssuer.issue`).

The face builds the :class:`~idp.tokens.schemas.Issuance` with ``subject`` = the person's oid (a
string of digits; the tokens carry it as a JSON number), ``issuer`` = the client's
``EsiaClient.issuer`` and, for the ID token, ``id_token_claims`` = ``{"urn:esia:sbj": …}`` made by
:func:`subject_object`. The core keeps ``jti`` in the access token so that revocation works.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from idp.tokens.confirmation import confirmation
from idp.tokens.profiles import Shaped
from idp.tokens.schemas import AuthContext, Issuance, Stamp

#: ESIA.md §5.1 / §5.2 JOSE headers beside ``alg`` (and our ``kid``)
ACCESS_HEADER = {"ver": 1, "typ": "JWT", "sbt": "access"}
ID_HEADER = {"typ": "JWT", "sbt": "id", "ver": 0}
#: our amr values of a signature login (idp.second_factor.assurance): ESIA says ``DS``
_SIGNATURE_AMR = frozenset({"swk", "hwk"})


def esia_amr(person: AuthContext) -> str:
    """ESIA.md §5.2: ``DS`` for an electronic-signature login, ``PWD`` otherwise."""
    return "DS" if _SIGNATURE_AMR & set(person.amr) else "PWD"


def subject_object(oid: int, *, confirmed: bool) -> dict[str, Any]:
    """``urn:esia:sbj`` (ESIA.md §5.2, §8): ``is_tru`` only for a confirmed account."""
    sbj: dict[str, Any] = {"urn:esia:sbj:typ": "P"}
    if confirmed:
        sbj["urn:esia:sbj:is_tru"] = True
    sbj.update(
        {
            "urn:esia:sbj:oid": oid,
            "urn:esia:sbj:nam": f"OID.{oid}",
            "urn:esia:sbj:lvl": "PR" if confirmed else "P",
        }
    )
    return sbj


def scope_claim(scope: str, oid: str | None) -> str:
    """ESIA.md §5.1: every person scope but ``openid`` carries ``?oid=<subject oid>``; organisation
    scopes carry their ``?org_oid=`` already."""
    out = []
    for item in scope.split():
        if item == "openid" or "?" in item or oid is None:
            out.append(item)
        else:
            out.append(f"{item}?oid={oid}")
    return " ".join(out)


class EsiaProfile:
    def access_token(self, issuance: Issuance, stamp: Stamp) -> Shaped:
        person = issuance.person
        oid = issuance.subject if person is not None else None
        claims: dict[str, Any] = {
            "nbf": stamp.issued_at,
            "scope": scope_claim(issuance.scope, oid),
            "iss": stamp.issuer,
        }
        if person is not None:
            claims["urn:esia:sid"] = person.sid or ""
            claims["urn:esia:sbj_id"] = int(issuance.subject)
            if person.cert_thumbprint and issuance.confirm_certificate:
                claims["cnf"] = confirmation(person.cert_thumbprint)  # idp.tokens.confirmation
        claims.update(exp=stamp.expires_at, iat=stamp.issued_at, client_id=issuance.client_id, jti=stamp.jti)
        return Shaped(claims, dict(ACCESS_HEADER))

    def id_token(self, issuance: Issuance, stamp: Stamp, at_hash: str | None) -> Shaped:
        person = issuance.person
        if person is None:
            raise ValueError("an ID token is about a person")
        amr = esia_amr(person)
        oid = int(issuance.subject)
        claims: dict[str, Any] = {
            "aud": issuance.client_id,
            "sub": oid,
            "nbf": stamp.issued_at,
            "amr": amr,
            "urn:esia:amd": amr,
            # not ESIA's: the level the login reached (idp.oauth2.acr), which a relying party that
            # asked for a signature step (acr_values) reads to tell an УНЭП (sig) from a КЭП (qes)
            "acr": person.acr,
            "auth_time": _epoch(person.auth_time),
            "urn:esia:sid": person.sid or "",
            "iss": stamp.issuer,
            "urn:esia:sbj": dict(
                issuance.id_token_claims.get("urn:esia:sbj") or subject_object(oid, confirmed=False)
            ),
            "exp": stamp.expires_at,
            "iat": stamp.issued_at,
        }
        if person.cert_thumbprint:
            claims["cnf"] = confirmation(person.cert_thumbprint)  # the signature login's certificate
        return Shaped(claims, dict(ID_HEADER))


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


ESIA_PROFILE = EsiaProfile()
