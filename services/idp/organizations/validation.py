"""Rules for organisation identifiers and the employment vocabulary (no data access).

OGRN (ОГРН, 13 digits): its last digit is the remainder of the first twelve (as a number) divided
by 11, taken mod 10. INN of a legal entity (10 digits): weighted sum of the first nine with
2 4 10 3 5 9 4 6 8, mod 11, mod 10. KPP (КПП): 9 characters, digits except positions 5-6 which may
be capital letters (ФНС order ММВ-7-6/435@). The region is the two-digit subject code (77 Москва,
78 Санкт-Петербург...), which the OGRN also carries in its digits 4-5.
"""

from __future__ import annotations

import re

#: roles of a medical worker in an organisation, the words EGISZ.md §5 uses for its roles
#: (``doctor`` is EGISZ's ``practitioner``); ``chief`` is the head physician (главный врач);
#: ``authority_reg``/``authority_fed``: staff of a regional health authority or of the federal
#: ministry (EGISZ's ``authority_regional``/``authority_federal``, shared.contracts.roles)
ROLES: tuple[str, ...] = ("doctor", "nurse", "lab", "registrar", "chief", "authority_reg", "authority_fed")
#: ESIA's organisation type (ESIA.md §7.3: only ``LEGAL`` is documented)
TYPES: tuple[str, ...] = ("LEGAL",)

_OGRN = re.compile(r"^\d{13}$")
_INN10 = re.compile(r"^\d{10}$")
_KPP = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
_REGION = re.compile(r"^\d{2}$")
_INN_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def ogrn_check_digit(first12: str) -> int:
    return int(first12) % 11 % 10


def ogrn_problem(value: str) -> str | None:
    """Why ``value`` is not a valid OGRN, or None."""
    if not _OGRN.match(value):
        return "OGRN must be 13 digits."
    if ogrn_check_digit(value[:12]) != int(value[12]):
        return "OGRN check digit does not match."
    return None


def inn_check_digit(first9: str) -> int:
    return sum(int(d) * w for d, w in zip(first9, _INN_WEIGHTS, strict=True)) % 11 % 10


def inn_problem(value: str) -> str | None:
    """Why ``value`` is not a valid INN of a legal entity, or None."""
    if not _INN10.match(value):
        return "INN of an organisation must be 10 digits."
    if inn_check_digit(value[:9]) != int(value[9]):
        return "INN check digit does not match."
    return None


def kpp_problem(value: str) -> str | None:
    return None if _KPP.match(value) else "KPP must be 9 characters: 4 digits, 2 digits or letters, 3 digits."


def region_problem(code: str) -> str | None:
    return None if _REGION.match(code) and code != "00" else "Region code must be two digits (e.g. 77)."


def role_problem(role: str) -> str | None:
    return None if role in ROLES else f"Role must be one of: {', '.join(ROLES)}."
