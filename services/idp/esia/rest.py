"""The ESIA REST API for person and organisation data (ESIA.md §7): one service per path family,
called by :mod:`idp.esia.rest_routes` in a worker thread after the token was checked on the loop.

The checks, in order (each a named function raising one error):

1. the token (:func:`idp.esia.access.verify_access_token`, 401) — done by the route;
2. :func:`check_subject`: ``/rs/prns/{oid}`` only for the token's own subject (403; IDOR);
3. :func:`check_collection_scope` / :func:`check_org_scope`: the scope the resource needs (403,
   ESIA.md §7.4), and for a person's token on ``/rs/orgs/{org_oid}``, that the person still works
   there (ESIA-007194's rule, read again at each request);
4. the resource itself (404).

Refusals at steps 2-3 are written to the security log (``esia_rest_refused``: the client, what was
asked, why; never the data). Fields inside a resource are released by scope (``snils`` only with
``snils``...). Collections answer URLs built from ``esia_public_url``, or the objects with
``?embed=(elements)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from idp.accounts.protection import FieldCipher
from idp.audit import service as audit
from idp.esia import formats, people
from idp.esia.access import EsiaAccess, EsiaScopeError, EsiaSubjectError
from idp.esia.people import Person
from shared.errors import NotFoundError

#: collection path → the scopes that open it (any one of them)
COLLECTION_SCOPES: dict[str, tuple[str, ...]] = {
    "ctts": ("contacts", "email", "mobile"),
    "addrs": ("addresses",),
    "docs": ("id_doc", "medical_doc"),
    "kids": (
        "kid_fullname",
        "kid_birthdate",
        "kid_gender",
        "kid_snils",
        "kid_birth_cert_doc",
    ),
    "vhls": ("vehicles",),
    "roles": ("usr_org",),
    "orgs": ("usr_org",),
}
#: ``embed`` names on the person (``contacts.elements``...) → collection path
EMBEDS: dict[str, str] = {
    "contacts": "ctts",
    "addresses": "addrs",
    "documents": "docs",
    "kids": "kids",
    "vehicles": "vhls",
    "roles": "roles",
    "organizations": "orgs",
}
#: person scope → the fields of ``/rs/prns/{oid}`` it releases (ESIA.md §6, §7.1)
PERSON_SCOPE_FIELDS: dict[str, tuple[str, ...]] = {
    "fullname": ("firstName", "lastName", "middleName"),
    "birthdate": ("birthDate",),
    "gender": ("gender",),
    "snils": ("snils",),
    "inn": ("inn",),
    "birthplace": ("birthPlace",),
    "id_doc": ("rIdDoc",),
}
#: ids of what comes from the account's own columns: ``oid * 10 + n`` (record rows use their id)
MOBILE, EMAIL, PASSPORT = 1, 2, 3


class EsiaResourceNotFoundError(NotFoundError):
    code = "not_found"
    title = "No such resource"


@dataclass(frozen=True)
class RestContext:
    """What the REST services need, built once in main.py."""

    session_factory: sessionmaker[Session]
    write_session_factory: sessionmaker[Session]
    cipher: FieldCipher
    #: public base URL of the element URLs, no trailing slash
    base_url: str


@dataclass(frozen=True)
class Request:
    """A normalised REST path: ``/rs/prns//1/ctts/`` → ``("1", "ctts")``; ``embed`` parsed."""

    segments: tuple[str, ...]
    embed: frozenset[str]
    #: for the security log
    client_ip: str | None = None


def _not_found() -> EsiaResourceNotFoundError:
    return EsiaResourceNotFoundError("No such resource.")


def _number(segment: str) -> int:
    if not segment.isdigit() or len(segment) > 18:
        raise _not_found()
    return int(segment)


def _refuse(
    ctx: RestContext,
    access: EsiaAccess,
    request: Request,
    error: Exception,
    *,
    reason: str,
    person_oid: int | None = None,
    org_oid: int | None = None,
) -> Exception:
    """Log the refusal (its own transaction: the read has none to join) and return the error."""
    with ctx.write_session_factory() as session:
        account_id = people.account_id_of(session, person_oid) if person_oid is not None else None
        audit.record_event(
            session,
            event_type="esia_rest_refused",
            result="failure",
            actor=f"client:{access.client_id}"[:160],
            account_id=account_id,
            ip=request.client_ip,
            details={
                "client_id": access.client_id,
                "reason": reason,
                "subject_oid": access.oid,
                "person_oid": person_oid,
                "org_oid": org_oid,
                "resource": "/".join(request.segments[1:2]) or "root",
            },
        )
        session.commit()
    return error


