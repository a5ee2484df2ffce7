"""Checking the tokens the ESIA face's ``te`` returns (ESIA.md §5), before anything in them is used.

Both are JWS signed with the idp's key that ``/public/esia.public.pem`` publishes (EGISZ is
registered for RS256 tokens; ESIA clients pin that key rather than read a JWKS, docs/esia.md):

- the id_token: header ``sbt: id``; ``iss`` the client's ESIA issuer, ``aud`` = our mnemonic,
  ``exp``/``nbf`` (60 s leeway), ``sub`` the oid (a JSON number), ``urn:esia:sid`` the SSO session;
- the access token: header ``sbt: access``; ``client_id`` = our mnemonic, ``exp``/``nbf``, and
  ``urn:esia:sbj_id`` the same oid as the id_token's ``sub``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from jose import jwt
from jose.exceptions import JOSEError

from egisz_api.cabinet.errors import CabinetLoginError

ALGORITHMS = ["RS256"]
LEEWAY_SECONDS = 60


@dataclass(frozen=True)
class VerifiedLogin:
    oid: str
    sid: str | None
    trusted: bool
    #: the level the login reached: the id_token's ``acr`` (our idp adds it to ESIA's shape); a
    #: token without it but with ESIA's ``amr`` ``DS`` (a signature) is taken as ``sig``
    acr: str | None = None
    auth_time: dt.datetime | None = None
    #: RFC 8705 §3.1 ``cnf`` ``x5t#S256`` of a signature login, when the idp sends it
    thumbprint: str | None = None


def _login_level(claims: dict[str, Any]) -> tuple[str | None, dt.datetime | None, str | None]:
    acr = claims.get("acr")
    if not isinstance(acr, str) or not acr:
        acr = "urn:idp:acr:sig" if claims.get("amr") == "DS" else None
    auth_time = claims.get("auth_time")
    when = dt.datetime.fromtimestamp(auth_time, dt.UTC) if isinstance(auth_time, int) else None
    cnf = claims.get("cnf")
    thumbprint = cnf.get("x5t#S256") if isinstance(cnf, dict) else claims.get("x5t#S256")
    return acr, when, thumbprint if isinstance(thumbprint, str) and thumbprint else None


def _header(token: str) -> dict[str, Any]:
    try:
        return dict(jwt.get_unverified_header(token))
    except JOSEError as exc:
        raise CabinetLoginError("a token from the idp is not a JWS") from exc


def _decode(token: str, key_pem: str, **kwargs: Any) -> dict[str, Any]:
    options = {"verify_at_hash": False, "verify_sub": False, "leeway": LEEWAY_SECONDS}
    options.update(kwargs.pop("options", {}))
    try:
        return dict(jwt.decode(token, key_pem, algorithms=ALGORITHMS, options=options, **kwargs))
    except JOSEError as exc:
        raise CabinetLoginError(f"a token from the idp does not verify: {type(exc).__name__}") from exc


def verify_login(
    *, id_token: str, access_token: str, key_pem: str, client_id: str, issuer: str
) -> VerifiedLogin:
    if _header(id_token).get("sbt") != "id":
        raise CabinetLoginError("the id_token is not an ESIA id token (sbt)")
    if _header(access_token).get("sbt") != "access":
        raise CabinetLoginError("the access token is not an ESIA access token (sbt)")
    id_claims = _decode(id_token, key_pem, audience=client_id, issuer=issuer)
    access = _decode(access_token, key_pem, options={"verify_aud": False})
    if access.get("client_id") != client_id:
        raise CabinetLoginError("the access token was issued to another client")
    oid = id_claims.get("sub")
    if not isinstance(oid, int | str) or str(oid) != str(access.get("urn:esia:sbj_id")):
        raise CabinetLoginError("the id_token and the access token name different people")
    sid = id_claims.get("urn:esia:sid") or None
    sbj = id_claims.get("urn:esia:sbj")
    trusted = isinstance(sbj, dict) and sbj.get("urn:esia:sbj:is_tru") is True
    acr, auth_time, thumbprint = _login_level(id_claims)
    return VerifiedLogin(
        oid=str(oid), sid=str(sid) if sid else None, trusted=trusted, acr=acr, auth_time=auth_time,
        thumbprint=thumbprint,
    )  # fmt: skip
