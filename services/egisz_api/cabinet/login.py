"""«Вход в ЕГИСЗ»: EGISZ logs in through the idp's ESIA face exactly as an ESIA relying party.

start: a fresh ``state`` (UUID v4, ESIA.md §3.1), stored hashed with a hash of a random browser
binding (the ``egisz_login`` cookie) and where to return; the browser goes to ``v2/ac`` (GOST
certificate) or ``ac`` (RSA, v1) with the signed ``client_secret``.

finish, in order (each refusal is :class:`CabinetLoginError`, a page saying to start again):
1. the state is one we issued and not used yet (consumed now: a replayed callback is refused);
2. it has not expired (``EGISZ_CABINET_LOGIN_MINUTES``);
3. this browser started it (the binding cookie matches: login CSRF, RFC 6749 §10.12);
4. the code is exchanged at ``v3/te`` (or ``te``) with a signed secret (the idp refuses a reused code);
5. the id_token and access token verify (:mod:`egisz_api.cabinet.tokens`);
6. the person is read over ``/rs/prns/{oid}`` (name, SNILS, ``trusted``) and ``/docs`` (a passport
   the registry verified → standard level), and with ``usr_org`` over ``/roles`` (a medical
   worker's organisations: one is chosen at once, several wait for «Выберите организацию»);
7. the Patient is found by SNILS — only for a standard or confirmed account, whose SNILS the state
   registry checked (a simplified account's SNILS is whatever the person typed: it must not open
   someone else's record); a session opens.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from egisz_api.cabinet import patients, repository, service
from egisz_api.cabinet.client_secret import ClientSigner, GostSigner, b64url, esia_timestamp
from egisz_api.cabinet.errors import CabinetLoginError
from egisz_api.cabinet.esia import EsiaGateway
from egisz_api.cabinet.levels import MAPPING_LEVEL, at_least, from_esia
from egisz_api.cabinet.models import CabinetLogin
from egisz_api.cabinet.schemas import CabinetPerson, LoggedInPerson, Membership, SessionPolicy
from egisz_api.cabinet.tokens import verify_login
from shared.contracts.roles import authority_role, egisz_role

DEFAULT_RETURN = "/cabinet"
#: what a signature step-up asks the idp for (RFC 9470 §4; the FHIR API's 401 names the same)
STEP_UP_ACR_VALUES = "urn:idp:acr:sig urn:idp:acr:qes"


@dataclass(frozen=True)
class EsiaClientConfig:
    client_id: str
    scopes: str
    redirect_uri: str
    issuer: str
    login_ttl: dt.timedelta


@dataclass(frozen=True)
class Started:
    url: str
    binding: str


@dataclass(frozen=True)
class Finished:
    #: the new session's cookie token; None after a step-up (the browser keeps its cookie)
    token: str | None
    person: CabinetPerson | None
    return_to: str


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def safe_return_to(value: str | None) -> str:
    """Only a cabinet path of this site (no open redirect through ``return_to``)."""
    if not value or not value.startswith(DEFAULT_RETURN) or "//" in value or "\\" in value:
        return DEFAULT_RETURN
    if any(ord(ch) < 0x21 for ch in value):
        return DEFAULT_RETURN
    rest = value[len(DEFAULT_RETURN) :]
    return value if rest == "" or rest[0] in "/?" else DEFAULT_RETURN


def start(
    db: Session,
    *,
    now: dt.datetime,
    config: EsiaClientConfig,
    signer: ClientSigner,
    esia_url: str,
    return_to: str | None,
    step_up_session: str | None = None,
) -> Started:
    """``step_up_session``: the ``id_hash`` of the cabinet session a signature step-up raises (the
    request asks the idp for :data:`STEP_UP_ACR_VALUES`; the callback raises that session)."""
    repository.purge_logins(db, now=now)
    state = str(uuid.uuid4())
    binding = secrets.token_urlsafe(32)
    repository.add(
        db,
        CabinetLogin(
            state_hash=_hash(state),
            binding_hash=_hash(binding),
            return_to=safe_return_to(return_to),
            session_hash=step_up_session,
            created_at=now,
            expires_at=now + config.login_ttl,
        ),
    )
    timestamp = esia_timestamp(now)
    params = {
        "client_id": config.client_id,
        "scope": config.scopes,
        "timestamp": timestamp,
        "state": state,
        "redirect_uri": config.redirect_uri,
        "response_type": "code",
        "access_type": "online",
    }
    if isinstance(signer, GostSigner):
        message = config.client_id + config.scopes + timestamp + state + config.redirect_uri
        params["client_certificate_hash"] = signer.certificate_hash
        path = "/aas/oauth2/v2/ac"
    else:
        message = config.scopes + timestamp + config.client_id + state
        path = "/aas/oauth2/ac"
    params["client_secret"] = b64url(signer.sign(message.encode()))
    if step_up_session is not None:
        params["acr_values"] = STEP_UP_ACR_VALUES  # not part of the signed client_secret message
    return Started(f"{esia_url.rstrip('/')}{path}?{urlencode(params)}", binding)


def _token_request(
    config: EsiaClientConfig, signer: ClientSigner, code: str, now: dt.datetime
) -> tuple[str, dict[str, str]]:
    timestamp = esia_timestamp(now)
    state = str(uuid.uuid4())  # a fresh state at te; the idp echoes it (ESIA.md §4.1)
    form = {
        "client_id": config.client_id,
        "code": code,
        "grant_type": "authorization_code",
        "scope": config.scopes,
        "timestamp": timestamp,
        "state": state,
        "redirect_uri": config.redirect_uri,
        "token_type": "Bearer",
    }
    if isinstance(signer, GostSigner):
        message = config.client_id + config.scopes + timestamp + state + config.redirect_uri + code
        form["client_certificate_hash"] = signer.certificate_hash
        path = "/aas/oauth2/v3/te"
    else:
        message = config.scopes + timestamp + config.client_id + state
        path = "/aas/oauth2/te"
    form["client_secret"] = b64url(signer.sign(message.encode()))
    return path, form


def finish(
    db: Session,
    *,
    now: dt.datetime,
    config: EsiaClientConfig,
    signer: ClientSigner,
    gateway: EsiaGateway,
    policy: SessionPolicy,
    state: str,
    code: str,
    binding: str,
    current_session: str | None = None,
) -> Finished:
    """``current_session``: the ``id_hash`` of the browser's cabinet cookie (a step-up must come
    back to the session that started it)."""
    pending = repository.take_login(db, _hash(state)) if state else None
    if pending is None:
        raise CabinetLoginError("unknown or already used state")
    if now >= pending.expires_at:
        raise CabinetLoginError("the login took too long")
    if not binding or not hmac.compare_digest(pending.binding_hash, _hash(binding)):
        raise CabinetLoginError("the login was started in another browser")
    if not code:
        raise CabinetLoginError("no code")
    if pending.session_hash is not None and pending.session_hash != current_session:
        raise CabinetLoginError("the step-up came back to another cabinet session")
    path, form = _token_request(config, signer, code, now)
    tokens = gateway.exchange(path, form)
    if tokens.get("state") != form["state"]:
        raise CabinetLoginError("the token answer does not echo our state")
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise CabinetLoginError("no id_token (is openid among the scopes?)")
    access_token = str(tokens["access_token"])
    try:
        verified = verify_login(
            id_token=id_token, access_token=access_token, key_pem=gateway.signing_key(),
            client_id=config.client_id, issuer=config.issuer,
        )  # fmt: skip
    except CabinetLoginError:
        # the idp may have rotated its key since it was fetched: one more try with the current one
        verified = verify_login(
            id_token=id_token, access_token=access_token, key_pem=gateway.signing_key(refresh=True),
            client_id=config.client_id, issuer=config.issuer,
        )  # fmt: skip
    if pending.session_hash is not None:
        raised = service.raise_login(
            db, pending.session_hash, oid=verified.oid, acr=verified.acr, acr_at=verified.auth_time,
            thumbprint=verified.thumbprint,
        )  # fmt: skip
        if not raised:
            raise CabinetLoginError("the step-up session ended or another person signed")
        return Finished(None, None, pending.return_to)
    who = _read_person(gateway, verified.oid, verified.sid, access_token, trusted_claim=verified.trusted)
    who = dataclasses.replace(
        who, acr=verified.acr, acr_at=verified.auth_time, thumbprint=verified.thumbprint
    )
    if ORG_SCOPE in config.scopes.split():
        who = _read_roles(gateway, who, access_token)
    if who.roles:
        # a health authority's session is for aggregates only (EGISZ.md §5 row 31): no Patient is
        # matched and no SNILS kept, so no cabinet page it reaches shows personal data
        who = dataclasses.replace(who, snils=None)
    patient_id = patients.patient_by_snils(db, who.snils) if at_least(who.level, MAPPING_LEVEL) else None
    token, person = service.open_session(db, who, patient_id=patient_id, now=now, policy=policy)
    return Finished(token, person, pending.return_to)


def _read_person(
    gateway: EsiaGateway, oid: str, sid: str | None, access_token: str, *, trusted_claim: bool
) -> LoggedInPerson:
    person = gateway.read(f"/rs/prns/{oid}", access_token)
    name = " ".join(
        str(person[k]) for k in ("lastName", "firstName", "middleName") if isinstance(person.get(k), str)
    )
    snils = person.get("snils") if isinstance(person.get("snils"), str) else None
    trusted = person.get("trusted") is True or trusted_claim
    return LoggedInPerson(
        oid=oid,
        idp_sid=sid,
        snils=snils,
        display_name=name or f"OID {oid}",
        level=from_esia(trusted=trusted, passport_verified=_passport_verified(gateway, oid, access_token)),
    )


#: ESIA.md §7.3: ``/rs/prns/{oid}/roles`` needs ``usr_org``
ORG_SCOPE = "usr_org"


def _read_roles(gateway: EsiaGateway, who: LoggedInPerson, access_token: str) -> LoggedInPerson:
    """The person's organisations (ESIA.md §7.3 ``/rs/prns/{oid}/roles``): a medical worker's
    (:func:`_memberships`), and a health authority's role (``authority_regional`` with its
    organisation's region, or ``authority_federal``) — which grants the reports, never a worker's
    pages. An inactive element, or one in a role EGISZ has no word for, grants nothing."""
    roles: dict[str, Any] = gateway.read(f"/rs/prns/{who.oid}/roles?embed=(elements)", access_token)
    elements = [
        e for e in roles.get("elements") or [] if isinstance(e, dict) and e.get("active") is not False
    ]
    granted: list[str] = []
    region = None
    for element in elements:
        role = authority_role(str(element.get("role") or ""))
        if role is None:
            continue
        granted.append(role)
        if role == "authority_regional" and isinstance(element.get("region"), str):
            region = element["region"]
    return dataclasses.replace(
        who, memberships=_memberships(elements), roles=tuple(sorted(set(granted))), region=region
    )


def _memberships(elements: list[dict[str, Any]]) -> tuple[Membership, ...]:
    """The organisations a medical worker works for, in a role EGISZ knows."""
    found = []
    for element in elements:
        role = egisz_role(str(element.get("role") or ""))
        if role is None or element.get("oid") is None:
            continue
        found.append(
            Membership(
                oid=str(element["oid"]),
                ogrn=str(element.get("ogrn") or ""),
                name=str(element.get("shortName") or element.get("fullName") or element["oid"]),
                role=role,
                position=str(element.get("position") or ""),
            )
        )
    return tuple(found)


def _passport_verified(gateway: EsiaGateway, oid: str, access_token: str) -> bool:
    docs: dict[str, Any] = gateway.read(f"/rs/prns/{oid}/docs?embed=(elements)", access_token)
    elements = docs.get("elements") or []
    return any(
        isinstance(e, dict) and e.get("type") == "RF_PASSPORT" and e.get("vrfStu") == "VERIFIED"
        for e in elements
    )
