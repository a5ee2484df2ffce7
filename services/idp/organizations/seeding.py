"""Demo medical organisations, who works in them, and the demo people's records (``make run``,
dev mode only). Idempotent: a second run finds everything in place and changes nothing.

Fictional organisations with valid OGRN and INN check digits, one in Moscow (77) and one in
St Petersburg (78); the demo doctor, a second doctor, a nurse and a lab worker employed in them;
a regional health authority (Moscow) and the ministry, each with one demo employee (authority roles);
every demo account gets an ОМС policy, a registration address and citizenship, the demo citizen
also a child and a car (ESIA.md §7.2).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import records
from idp.accounts import service as accounts_service
from idp.accounts.protection import FieldCipher
from idp.organizations import service
from idp.organizations.service import OrganizationSpec

MOSCOW = OrganizationSpec(
    ogrn="1027700999017",
    inn="7709990015",
    kpp="770901001",
    full_name="Государственное бюджетное учреждение здравоохранения города Москвы «Городская поликлиника "
    "№ 999 Департамента здравоохранения города Москвы» (демо)",
    short_name="ГБУЗ «ГП № 999 ДЗМ» (демо)",
    region_code="77",
    region_name="Москва",
    phone="+74959990999",
    email="gp999@example.test",
)
SAINT_PETERSBURG = OrganizationSpec(
    ogrn="1027800999027",
    inn="7809990026",
    kpp="780901001",
    full_name="Санкт-Петербургское государственное бюджетное учреждение здравоохранения «Городская "
    "поликлиника № 999» (демо)",
    short_name="СПб ГБУЗ «ГП № 999» (демо)",
    region_code="78",
    region_name="Санкт-Петербург",
    phone="+78129990999",
    email="spb999@example.test",
)
#: the health authorities whose staff read EGISZ's aggregate reports (EGISZ.md §5 row 31)
MOSCOW_AUTHORITY = OrganizationSpec(
    ogrn="1027700999039",
    inn="7709990030",
    full_name="Департамент здравоохранения города Москвы (демо)",
    short_name="ДЗМ (демо)",
    region_code="77",
    region_name="Москва",
)
MINISTRY = OrganizationSpec(
    ogrn="1047700999048",
    inn="7709990047",
    full_name="Министерство здравоохранения Российской Федерации (демо)",
    short_name="Минздрав России (демо)",
    region_code="77",
    region_name="Москва",
)
#: login → (organisation, position, role)
STAFF: list[tuple[str, OrganizationSpec, str, str]] = [
    ("doctor@example.test", MOSCOW, "Врач-терапевт участковый", "doctor"),
    ("nurse@example.test", MOSCOW, "Медицинская сестра участковая", "nurse"),
    ("lab@example.test", MOSCOW, "Медицинский лабораторный техник", "lab"),
    ("doctor2@example.test", SAINT_PETERSBURG, "Врач-хирург", "doctor"),
    # the demo doctor works in two organisations: the EGISZ cabinet asks which one (docs/cabinet.md)
    ("doctor@example.test", SAINT_PETERSBURG, "Врач-терапевт (совместитель)", "doctor"),
    ("authority@example.test", MOSCOW_AUTHORITY, "Главный специалист отдела статистики", "authority_reg"),
    ("minzdrav@example.test", MINISTRY, "Консультант департамента мониторинга", "authority_fed"),
]
#: login → (ОМС policy number, registration address)
PEOPLE: dict[str, tuple[str, str, str]] = {
    "ivanov@example.test": ("7700000000000017", "Москва", "ул. Демонстрационная, д. 1, кв. 1"),
    "petrova@example.test": ("7700000000000025", "Москва", "ул. Демонстрационная, д. 2, кв. 5"),
    "sidorov@example.test": ("7800000000000033", "Санкт-Петербург", "Демо-проспект, д. 3, кв. 7"),
    "kuznetsova@example.test": ("7700000000000041", "Москва", "ул. Демонстрационная, д. 4, кв. 9"),
    "smirnov@example.test": ("7700000000000058", "Москва", "ул. Демонстрационная, д. 5, кв. 11"),
    "doctor@example.test": ("7700000000000066", "Москва", "ул. Демонстрационная, д. 6, кв. 13"),
    "doctor2@example.test": ("7800000000000074", "Санкт-Петербург", "Демо-проспект, д. 7, кв. 15"),
    "nurse@example.test": ("7700000000000082", "Москва", "ул. Демонстрационная, д. 8, кв. 17"),
    "lab@example.test": ("7700000000000090", "Москва", "ул. Демонстрационная, д. 9, кв. 19"),
}
CITIZEN = "ivanov@example.test"
CHILD = {
    "last_name": "Иванова",
    "first_name": "Алиса",
    "middle_name": "Ивановна",
    "birth_date": "2016-05-20",
    "gender": "F",
    "snils": "901-234-567 64",
    "birth_certificate": {
        "series": "IV-МЮ",
        "number": "654321",
        "issue_date": "2016-06-01",
        "act_no": "1234",
    },
}
CAR = {
    "name": "LADA Granta",
    "number_plate": "А999АА77",
    "reg_certificate": {"series": "7799", "number": "999999"},
}


def _ensure(session: Session, cipher: FieldCipher, account_id: int, kind: str, data: dict[str, Any]) -> None:
    if not records.has_record(session, account_id, kind):
        records.add_record(session, cipher, account_id, kind, data)


def _records(session: Session, cipher: FieldCipher, login: str, account_id: int) -> None:
    policy, city, street = PEOPLE[login]
    insurer = "АО «Демо-Мед» (страховая медицинская организация)"
    policy_data = {"number": policy, "issue_date": "2021-01-15", "issued_by": insurer}
    _ensure(session, cipher, account_id, "medical_policy", policy_data)
    region = "г. Москва" if city == "Москва" else "г. Санкт-Петербург"
    address = {
        "type": "PRG",
        "address_str": f"{region}, {street}",
        "country_id": "RUS",
        "region": city,
        "city": city,
        "zip_code": "101000" if city == "Москва" else "190000",
        "street": street.split(",")[0],
    }
    _ensure(session, cipher, account_id, "address", address)
    _ensure(session, cipher, account_id, "citizenship", {"value": "RUS"})
    if login == CITIZEN:
        _ensure(session, cipher, account_id, "birth_place", {"value": "г. Москва"})
        _ensure(session, cipher, account_id, "child", CHILD)
        _ensure(session, cipher, account_id, "vehicle", CAR)


def seed_organizations(session: Session, cipher: FieldCipher) -> list[dict[str, Any]]:
    """The demo organisations and their staff; every demo account's records. Returns what
    ``var/demo.json`` and the ``make run`` banner list."""
    summary: dict[str, dict[str, Any]] = {}
    for spec in (MOSCOW, SAINT_PETERSBURG, MOSCOW_AUTHORITY, MINISTRY):
        org = service.ensure_organization(session, spec)
        summary[spec.ogrn] = {
            "oid": org.oid,
            "name": spec.short_name,
            "ogrn": spec.ogrn,
            "region": f"{spec.region_code} {spec.region_name}",
            "employees": [],
        }
    for login, spec, position, role in STAFF:
        account = accounts_service.find_by_login(session, cipher, login)
        if account is None:
            continue
        org = service.ensure_organization(session, spec)
        service.ensure_employment(session, account.id, org, position=position, role=role)
        summary[spec.ogrn]["employees"].append(f"{login} ({position})")
    for login in PEOPLE:
        account = accounts_service.find_by_login(session, cipher, login)
        if account is not None:
            _records(session, cipher, login, account.id)
    return list(summary.values())
