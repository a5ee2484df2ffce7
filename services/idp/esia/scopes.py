"""The ESIA scope catalogue (ESIA.md §6) with the consent page's texts, and the parsing of ``scope``
and ``scope_org``.

Person and children's scopes are short names (``fullname``; the long form
``http://esia.gosuslugi.ru/fullname`` was refused by ESIA for person scopes, ESIA.md §6). An
organisation scope names its organisation: ``org_emps?org_oid=123``, the full URL
``http://esia.gosuslugi.ru/org_emps?org_oid=123`` (ESIA.md §4.3), or a bare name in ``scope_org``
whose organisation comes with ``?org_oid=`` too. No data access here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

#: the prefix of ESIA's long scope names
ESIA_SCOPE_BASE = "http://esia.gosuslugi.ru/"

_T = dict[str, str]


def _t(ru: str, en: str) -> _T:
    return {"ru": ru, "en": en}


PERSON_SCOPES: dict[str, _T] = {
    "openid": _t("Ваш идентификатор", "Your identifier"),
    "fullname": _t("ФИО", "Full name"),
    "birthdate": _t("Дата рождения", "Birth date"),
    "gender": _t("Пол", "Gender"),
    "snils": _t("СНИЛС", "SNILS (insurance number)"),
    "inn": _t("ИНН", "INN (taxpayer number)"),
    "id_doc": _t("Паспорт гражданина РФ", "Russian passport"),
    "birthplace": _t("Место рождения", "Place of birth"),
    "medical_doc": _t("Полис ОМС", "Compulsory medical insurance policy"),
    "military_doc": _t("Военный билет", "Military ID"),
    "foreign_passport_doc": _t("Заграничный паспорт", "International passport"),
    "drivers_licence_doc": _t("Водительское удостоверение", "Driving licence"),
    "birth_cert_doc": _t("Свидетельство о рождении", "Birth certificate"),
    "residence_doc": _t("Вид на жительство", "Residence permit"),
    "temporary_residence_doc": _t("Разрешение на временное проживание", "Temporary residence permit"),
    "vehicles": _t("Транспортные средства", "Vehicles"),
    "email": _t("Адрес электронной почты", "E-mail address"),
    "mobile": _t("Номер мобильного телефона", "Mobile phone number"),
    "contacts": _t("Контактные данные", "Contact details"),
    "addresses": _t("Адреса", "Addresses"),
    "usr_org": _t("Организации, в которых вы работаете", "The organisations you work for"),
    "usr_avt": _t("Ваша фотография", "Your photo"),
    "self_employed": _t("Статус самозанятого", "Self-employed status"),
    "history_passport_doc": _t("Прежние паспорта", "Earlier passports"),
    "ndfl_person": _t("Сведения о доходах (2-НДФЛ)", "Income statements (2-NDFL)"),
    "death_cert_doc": _t("Свидетельство о смерти", "Death certificate"),
    "prm_chg": _t("Изменение согласий цифрового профиля", "Changes of digital profile consents"),
}
KID_SCOPES: dict[str, _T] = {
    "kid_fullname": _t("ФИО детей", "Your children's full names"),
    "kid_birthdate": _t("Даты рождения детей", "Your children's birth dates"),
    "kid_gender": _t("Пол детей", "Your children's gender"),
    "kid_snils": _t("СНИЛС детей", "Your children's SNILS"),
    "kid_inn": _t("ИНН детей", "Your children's INN"),
    "kid_birth_cert_doc": _t("Свидетельства о рождении детей", "Your children's birth certificates"),
    "kid_medical_doc": _t("Полисы ОМС детей", "Your children's medical insurance policies"),
    "kid_mobile": _t("Телефоны детей", "Your children's phone numbers"),
    "kid_email": _t("Адреса электронной почты детей", "Your children's e-mail addresses"),
}
ORG_SCOPES: dict[str, _T] = {
    "org_shortname": _t("Краткое наименование организации", "The organisation's short name"),
    "org_fullname": _t("Полное наименование организации", "The organisation's full name"),
    "org_type": _t("Тип организации", "The organisation's type"),
    "org_ogrn": _t("ОГРН организации", "The organisation's OGRN"),
    "org_inn": _t("ИНН организации", "The organisation's INN"),
    "org_leg": _t("Организационно-правовая форма", "The organisation's legal form"),
    "org_kpp": _t("КПП организации", "The organisation's KPP"),
    "org_agencyterrange": _t("Территориальная принадлежность органа власти", "The agency's territory"),
    "org_agencytype": _t("Тип органа власти", "The agency's type"),
    "org_oktmo": _t("ОКТМО организации", "The organisation's OKTMO"),
    "org_ctts": _t("Контакты организации", "The organisation's contacts"),
    "org_addrs": _t("Адреса организации", "The organisation's addresses"),
    "org_vhls": _t("Транспортные средства организации", "The organisation's vehicles"),
    "org_grps": _t("Группы доступа организации", "The organisation's access groups"),
    "org_emps": _t("Сотрудники организации", "The organisation's employees"),
    "org_brhs": _t("Филиалы организации", "The organisation's branches"),
    "org_brhs_ctts": _t("Контакты филиалов", "The branches' contacts"),
    "org_brhs_addrs": _t("Адреса филиалов", "The branches' addresses"),
    "org_rcs": _t("Реестр организации", "The organisation's registers"),
    "org_stms": _t("Системы организации", "The organisation's systems"),
    "org_invts": _t("Приглашения в организацию", "Invitations to the organisation"),
    "categories": _t("Категории организации", "The organisation's categories"),
    "org_ra": _t("Полномочия представителей организации", "The organisation's representatives"),
}
#: every scope name the face knows
KNOWN: frozenset[str] = frozenset(PERSON_SCOPES) | frozenset(KID_SCOPES) | frozenset(ORG_SCOPES)


@dataclass(frozen=True)
class OrgScope:
    name: str
    org_oid: str

    def __str__(self) -> str:
        """The granted form, as it goes into the code, the consent and the token's ``scope``."""
        return f"{self.name}?org_oid={self.org_oid}"


