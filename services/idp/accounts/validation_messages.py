"""What a person reads when a registration or profile field is refused (R-ACC-2), in ru and en.

Keyed by the stable ``code`` of :class:`idp.accounts.validation.FieldError`; a form shows the text
next to the field the error names. ``{placeholders}`` are filled from the error's ``params``.
Russian is the default; the two seeds' own wording is kept where they quote it.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "required": {"ru": "Заполните поле", "en": "This field is required"},
    "invalid_type": {"ru": "Неверное значение", "en": "Invalid value"},
    "too_long": {
        "ru": "Слишком длинное значение: не больше {max} символов",
        "en": "The value is too long: at most {max} characters",
    },
    # uniqueness (R-ACC-3): which field is taken, never by whom
    "already_registered": {
        "ru": "Уже используется другой учётной записью. Если это ваши данные, восстановите доступ к ней.",
        "en": "Already used by another account. If it is yours, recover access to it.",
    },
    # SNILS and INN
    "snils_format": {
        "ru": "СНИЛС должен состоять из 11 цифр: XXX-XXX-XXX YY",
        "en": "SNILS must have 11 digits: XXX-XXX-XXX YY",
    },
    "snils_checksum": {
        "ru": "Неверный СНИЛС: не сходится контрольное число",
        "en": "Invalid SNILS: the check digits do not match",
    },
    "inn_format": {
        "ru": "ИНН физического лица должен состоять из 12 цифр",
        "en": "A personal INN must have 12 digits",
    },
    "inn_checksum": {
        "ru": "Неверный ИНН: не сходятся контрольные цифры",
        "en": "Invalid INN: the check digits do not match",
    },
    # contacts
    "phone_format": {
        "ru": "Номер телефона должен состоять из 11 цифр и начинаться с +7 или 8",
        "en": "The phone number must have 11 digits and start with +7 or 8",
    },
    "phone_not_mobile": {
        "ru": "Укажите номер мобильного телефона российского оператора",
        "en": "Enter the number of a Russian mobile phone",
    },
    "email_format": {
        "ru": "Неверный адрес электронной почты",
        "en": "Invalid e-mail address",
    },
    "email_domain": {
        "ru": "Укажите адрес электронной почты с доменом, например name@mail.ru",
        "en": "Enter an e-mail address with a domain, e.g. name@example.com",
    },
    # dates
    "date_format": {"ru": "Неверный формат даты", "en": "Invalid date format"},
    "date_parts_format": {
        "ru": "Введите дату цифрами: день, месяц и год, например 17 05 1990",
        "en": "Enter the date in numbers: day, month and year, e.g. 17 05 1990",
    },
    "date_no_such_day": {
        "ru": "Такой даты нет: в этом месяце нет {day}-го числа",
        "en": "There is no such date: this month has no day {day}",
    },
    "date_no_such_month": {
        "ru": "Такой даты нет: месяц — число от 1 до 12",
        "en": "There is no such date: the month is a number from 1 to 12",
    },
    "birth_date_future": {
        "ru": "Дата рождения не может быть в будущем",
        "en": "The birth date cannot be in the future",
    },
    "birth_date_too_early": {
        "ru": "Дата рождения не может быть раньше {min_date}",
        "en": "The birth date cannot be earlier than {min_date}",
    },
    # passport
    "passport_series_format": {
        "ru": "Серия паспорта — 4 цифры",
        "en": "The passport series is 4 digits",
    },
    "passport_number_format": {
        "ru": "Номер паспорта — 6 цифр",
        "en": "The passport number is 6 digits",
    },
    "passport_issue_date_future": {
        "ru": "Дата выдачи паспорта не может быть в будущем",
        "en": "The passport issue date cannot be in the future",
    },
    "passport_issue_date_too_early": {
        "ru": "Паспорт выдаётся не раньше 14 лет: дата выдачи не может быть раньше {min_date}",
        "en": "A passport is issued at 14 at the earliest: the issue date cannot be before {min_date}",
    },
    "passport_issuer_length": {
        "ru": "Поле «Кем выдан»: от {min} до {max} символов",
        "en": "Issued by: {min} to {max} characters",
    },
    "passport_division_code_format": {
        "ru": "Код подразделения в формате 123-456",
        "en": "The division code looks like 123-456",
    },
    "text_invalid_chars": {
        "ru": "Поле содержит недопустимые (управляющие или невидимые) символы",
        "en": "The field contains control or invisible characters",
    },
    # names
    "name_length": {
        "ru": "Слишком длинное значение: не больше {max} символов",
        "en": "The value is too long: at most {max} characters",
    },
    # the characters are not quoted back: a refused name may be markup
    "name_invalid_chars": {
        "ru": "Можно использовать только буквы (русские или латинские), пробел, дефис и апостроф",
        "en": "Use only letters (Cyrillic or Latin), spaces, hyphens and apostrophes",
    },
    "name_digits": {
        "ru": "Цифры недопустимы: «{chars}» (возможно, цифра вместо похожей буквы: 0 вместо О)",
        "en": "Digits are not allowed: “{chars}” (perhaps a digit for a look-alike letter: 0 for O)",
    },
    "name_invisible_chars": {
        "ru": "Поле содержит невидимые символы; введите значение заново с клавиатуры",
        "en": "The field contains invisible characters; type the value again",
    },
    "name_mixed_scripts": {
        "ru": "Буквы разных алфавитов: «{chars}» — латинские, хотя похожи на русские; проверьте раскладку",
        "en": "Letters of different alphabets: “{chars}” look Cyrillic but are Latin; check the layout",
    },
    "name_mixed_scripts_cyrillic": {
        "ru": "Буквы разных алфавитов: «{chars}» — русские, хотя похожи на латинские; проверьте раскладку",
        "en": "Letters of different alphabets: “{chars}” look Latin but are Cyrillic; check the layout",
    },
    "name_foreign_script": {
        "ru": "Допустимы буквы русского или латинского алфавита: «{chars}» к ним не относятся",
        "en": "Use Cyrillic or Latin letters: “{chars}” are neither",
    },
    "name_format": {
        "ru": "Значение должно начинаться и заканчиваться буквой",
        "en": "The value must begin and end with a letter",
    },
    "name_script_differs": {
        "ru": "Фамилия, имя и отчество пишутся буквами одного алфавита",
        "en": "Last, first and middle names must use the same alphabet",
    },
    # password
    "password_too_short": {
        "ru": "Пароль должен содержать не менее {min} символов",
        "en": "The password must have at least {min} characters",
    },
    "password_too_long": {
        "ru": "Пароль должен содержать не более {max} символов",
        "en": "The password must have at most {max} characters",
    },
    "password_common": {
        "ru": "Этот пароль слишком распространён или легко угадывается; придумайте другой",
        "en": "This password is too common or easy to guess; choose another",
    },
    "password_contains_login": {
        "ru": "Пароль не должен совпадать с логином или содержать его (почту, телефон, СНИЛС)",
        "en": "The password must not be or contain your login (e-mail, phone, SNILS)",
    },
}

SUPPORTED_LOCALES = ("ru", "en")


def message(code: str, locale: str = "ru", **params: object) -> str:
    """The text for ``code`` in ``locale`` (Russian when the locale is not supported)."""
    entry = MESSAGES[code]
    template = entry.get(locale, entry["ru"])
    return template.format_map(_Params(params))


class _Params(dict[str, object]):
    """A placeholder without a value stays as written instead of raising KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
