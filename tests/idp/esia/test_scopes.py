"""ESIA.md §6: the scope catalogue, ``scope``/``scope_org`` parsing and the consent page's texts."""

from __future__ import annotations

from idp.esia import scopes
from idp.login.i18n import scope_text


def test_person_scopes_are_short_names():
    found = scopes.parse("openid fullname snils")
    assert found.person == ["openid", "fullname", "snils"] and not found.unknown


def test_a_person_scope_in_long_form_is_unknown():
    found = scopes.parse("http://esia.gosuslugi.ru/fullname")
    assert "http://esia.gosuslugi.ru/fullname" in found.unknown


def test_organisation_scopes_short_long_and_in_scope_org():
    found = scopes.parse(
        "openid org_emps?org_oid=1 http://esia.gosuslugi.ru/org_shortname?org_oid=2",
        "org_ogrn?org_oid=3",
    )
    assert found.granted == ["openid", "org_emps?org_oid=1", "org_shortname?org_oid=2", "org_ogrn?org_oid=3"]
    assert found.names == {"openid", "org_emps", "org_shortname", "org_ogrn"}
    assert found.org_oids == {"1", "2", "3"}


def test_an_organisation_scope_needs_one_numeric_org_oid():
    for item in ("org_emps", "org_emps?org_oid=abc", "org_emps?org_oid=1&org_oid=2"):
        assert item in scopes.parse(item).unknown, item


def test_a_person_scope_in_scope_org_is_refused():
    assert "fullname" in scopes.parse("openid", "fullname").unknown


def test_an_unescaped_plus_separates_scopes():
    assert scopes.parse("openid+fullname").person == ["openid", "fullname"]


def test_the_consent_page_names_esia_scopes_in_both_languages():
    assert scope_text("medical_doc", "ru") == "Полис ОМС"
    assert scope_text("medical_doc", "en") == "Compulsory medical insurance policy"
    assert scope_text("org_emps?org_oid=7", "ru") == "Сотрудники организации (организация 7)"
    assert scope_text("org_emps?org_oid=7", "en") == "The organisation's employees (organisation 7)"
    # the OIDC face's texts are unchanged
    assert scope_text("profile", "en") == "Name, birth date, gender"


def test_every_catalogue_scope_has_both_texts():
    for table in (scopes.PERSON_SCOPES, scopes.KID_SCOPES, scopes.ORG_SCOPES):
        for name, texts in table.items():
            assert texts["ru"] and texts["en"], name