# --- the checks ---------------------------------------------------------------------------------
def check_subject(ctx: RestContext, access: EsiaAccess, request: Request, oid: int) -> None:
    """``/rs/prns/{oid}`` is about the token's own subject only (a system token has none)."""
    if access.oid is None or access.oid != oid:
        raise _refuse(
            ctx,
            access,
            request,
            EsiaSubjectError("The token does not belong to this person.", realm="esia"),
            reason="not_subject",
            person_oid=oid,
        )


def check_collection_scope(ctx: RestContext, access: EsiaAccess, request: Request, name: str) -> None:
    needed = COLLECTION_SCOPES[name]
    if not access.has_any(*needed):
        raise _refuse(
            ctx,
            access,
            request,
            EsiaScopeError(f"The token lacks the scope for /{name}.", realm="esia", scope=" ".join(needed)),
            reason="missing_scope",
            person_oid=access.oid,
        )


def check_org_scope(
    ctx: RestContext, session: Session, access: EsiaAccess, request: Request, org_oid: int, needed: str | None
) -> frozenset[str]:
    """The token's scopes about ``org_oid`` (some, and ``needed`` if given); a person's token also
    needs the person to work there now."""
    granted = access.org(org_oid)
    if not granted or (needed is not None and needed not in granted):
        scope = needed or "org_shortname org_fullname org_ogrn"
        raise _refuse(
            ctx,
            access,
            request,
            EsiaScopeError("The token lacks the organisation scope.", realm="esia", scope=scope),
            reason="missing_org_scope",
            org_oid=org_oid,
        )
    if access.oid is not None and not people.works_in(session, access.oid, org_oid):
        raise _refuse(
            ctx,
            access,
            request,
            EsiaScopeError("The person does not work in this organisation.", realm="esia"),
            reason="not_employee",
            org_oid=org_oid,
        )
    return granted


# --- person -------------------------------------------------------------------------------------
def person_resource(ctx: RestContext, access: EsiaAccess, request: Request) -> dict[str, Any]:
    """``/rs/prns/{oid}``, ``/rs/prns/{oid}/{collection}``, ``/rs/prns/{oid}/{collection}/{id}``."""
    segments = request.segments
    if not segments or len(segments) > 3:
        raise _not_found()
    oid = _number(segments[0])
    check_subject(ctx, access, request, oid)
    if len(segments) > 1 and segments[1] not in COLLECTION_SCOPES:
        raise _not_found()
    if len(segments) > 1:
        check_collection_scope(ctx, access, request, segments[1])
    with ctx.session_factory() as session:
        wants_orgs = len(segments) > 1 and segments[1] in ("roles", "orgs")
        wants_orgs = wants_orgs or any(e.split(".")[0] in ("roles", "organizations") for e in request.embed)
        person = people.load_person(session, ctx.cipher, oid, memberships=wants_orgs)
    if person is None:
        raise _not_found()
    if len(segments) == 1:
        return _person(ctx, access, person, request.embed)
    name = segments[1]
    if len(segments) == 2:
        embedded = "elements" in request.embed or name == "roles"
        return _collection(ctx, access, person, name, embedded=embedded)
    item_id = _number(segments[2])
    for item_url, item in _items(ctx, access, person, name):
        if item_url.rsplit("/", 1)[-1] == str(item_id):
            return item
    raise _not_found()


def _url(ctx: RestContext, *parts: object) -> str:
    return "/".join([ctx.base_url, "rs", *(str(p) for p in parts)])


def _person(ctx: RestContext, access: EsiaAccess, person: Person, embed: frozenset[str]) -> dict[str, Any]:
    birth_place = person.of_kind("birth_place")
    citizenship = person.of_kind("citizenship")
    values: dict[str, Any] = {
        "firstName": person.first_name,
        "lastName": person.last_name,
        "middleName": person.middle_name,
        "birthDate": formats.esia_date(person.birth_date),
        "birthPlace": birth_place[0].data["value"] if birth_place else None,
        "gender": person.gender,
        "snils": formats.esia_snils(person.key["snils"]) if person.key.get("snils") else None,
        "inn": person.key.get("inn") or None,
        "rIdDoc": person.oid * 10 + PASSPORT if person.key.get("passport_number") else None,
    }
    body: dict[str, Any] = {"stateFacts": ["EntityRoot"]}
    for scope, names in PERSON_SCOPE_FIELDS.items():
        if scope in access.scopes:
            body.update({name: values[name] for name in names if values[name] is not None})
    body.update(
        {
            "trusted": person.confirmed,
            "updatedOn": int(person.updated_at.timestamp()),
            "status": "REGISTERED",
            "verifying": False,
            "containsUpCfmCode": False,
        }
    )
    if citizenship:
        body["citizenship"] = citizenship[0].data["value"]
    # ESIA.md §7.1: ?embed=(contacts.elements,documents.elements,...): what the scopes open, inline
    for entry in sorted(embed):
        name, _, rest = entry.partition(".")
        path = EMBEDS.get(name)
        if path is None or not access.has_any(*COLLECTION_SCOPES[path]):
            continue
        body[name] = _collection(ctx, access, person, path, embedded=rest == "elements" or path == "roles")
    return formats.with_etag(body)


