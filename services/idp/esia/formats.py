"""ESIA's JSON shapes for the REST API (ESIA.md §7): field names, date and number formats, the
collection envelope and the ``embed`` parameter. Plain functions over plain values, no data access.

- dates ``DD.MM.YYYY``; SNILS ``XXX-XXX-XXX YY``; phones ``+7(XXX)XXXXXXX``;
- ``eTag``: 40 hex. A stored record brings its own (new at every change); a view built on the fly
  gets the SHA-1 of its canonical JSON, so it changes exactly when what the client sees changes;
- a collection is ``{"stateFacts": ["hasSize"], "size", "eTag", "elements"}``, its elements either
  absolute URLs or, with ``embed``, the objects themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

#: our record fields → ESIA's names (ESIA.md §7.2 "Addresses", "Documents", "Vehicles")
ADDRESS_FIELDS: Mapping[str, str] = {
    "type": "type",
    "address_str": "addressStr",
    "fias_code": "fiasCode",
    "country_id": "countryId",
    "zip_code": "zipCode",
    "region": "region",
    "city": "city",
    "district": "district",
    "area": "area",
    "settlement": "settlement",
    "street": "street",
    "house": "house",
    "building": "building",
    "frame": "frame",
    "flat": "flat",
    "addition_area": "additionArea",
    "addition_area_street": "additionAreaStreet",
}

_EMBED = re.compile(r"^\(?([A-Za-z.,\s]*)\)?$")


def esia_date(value: dt.date | str | None) -> str | None:
    """``2024-02-01`` (a date or its ISO text) → ``01.02.2024``."""
    if value is None:
        return None
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    return day.strftime("%d.%m.%Y")


def esia_snils(digits: str) -> str:
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def esia_phone(e164: str) -> str:
    """``+79160000006`` → ``+7(916)0000006``."""
    digits = e164.removeprefix("+7")
    return f"+7({digits[:3]}){digits[3:]}"


def etag_of(value: Any) -> str:
    canonical = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(canonical.encode(), usedforsecurity=False).hexdigest()


def with_etag(item: dict[str, Any], etag: str | None = None) -> dict[str, Any]:
    item["eTag"] = etag or etag_of(item)
    return item


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v is not None}


def parse_embed(value: str | None) -> frozenset[str]:
    """``(contacts.elements,documents.elements)`` → ``{"contacts.elements", "documents.elements"}``;
    parentheses optional; anything unreadable embeds nothing (ESIA ignores what it does not know)."""
    if not value:
        return frozenset()
    match = _EMBED.match(value.strip())
    if match is None:
        return frozenset()
    return frozenset(part.strip() for part in match.group(1).split(",") if part.strip())


def collection(elements: list[Any]) -> dict[str, Any]:
    """The envelope of a collection (ESIA.md §7.2)."""
    return {"stateFacts": ["hasSize"], "size": len(elements), "eTag": etag_of(elements), "elements": elements}


# --- elements ----------------------------------------------------------------------------------
def contact(item_id: int, kind: str, value: str, verified: bool) -> dict[str, Any]:
    """``MBT`` (mobile) or ``EML`` (e-mail); only those two can be verified (ESIA.md §7.2)."""
    shown = esia_phone(value) if kind in ("MBT", "PHN") else value
    return with_etag(
        {
            "stateFacts": ["Identifiable"],
            "id": item_id,
            "type": kind,
            "vrfStu": "VERIFIED" if verified else "NOT_VERIFIED",
            "value": shown,
        }
    )


def passport(item_id: int, fields: Mapping[str, str], verified: bool) -> dict[str, Any]:
    """``RF_PASSPORT`` from the account's sealed passport fields (opened)."""
    return with_etag(
        _clean(
            {
                "stateFacts": ["Identifiable"],
                "id": item_id,
                "type": "RF_PASSPORT",
                "vrfStu": "VERIFIED" if verified else "NOT_VERIFIED",
                "series": fields.get("passport_series") or None,
                "number": fields.get("passport_number") or None,
                "issueDate": esia_date(fields.get("passport_issue_date") or None),
                "issueId": (fields.get("passport_division_code") or "").replace("-", "") or None,
                "issuedBy": fields.get("passport_issuer") or None,
            }
        )
    )


def medical_policy(item_id: int, data: Mapping[str, Any], etag: str) -> dict[str, Any]:
    """``MDCL_PLCY``: the ОМС policy (ESIA.md §7.2)."""
    return with_etag(
        _clean(
            {
                "stateFacts": ["Identifiable"],
                "id": item_id,
                "type": "MDCL_PLCY",
                "vrfStu": "NOT_VERIFIED",
                "series": data.get("series"),
                "number": data.get("number"),
                "issueDate": esia_date(data.get("issue_date")),
                "issuedBy": data.get("issued_by"),
                "expiryDate": esia_date(data.get("expiry_date")),
            }
        ),
        etag,
    )