@dataclass
class RequestedScopes:
    """``scope`` and ``scope_org`` of one request, sorted into what the face knows and what not."""

    person: list[str] = field(default_factory=list)
    org: list[OrgScope] = field(default_factory=list)
    #: values that are no scope of the catalogue, or malformed ones, with why
    unknown: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> set[str]:
        """The scope names, without organisations: what ``clients.scopes`` must allow."""
        return set(self.person) | {s.name for s in self.org}

    @property
    def granted(self) -> list[str]:
        """Person scopes, then organisation scopes with their ``?org_oid=``, no duplicates."""
        seen: dict[str, None] = dict.fromkeys([*self.person, *(str(s) for s in self.org)])
        return list(seen)

    @property
    def org_oids(self) -> set[str]:
        return {s.org_oid for s in self.org}


def parse(scope: str, scope_org: str = "") -> RequestedScopes:
    """Both parameters (space separated; a ``+`` not URL-decoded counts as a space too)."""
    found = RequestedScopes()
    for item in scope.replace("+", " ").split():
        _one(item, found, in_scope_org=False)
    for item in scope_org.replace("+", " ").split():
        _one(item, found, in_scope_org=True)
    return found


def _one(item: str, found: RequestedScopes, *, in_scope_org: bool) -> None:
    long_form = item.startswith(ESIA_SCOPE_BASE)
    parts = urlsplit(item[len(ESIA_SCOPE_BASE) :] if long_form else item)
    name = parts.path
    query = parse_qs(parts.query)
    if name in ORG_SCOPES:
        oids = query.get("org_oid", [])
        if len(oids) != 1 or not oids[0].isdigit():
            found.unknown[item] = f"the organisation scope {name} needs one ?org_oid=<digits>"
        else:
            found.org.append(OrgScope(name, oids[0]))
        return
    if name in PERSON_SCOPES or name in KID_SCOPES:
        if long_form or parts.query:
            found.unknown[item] = f"a person scope is its short name alone: {name}"
        elif in_scope_org:
            found.unknown[item] = f"{name} is not an organisation scope; send it in scope"
        else:
            found.person.append(name)
        return
    found.unknown[item] = "not a scope of the ESIA catalogue (ESIA.md §6)"


def describe(scope: str, locale: str) -> str | None:
    """The consent page's line for a granted scope (``org_emps?org_oid=1`` too); None if unknown."""
    name, _, query = scope.partition("?")
    entry = PERSON_SCOPES.get(name) or KID_SCOPES.get(name) or ORG_SCOPES.get(name)
    if entry is None:
        return None
    line = entry.get(locale, entry["ru"])
    oid = parse_qs(query).get("org_oid", [""])[0]
    if oid:
        line += f" ({'организация' if locale == 'ru' else 'organisation'} {oid})"
    return line
