"""R-ACC-2 field validation: each rule attacked with what a careless or hostile person would type."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from idp.accounts import validation as v
from idp.accounts.validation_messages import MESSAGES, message

TODAY = dt.date(2025, 6, 1)
VALID_FORM: dict[str, Any] = {
    "last_name": "Петрова",
    "first_name": "Анна",
    "middle_name": "Сергеевна",
    "birth_date": "1990-01-02",
    "snils": "112-233-445 95",
    "inn": "500100732259",
    "phone": "+7 (916) 111-22-33",
    "email": "Anna.Petrova@Example.COM",
    "passport_series": "45 08",
    "passport_number": "123456",
    "passport_issue_date": "2010-02-01",
    "passport_issuer": "Отделением УФМС России по г. Москве",
    "passport_division_code": "770-001",
    "password": "Correct-Horse-9",
}


def code_of(check: Callable[[], object]) -> str:
    with pytest.raises(v.FieldError) as caught:
        check()
    return caught.value.code


# --- SNILS -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["112-233-445 95", "11223344595", "112 233 445 95", "112-233-445-95"])
def test_snils_accepted_with_or_without_separators_and_stored_as_11_digits(typed: str) -> None:
    assert v.validate_snils(typed) == "11223344595"


@pytest.mark.parametrize(
    ("snils", "branch"),
    [
        ("110-704-341 93", "sum below 100 is the check number"),
        ("050-234-316 00", "sum of 100 gives 00"),
        ("016-103-396 00", "sum of 101 gives 00"),
        ("291-417-776 94", "sum above 101: 195 mod 101 = 94"),
        ("820-981-233 00", "sum above 101 whose remainder is 100 gives 00"),
    ],
)
def test_snils_checksum_branches(snils: str, branch: str) -> None:
    assert v.validate_snils(snils) == re.sub(r"\D", "", snils), branch


@pytest.mark.parametrize("snils", ["112-233-445 96", "112-233-445 59", "110-704-341 94", "291-417-776 00"])
def test_snils_with_a_wrong_check_number_is_refused(snils: str) -> None:
    assert code_of(lambda: v.validate_snils(snils)) == "snils_checksum"


def test_snils_check_applies_only_above_001_001_998() -> None:
    assert v.validate_snils("001-001-998 17") == "00100199817"
    assert code_of(lambda: v.validate_snils("001-001-999 17")) == "snils_checksum"


@pytest.mark.parametrize(
    "snils",
    ["1122334459", "112233445950", "112-233-445", "112-233-44A 95", "112--233-445 95", "１１２-233-445 95"],
)
def test_snils_of_the_wrong_shape_is_a_format_error(snils: str) -> None:
    assert code_of(lambda: v.validate_snils(snils)) == "snils_format"


def test_format_snils() -> None:
    assert v.format_snils("11223344595") == "112-233-445 95"


# --- INN -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("inn", ["500100732259", "770708389324", " 366406939705 "])
def test_valid_personal_inn(inn: str) -> None:
    assert v.validate_inn(inn) == inn.strip()


@pytest.mark.parametrize("inn", ["500100732269", "500100732258", "770708389334", "000000000001"])
def test_inn_with_a_wrong_control_digit_is_refused(inn: str) -> None:
    assert code_of(lambda: v.validate_inn(inn)) == "inn_checksum"


@pytest.mark.parametrize("inn", ["7707083893", "5001007322599", "5001-0073-2259", "50010073225O"])
def test_inn_that_is_not_12_digits_is_refused(inn: str) -> None:
    # 7707083893 is a valid 10-digit (organisation) INN: not a personal one
    assert code_of(lambda: v.validate_inn(inn)) == "inn_format"


# --- phone -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed", ["+79161112233", "89161112233", "+7 (916) 111-22-33", "8 916 111 22 33", "8-916-111-22-33"]
)
def test_mobile_phone_becomes_e164(typed: str) -> None:
    assert v.validate_phone(typed) == "+79161112233"


@pytest.mark.parametrize(
    "typed",
    [
        "9161112233",  # 10 digits
        "+7916111223",  # 10 digits after +7
        "+791611122334",  # 12 digits
        "79161112233",  # neither +7 nor 8
        "+89161112233",
        "+19161112233",
        "8916111223a",
        "+7 916 111 22 33; DROP TABLE accounts",
        "+7 916 111 22 33 " + "1" * 400,
    ],
)
def test_phone_of_the_wrong_shape_is_refused(typed: str) -> None:
    assert code_of(lambda: v.validate_phone(typed)) in ("phone_format", "too_long")


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("+7 495 123-45-67", "Moscow landline"),
        ("8 812 123 45 67", "St Petersburg landline"),
        ("8 800 555 35 35", "toll-free"),
        ("+7 701 123 45 67", "Kazakhstan shares +7"),
    ],
)
def test_phone_that_is_not_a_russian_mobile_is_refused(typed: str, why: str) -> None:
    assert code_of(lambda: v.validate_phone(typed)) == "phone_not_mobile", why


# --- e-mail ----------------------------------------------------------------------------------------
def test_email_domain_is_lowercased_and_local_part_kept() -> None:
    assert v.validate_email("  Anna.Petrova@Example.COM ") == "Anna.Petrova@example.com"
    assert v.email_key("Anna.Petrova@example.com") == v.email_key("anna.petrova@EXAMPLE.com")


@pytest.mark.parametrize("typed", ["ivan@", "ivan@localhost", "ivan@mail", "ivan@.ru", "ivan@ru."])
def test_email_without_a_domain_is_refused(typed: str) -> None:
    assert code_of(lambda: v.validate_email(typed)) == "email_domain"


@pytest.mark.parametrize(
    "typed",
    ["ivan", "ivan.mail.ru", "@mail.ru", "iv an@mail.ru", "ivan@@mail.ru", "<script>@mail.ru", "a@b@mail.ru"],
)
def test_malformed_email_is_refused(typed: str) -> None:
    assert code_of(lambda: v.validate_email(typed)) == "email_format"


def test_test_domains_only_when_allowed() -> None:
    assert code_of(lambda: v.validate_email("anna@example.test")) == "email_format"
    assert v.validate_email("anna@example.test", allow_test_domains=True) == "anna@example.test"


# --- dates -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    ["02.01.1990", "1990-1-2", "1990/01/02", "19900102", "１９９０-01-02"],
)
def test_malformed_birth_date_says_wrong_date_format(typed: str) -> None:
    with pytest.raises(v.FieldError) as caught:
        v.validate_birth_date(typed, today=TODAY)
    assert caught.value.code == "date_format"
    assert caught.value.message() == "Неверный формат даты"
    assert caught.value.message("en") == "Invalid date format"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1990-02-30", "date_no_such_day"),
        ("2020-02-31", "date_no_such_day"),
        ("1990-13-01", "date_no_such_month"),
        ({"day": "31", "month": "02", "year": "2020"}, "date_no_such_day"),
        ({"day": "1", "month": "13", "year": "2020"}, "date_no_such_month"),
    ],
)
def test_a_well_formed_date_that_does_not_exist_says_so(typed: object, code: str) -> None:
    with pytest.raises(v.FieldError) as caught:
        v.validate_birth_date(typed, today=TODAY)
    assert caught.value.code == code
    assert caught.value.message().startswith("Такой даты нет")
    assert "формат" not in caught.value.message()


@pytest.mark.parametrize(
    "parts",
    [
        {"day": "3l", "month": "02", "year": "2020"},
        {"day": "1", "month": "02", "year": "20"},
        {"day": "", "month": "02", "year": "2020"},
        {"day": "１", "month": "02", "year": "2020"},  # fullwidth digit
        {"day": "1", "month": "02", "year": "2020" * 100},
    ],
)
def test_date_boxes_that_are_not_numbers_say_what_is_expected(parts: dict[str, str]) -> None:
    with pytest.raises(v.FieldError) as caught:
        v.validate_birth_date(parts, today=TODAY)
    assert caught.value.code == "date_parts_format"
    assert "день, месяц и год" in caught.value.message()


def test_date_boxes_give_the_day() -> None:
    assert v.validate_birth_date({"day": "7", "month": "5", "year": "1990"}, today=TODAY) == dt.date(
        1990, 5, 7
    )


def test_birth_date_in_the_future_is_refused_with_the_seed_message() -> None:
    with pytest.raises(v.FieldError) as caught:
        v.validate_birth_date("2025-06-02", today=TODAY)
    assert caught.value.message() == "Дата рождения не может быть в будущем"


def test_birth_date_today_and_the_earliest_allowed() -> None:
    assert v.validate_birth_date("2025-06-01", today=TODAY) == TODAY
    assert v.validate_birth_date("1900-01-01", today=TODAY) == dt.date(1900, 1, 1)
    assert code_of(lambda: v.validate_birth_date("1899-12-31", today=TODAY)) == "birth_date_too_early"


def test_birth_date_depends_on_the_given_clock_not_the_real_one() -> None:
    assert v.validate_birth_date("2030-01-01", today=dt.date(2030, 1, 1)) == dt.date(2030, 1, 1)


# --- passport --------------------------------------------------------------------------------------
@pytest.mark.parametrize("series", ["45АБ", "45AB", "450", "45088", "4 508", "45-08", "٤٥٠٨"])
def test_passport_series_must_be_four_digits(series: str) -> None:
    assert code_of(lambda: v.validate_passport_series(series)) == "passport_series_format"


def test_passport_series_with_the_customary_space() -> None:
    assert v.validate_passport_series("45 08") == "4508"


@pytest.mark.parametrize("number", ["12345", "1234567", "12345A", "123 456"])
def test_passport_number_must_be_six_digits(number: str) -> None:
    assert code_of(lambda: v.validate_passport_number(number)) == "passport_number_format"


def test_passport_issue_date_rules() -> None:
    born = dt.date(1990, 1, 2)

    def check(typed: str, born: dt.date | None = born) -> dt.date:
        return v.validate_passport_issue_date(typed, today=TODAY, birth_date=born)

    assert check("2004-01-02") == dt.date(2004, 1, 2)  # the 14th birthday
    assert code_of(lambda: check("2004-01-01")) == "passport_issue_date_too_early"
    assert code_of(lambda: check("2025-06-02")) == "passport_issue_date_future"
    assert code_of(lambda: check("01.02.2010", None)) == "date_format"


def test_passport_at_14_for_someone_born_on_29_february() -> None:
    born = dt.date(2008, 2, 29)

    def check(typed: str) -> dt.date:
        return v.validate_passport_issue_date(typed, today=TODAY, birth_date=born)

    assert code_of(lambda: check("2022-02-28")) == "passport_issue_date_too_early"
    assert check("2022-03-01") == dt.date(2022, 3, 1)


def test_passport_issuer_length_and_invisible_characters() -> None:
    assert v.validate_passport_issuer("  ОВД   района\n Арбат ") == "ОВД района Арбат"
    assert code_of(lambda: v.validate_passport_issuer("ОВ")) == "passport_issuer_length"
    assert code_of(lambda: v.validate_passport_issuer("О" * 201)) == "passport_issuer_length"
    assert code_of(lambda: v.validate_passport_issuer("ОВД\x00района")) == "text_invalid_chars"
    assert code_of(lambda: v.validate_passport_issuer("ОВД\u200bрайона")) == "text_invalid_chars"


@pytest.mark.parametrize(("typed", "clean"), [("770-001", "770-001"), ("770001", "770-001")])
def test_division_code(typed: str, clean: str) -> None:
    assert v.validate_division_code(typed) == clean


@pytest.mark.parametrize("typed", ["77-0001", "770 001", "7700011", "77O-001"])
def test_division_code_of_the_wrong_shape(typed: str) -> None:
    assert code_of(lambda: v.validate_division_code(typed)) == "passport_division_code_format"


# --- names -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("Иванов", "Иванов"),
        ("  Римский-Корсаков ", "Римский-Корсаков"),
        ("Анна   Мария", "Анна Мария"),
        ("д’Артаньян", "д'Артаньян"),
        ("O'Neil", "O'Neil"),
        ("Müller", "Müller"),
        ("Ёлкина", "Ёлкина"),
        ("Сергеи\u0306", "Сергей"),  # decomposed й becomes one character (NFC)
        ("Я", "Я"),
    ],
)
def test_valid_names_are_normalised(typed: str, clean: str) -> None:
    assert v.validate_name(typed) == clean


@pytest.mark.parametrize(
    ("typed", "code", "bad"),
    [
        ("Ивaнов", "name_mixed_scripts", "a"),  # Latin a
        ("Петрoв", "name_mixed_scripts", "o"),  # Latin o
        ("Сeргеев", "name_mixed_scripts", "e"),
        ("Cмирнов", "name_mixed_scripts", "C"),  # Latin C
        ("Kузнецoва", "name_mixed_scripts", "K, o"),
        ("Smithа", "name_mixed_scripts_cyrillic", "а"),  # Cyrillic а in a Latin name
        ("Οрлов", "name_foreign_script", "Ο"),  # Greek capital omicron
        ("Ивαнов", "name_foreign_script", "α"),
        ("Іванов", "name_foreign_script", "І"),  # Ukrainian І
        ("Ｉvanov", "name_foreign_script", "Ｉ"),  # fullwidth
        ("Ив0нов", "name_digits", "0"),  # digit zero for О
        ("3айцев", "name_digits", "3"),  # digit three for З
        ("Иванов2", "name_digits", "2"),
        ("Иванов!", "name_invalid_chars", "!"),
        ("<b>Иванов</b>", "name_invalid_chars", "<, >, /"),
        ("Иванов\u0301", "name_invalid_chars", "U+0301"),
    ],
)
def test_look_alike_and_foreign_characters_are_named_in_the_refusal(typed: str, code: str, bad: str) -> None:
    with pytest.raises(v.FieldError) as caught:
        v.validate_name(typed)
    assert caught.value.code == code
    assert caught.value.params["chars"] == bad
    if code == "name_invalid_chars":
        # what is allowed, without quoting back what may be markup
        assert bad not in caught.value.message() and "буквы" in caught.value.message()
    else:
        assert bad in caught.value.message()


def test_markup_in_a_name_is_not_described_as_digits() -> None:
    with pytest.raises(v.FieldError) as caught:
        v.validate_name("<script>alert(1)</script>")
    assert caught.value.code == "name_invalid_chars"
    text = caught.value.message()
    assert "Цифры" not in text and "<" not in text and "«1»" not in text
    assert "буквы" in text and "дефис" in text and "апостроф" in text


@pytest.mark.parametrize("invisible", ["\u200d", "\u200c", "\u200b", "\u2060", "\ufeff", "\u00ad", "\u200e"])
def test_invisible_characters_in_a_name_are_refused(invisible: str) -> None:
    assert code_of(lambda: v.validate_name(f"Ива{invisible}нов")) == "name_invisible_chars"


@pytest.mark.parametrize("typed", ["-Иван", "Иван-", "'Иван", "Иван -", "- -"])
def test_name_must_begin_and_end_with_a_letter(typed: str) -> None:
    assert code_of(lambda: v.validate_name(typed)) == "name_format"


def test_name_length() -> None:
    assert v.validate_name("Я" * 60) == "Я" * 60
    assert code_of(lambda: v.validate_name("Я" * 61)) == "name_length"
    assert code_of(lambda: v.validate_name("   ")) == "required"


def test_full_name_is_written_in_one_alphabet() -> None:
    form = {**VALID_FORM, "first_name": "John"}
    clean, errors = v.validate_registration(form, today=TODAY)
    assert [(e.field, e.code) for e in errors] == [("first_name", "name_script_differs")]
    assert "first_name" not in clean
    foreign = {**VALID_FORM, "last_name": "Smith", "first_name": "John", "middle_name": None}
    clean, errors = v.validate_registration(foreign, today=TODAY)
    assert errors == []
    assert (clean["last_name"], clean["first_name"], clean["middle_name"]) == ("Smith", "John", None)


# --- passwords -------------------------------------------------------------------------------------
def test_password_length_bounds() -> None:
    assert v.validate_password("xK9#mP2$vL") == "xK9#mP2$vL"  # exactly 10
    assert code_of(lambda: v.validate_password("xK9#mP2$v")) == "password_too_short"
    longest = "Lq8#mz3!" * 16
    assert v.validate_password(longest) == longest  # 128
    assert code_of(lambda: v.validate_password(longest + "y")) == "password_too_long"


@pytest.mark.parametrize(
    "password",
    [
        "1234567890",
        "password123",
        "Password123!",
        "PASSWORD2024!!",
        "Passw0rd!2024",
        "qwerty123456",
        "Qwerty12345!",
        "1q2w3e4r5t",
        "1q2w3e4r5t6y",
        "йцукен12345",
        "ЙЦУКЕН!!!!!!",
        "пароль2024!",
        "gfhjkm12345",  # «пароль» typed with the Latin layout
        "ghbdtn2024!",  # «привет»
        "qwertyuiop",
        "iloveyou!!!",
        "aaaaaaaaaa",
        "1212121212",
    ],
)
def test_common_passwords_are_refused_whatever_the_suffix(password: str) -> None:
    assert code_of(lambda: v.validate_password(password)) == "password_common"


def test_a_common_word_inside_a_longer_passphrase_is_fine() -> None:
    assert v.validate_password("my password is long enough") == "my password is long enough"


@pytest.mark.parametrize(
    ("password", "login"),
    [
        ("anna.petrova@example.com", {"email": "Anna.Petrova@example.com"}),
        ("Anna.Petrova2024", {"email": "Anna.Petrova@example.com"}),
        ("89161112233", {"phone": "+79161112233"}),
        ("my-916-111-22-33", {"phone": "+79161112233"}),
        ("11223344595", {"snils": "11223344595"}),
        ("snils 112-233-445 95", {"snils": "11223344595"}),
    ],
)
def test_password_equal_to_or_containing_the_login_is_refused(password: str, login: dict[str, str]) -> None:
    logins = v.login_variants(**login)
    assert code_of(lambda: v.validate_password(password, logins=logins)) == "password_contains_login"


def test_registration_checks_the_password_against_the_form_logins() -> None:
    form = {**VALID_FORM, "password": "Anna.Petrova!!"}
    _, errors = v.validate_registration(form, today=TODAY)
    assert [(e.field, e.code) for e in errors] == [("password", "password_contains_login")]


def test_password_is_never_altered() -> None:
    assert v.validate_password("  spaced out Pass  ") == "  spaced out Pass  "


def test_the_shipped_list_has_a_few_hundred_entries() -> None:
    lines = Path(v.COMMON_PASSWORDS_FILE).read_text(encoding="utf-8").splitlines()
    words = [w for w in lines if w.strip() and not w.startswith("#")]
    assert len(words) >= 300
    assert {"123456", "password", "qwerty", "йцукен", "1q2w3e4r", "passw0rd!"} <= v.common_passwords()


# --- markup, SQL and junk are just text ------------------------------------------------------------
HOSTILE = [
    "<script>alert(1)</script>",
    "'; DROP TABLE accounts; --",
    '" OR 1=1 --',
    "{{7*7}}",
    "${jndi:ldap://x}",
    "%s%s%n",
    "\x00",
    "\ud800",
    "A" * 10_000,
    "١٢٣٤٥٦٧٨٩٠١",
]
VALIDATORS: list[Callable[[Any], object]] = [
    v.validate_snils,
    v.validate_inn,
    v.validate_phone,
    v.validate_email,
    lambda x: v.validate_birth_date(x, today=TODAY),
    v.validate_passport_series,
    v.validate_passport_number,
    lambda x: v.validate_passport_issue_date(x, today=TODAY),
    v.validate_passport_issuer,
    v.validate_division_code,
    v.validate_name,
    v.validate_password,
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("check", VALIDATORS)
def test_hostile_input_never_crashes_a_validator(check: Callable[[Any], object], value: str) -> None:
    try:
        result = check(value)
    except v.FieldError as exc:
        refused = exc
    else:
        assert result == value  # accepted only unchanged (issuer, password)
        return
    assert refused.message() and refused.message("en")


def test_markup_and_sql_in_free_text_come_back_unchanged() -> None:
    text = "ОВД <b>Арбат</b>'; DROP TABLE accounts; --"
    assert v.validate_passport_issuer(text) == text
    assert v.validate_password("<script>'; DROP x") == "<script>'; DROP x"


def test_random_unicode_only_ever_raises_field_error() -> None:
    rng = random.Random(2025)
    alphabet = [chr(c) for c in range(0x20, 0x3000) if not 0xD800 <= c <= 0xDFFF] + ["\u200d", "\x00", "-"]
    for _ in range(400):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        for check in VALIDATORS:
            with contextlib.suppress(v.FieldError):
                check(value)


@pytest.mark.parametrize("value", [None, 12345678901, ["112-233-445 95"], {"a": 1}, b"11223344595"])
def test_non_string_values_are_refused_not_crashed_on(value: object) -> None:
    for check in VALIDATORS:
        assert code_of(partial(check, value)) in ("required", "invalid_type")


# --- the whole form --------------------------------------------------------------------------------
def test_valid_form_comes_back_normalised() -> None:
    clean, errors = v.validate_registration(VALID_FORM, today=TODAY)
    assert errors == []
    assert clean == {
        "last_name": "Петрова",
        "first_name": "Анна",
        "middle_name": "Сергеевна",
        "birth_date": dt.date(1990, 1, 2),
        "snils": "11223344595",
        "inn": "500100732259",
        "phone": "+79161112233",
        "email": "Anna.Petrova@example.com",
        "passport_series": "4508",
        "passport_number": "123456",
        "passport_issue_date": dt.date(2010, 2, 1),
        "passport_issuer": "Отделением УФМС России по г. Москве",
        "passport_division_code": "770-001",
        "password": "Correct-Horse-9",
    }


def test_every_wrong_field_is_reported_at_once_in_form_order() -> None:
    form = {
        "last_name": "Ивaнов",
        "first_name": "",
        "birth_date": "02.01.1990",
        "snils": "112-233-445 96",
        "inn": "500100732258",
        "phone": "+7 495 123-45-67",
        "email": "ivan@",
        "passport_series": "45AB",
        "passport_number": "12345",
        "passport_issue_date": "2030-01-01",
        "passport_issuer": "X",
        "passport_division_code": "77-0001",
        "password": "qwerty123456",
        "unexpected": "<script>",
    }
    clean, errors = v.validate_registration(form, today=TODAY)
    assert [(e.field, e.code) for e in errors] == [
        ("last_name", "name_mixed_scripts"),
        ("first_name", "required"),
        ("birth_date", "date_format"),
        ("snils", "snils_checksum"),
        ("inn", "inn_checksum"),
        ("phone", "phone_not_mobile"),
        ("email", "email_domain"),
        ("passport_series", "passport_series_format"),
        ("passport_number", "passport_number_format"),
        ("passport_issue_date", "passport_issue_date_future"),
        ("passport_issuer", "passport_issuer_length"),
        ("passport_division_code", "passport_division_code_format"),
        ("password", "password_common"),
    ]
    assert clean == {"middle_name": None}
    assert errors[2].as_dict() == {
        "field": "birth_date",
        "code": "date_format",
        "message": "Неверный формат даты",
    }


def test_passport_issue_date_is_checked_against_the_form_birth_date() -> None:
    form = {**VALID_FORM, "birth_date": "2000-05-05", "passport_issue_date": "2014-05-04"}
    _, errors = v.validate_registration(form, today=TODAY)
    assert [(e.field, e.code, e.params) for e in errors] == [
        ("passport_issue_date", "passport_issue_date_too_early", {"min_date": "2014-05-05"})
    ]


def test_invalid_fields_error_renders_every_message() -> None:
    _, errors = v.validate_registration({**VALID_FORM, "birth_date": "1990"}, today=TODAY)
    exc = v.InvalidFieldsError(errors, locale="en")
    assert (exc.status_code, exc.code) == (422, "invalid_fields")
    assert exc.extra["errors"] == [
        {"field": "birth_date", "code": "date_format", "message": "Invalid date format"}
    ]


# --- messages --------------------------------------------------------------------------------------
def test_every_code_raised_has_both_languages() -> None:
    source = Path(v.__file__).read_text(encoding="utf-8")
    raised = set(re.findall(r'FieldError\([^,]+, "([a-z_]+)"', source))
    assert len(raised) >= 30
    assert raised <= set(MESSAGES)
    for code, texts in MESSAGES.items():
        assert texts.get("ru") and texts.get("en"), code


def test_message_falls_back_to_russian_and_tolerates_missing_params() -> None:
    assert message("date_format", "de") == "Неверный формат даты"
    assert message("password_too_short", "en") == "The password must have at least {min} characters"
    assert message("password_too_short", "ru", min=10) == "Пароль должен содержать не менее 10 символов"