def birth_certificate(item_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    return with_etag(
        _clean(
            {
                "stateFacts": ["Identifiable"],
                "id": item_id,
                "type": "RF_BRTH_CERT",
                "vrfStu": "NOT_VERIFIED",
                "series": data.get("series"),
                "number": data.get("number"),
                "issueDate": esia_date(data.get("issue_date")),
                "issuedBy": data.get("issued_by"),
                "actNo": data.get("act_no"),
                "actDate": esia_date(data.get("act_date")),
            }
        )
    )


def address(item_id: int, data: Mapping[str, Any], etag: str) -> dict[str, Any]:
    item: dict[str, Any] = {"stateFacts": ["Identifiable"], "id": item_id}
    item.update({ADDRESS_FIELDS[k]: v for k, v in data.items() if k in ADDRESS_FIELDS and v is not None})
    return with_etag(item, etag)


def vehicle(item_id: int, data: Mapping[str, Any], etag: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "stateFacts": ["Identifiable"],
        "id": item_id,
        "name": data.get("name"),
        "numberPlate": data.get("number_plate"),
    }
    certificate = data.get("reg_certificate")
    if certificate:
        item["regCertificate"] = {"series": certificate.get("series"), "number": certificate.get("number")}
    return with_etag(item, etag)


def kid(item_id: int, data: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """A child, with the fields its ``kid_*`` scopes release (``fullname``, ``birthdate``,
    ``gender``, ``snils``, ``birth_cert_doc``)."""
    granted = set(fields)
    item: dict[str, Any] = {"stateFacts": ["Identifiable"], "id": item_id}
    if "fullname" in granted:
        item.update(
            _clean(
                {
                    "firstName": data.get("first_name"),
                    "lastName": data.get("last_name"),
                    "middleName": data.get("middle_name"),
                }
            )
        )
    if "birthdate" in granted:
        item["birthDate"] = esia_date(data.get("birth_date"))
    if "gender" in granted:
        item["gender"] = data.get("gender")
    if "snils" in granted and data.get("snils"):
        item["snils"] = esia_snils(str(data["snils"]))
    certificate = data.get("birth_certificate")
    if "birth_cert_doc" in granted and certificate:
        item["documents"] = collection([birth_certificate(item_id * 10 + 1, certificate)])
    return with_etag(item)


def role(prn_oid: int, org: Mapping[str, Any]) -> dict[str, Any]:
    """An element of ``/rs/prns/{oid}/roles`` (ESIA.md §7.3): the organisation, inline."""
    return {
        "oid": org["org_oid"],
        "prnOid": prn_oid,
        "fullName": org["full_name"],
        "shortName": org["short_name"],
        "ogrn": org["ogrn"],
        "type": org["type"],
        "chief": org["chief"],
        "admin": org["admin"],
        "phone": org.get("phone"),
        "email": org.get("email"),
        "active": org["active"],
        # not ESIA's: the employment's position and EGISZ role (docs/organizations.md «Claims»),
        # and the organisation's region (a regional health authority's, for EGISZ's reports)
        "position": org.get("position"),
        "role": org.get("role"),
        "region": org.get("region_code"),
        "hasRightOfSubstitution": False,
        "hasApprovalTabAccess": False,
        "isLiquidated": False,
    }


#: organisation scope → the fields of ``/rs/orgs/{org_oid}`` it releases
ORG_SCOPE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "org_shortname": ("shortName",),
    "org_fullname": ("fullName",),
    "org_type": ("type",),
    "org_ogrn": ("ogrn",),
    "org_inn": ("inn",),
    "org_kpp": ("kpp",),
    "org_leg": ("leg",),
    "org_agencyterrange": ("agencyTerRange",),
    "org_ctts": ("phone", "email"),
}


def organization(org: Mapping[str, Any], scopes: Iterable[str]) -> dict[str, Any]:
    """``/rs/orgs/{org_oid}``: ``oid`` always, the rest by scope (shape [inferred], ESIA.md §7.3)."""
    values = {
        "shortName": org["short_name"],
        "fullName": org["full_name"],
        "type": org["type"],
        "ogrn": org["ogrn"],
        "inn": org["inn"],
        "kpp": org.get("kpp"),
        "leg": "LEGAL_ENTITY",
        "agencyTerRange": org.get("region_code"),
        "phone": org.get("phone"),
        "email": org.get("email"),
    }
    item: dict[str, Any] = {"stateFacts": ["Identifiable"], "oid": org["oid"]}
    for scope in scopes:
        for name in ORG_SCOPE_FIELDS.get(scope, ()):
            if values.get(name) is not None:
                item[name] = values[name]
    item["active"] = org["active"]
    return with_etag(item)


def employee(person: Mapping[str, Any]) -> dict[str, Any]:
    """An element of ``/rs/orgs/{org_oid}/emps`` (shape [inferred]): the person's oid and names,
    the position and flags of the employment."""
    return with_etag(
        _clean(
            {
                "stateFacts": ["Identifiable"],
                "id": person["oid"],
                "prnOid": person["oid"],
                "lastName": person.get("last_name"),
                "firstName": person.get("first_name"),
                "middleName": person.get("middle_name"),
                "position": person.get("position"),
                "chief": person.get("chief"),
                "admin": person.get("admin"),
                "active": person.get("active"),
            }
        )
    )