def _collection(
    ctx: RestContext, access: EsiaAccess, person: Person, name: str, *, embedded: bool
) -> dict[str, Any]:
    items = _items(ctx, access, person, name)
    return formats.collection([item if embedded else url for url, item in items])


def _items(
    ctx: RestContext, access: EsiaAccess, person: Person, name: str
) -> list[tuple[str, dict[str, Any]]]:
    """(absolute URL, object) of each element the token may see, in a stable order."""
    builders: dict[str, Callable[[EsiaAccess, Person], Iterable[tuple[int, dict[str, Any]]]]] = {
        "ctts": _contacts,
        "addrs": _addresses,
        "docs": _documents,
        "kids": _kids,
        "vhls": _vehicles,
    }
    if name in ("roles", "orgs"):
        return _organisations(ctx, person, name)
    return [
        (_url(ctx, "prns", person.oid, name, item_id), item)
        for item_id, item in builders[name](access, person)
    ]


def _contacts(access: EsiaAccess, person: Person) -> Iterable[tuple[int, dict[str, Any]]]:
    everything = "contacts" in access.scopes
    if person.phone and (everything or "mobile" in access.scopes):
        item_id = person.oid * 10 + MOBILE
        yield item_id, formats.contact(item_id, "MBT", person.phone, person.phone_verified)
    if person.email and (everything or "email" in access.scopes):
        item_id = person.oid * 10 + EMAIL
        yield item_id, formats.contact(item_id, "EML", person.email, person.email_verified)


def _documents(access: EsiaAccess, person: Person) -> Iterable[tuple[int, dict[str, Any]]]:
    if "id_doc" in access.scopes and person.key.get("passport_number"):
        item_id = person.oid * 10 + PASSPORT
        yield item_id, formats.passport(item_id, person.key, person.registry_passed)
    if "medical_doc" in access.scopes:
        for view in person.of_kind("medical_policy"):
            yield view.id, formats.medical_policy(view.id, view.data, view.etag)


def _addresses(access: EsiaAccess, person: Person) -> Iterable[tuple[int, dict[str, Any]]]:
    for view in person.of_kind("address"):
        yield view.id, formats.address(view.id, view.data, view.etag)


def _vehicles(access: EsiaAccess, person: Person) -> Iterable[tuple[int, dict[str, Any]]]:
    for view in person.of_kind("vehicle"):
        yield view.id, formats.vehicle(view.id, view.data, view.etag)


def _kids(access: EsiaAccess, person: Person) -> Iterable[tuple[int, dict[str, Any]]]:
    fields = [s.removeprefix("kid_") for s in access.scopes if s.startswith("kid_")]
    for view in person.of_kind("child"):
        yield view.id, formats.kid(view.id, view.data, fields)


def _organisations(ctx: RestContext, person: Person, name: str) -> list[tuple[str, dict[str, Any]]]:
    result = []
    for membership in person.memberships:
        org = asdict(membership)
        url = _url(ctx, "orgs", membership.org_oid)
        if name == "roles":
            result.append(
                (_url(ctx, "prns", person.oid, "roles", membership.org_oid), formats.role(person.oid, org))
            )
        else:
            summary = {**org, "oid": membership.org_oid}
            result.append(
                (
                    url,
                    formats.organization(summary, ("org_shortname", "org_fullname", "org_ogrn", "org_type")),
                )
            )
    return result


# --- organisation -------------------------------------------------------------------------------
def organization_resource(ctx: RestContext, access: EsiaAccess, request: Request) -> dict[str, Any]:
    """``/rs/orgs/{org_oid}``, ``/rs/orgs/{org_oid}/emps``, ``/rs/orgs/{org_oid}/emps/{prn_oid}``."""
    segments = request.segments
    if not segments or len(segments) > 3 or (len(segments) > 1 and segments[1] != "emps"):
        raise _not_found()
    org_oid = _number(segments[0])
    with ctx.session_factory() as session:
        granted = check_org_scope(
            ctx, session, access, request, org_oid, "org_emps" if len(segments) > 1 else None
        )
        org = people.load_organization(session, org_oid)
        if org is None:
            raise _not_found()
        if len(segments) == 1:
            return formats.organization(org, granted)
        staff = people.load_employees(session, org_oid)
    items = [(_url(ctx, "orgs", org_oid, "emps", e["oid"]), formats.employee(e)) for e in staff]
    if len(segments) == 2:
        embedded = "elements" in request.embed
        return formats.collection([item if embedded else url for url, item in items])
    wanted = _number(segments[2])
    for _, item in items:
        if item["id"] == wanted:
            return item
    raise _not_found()
