"""Field validation for registration and profile forms (R-ACC-2). Pure functions: no database, no clock.

Every ``validate_*`` returns the normalised value or raises :class:`FieldError` (field, stable code,
params for the message); :func:`validate_registration` runs them all and collects every field's
error at once, so the form can highlight all fields in one round trip. The texts live in
``validation_messages`` (ru, en). Markup or SQL in a field is just text: it is refused or returned
unchanged, never escaped or stripped here (escaping is the template's job, binding the ORM's).

Normalisations, the only ways a value comes back different from what was typed:
surrounding whitespace trimmed everywhere; SNILS, INN, passport series → digits only; phone → E.164;
e-mail domain lower-cased (IDNA-normalised) with the local part kept as typed (see
:func:`email_key` for comparing); dates → ``datetime.date``; division code → ``NNN-NNN``; names and
the issuer → NFC, inner whitespace collapsed to one space, typographic apostrophes → ``'``.
Passwords are never altered.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError
from email_validator import validate_email as _check_email

from idp.accounts.validation_messages import message
from shared.errors import AppError

MIN_BIRTH_DATE = dt.date(1900, 1, 1)
PASSPORT_MIN_AGE = 14
ISSUER_LENGTH = (3, 200)
NAME_MAX = 60
PASSWORD_MIN = 10
PASSWORD_MAX = 128
#: anything longer is refused before parsing (phonenumbers, regexes and e-mail checks stay cheap)
RAW_MAX = 320
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# [0-9], never \d: \d also matches Arabic-Indic, fullwidth and other Unicode digits.
_SNILS = re.compile(r"[0-9]{3}[- ]?[0-9]{3}[- ]?[0-9]{3}[- ]?[0-9]{2}")
_INN = re.compile(r"[0-9]{12}")
_PHONE = re.compile(r"\+?[0-9 ()\-]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_PART = {
    "day": re.compile(r"[0-9]{1,2}"),
    "month": re.compile(r"[0-9]{1,2}"),
    "year": re.compile(r"[0-9]{4}"),
}
_SERIES = re.compile(r"[0-9]{2} ?[0-9]{2}")
_NUMBER = re.compile(r"[0-9]{6}")
_DIVISION = re.compile(r"([0-9]{3})-?([0-9]{3})")
_NOT_DIGIT = re.compile(r"[^0-9]")
_INN_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
#: SNILS numbers up to 001-001-998 were issued before the check number existed
_SNILS_UNCHECKED_UP_TO = 1_001_998


class FieldError(ValueError):
    """One refused field: ``code`` keys the message table, ``params`` fill its placeholders."""

    def __init__(self, field: str, code: str, params: Mapping[str, object] | None = None) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code
        self.params = dict(params or {})

    def message(self, locale: str = "ru") -> str:
        return message(self.code, locale, **self.params)

    def as_dict(self, locale: str = "ru") -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message(locale)}


class InvalidFieldsError(AppError):
    """A form with refused fields, for a route to raise: every field's code and message at once."""

    status_code = 422
    code = "invalid_fields"
    title = "Invalid fields"

    def __init__(self, errors: Iterable[FieldError], locale: str = "ru") -> None:
        self.errors = list(errors)
        fields = ", ".join(e.field for e in self.errors)
        super().__init__(
            f"Invalid fields: {fields}", extra={"errors": [e.as_dict(locale) for e in self.errors]}
        )


# --- helpers -------------------------------------------------------------------------------------
def _blank(value: object) -> bool:
    if isinstance(value, Mapping):  # a date typed as day / month / year
        return all(_blank(part) for part in value.values())
    return value is None or (isinstance(value, str) and not value.strip())


def _text(field: str, value: object) -> str:
    """The trimmed string; refuses a missing, non-string or oversized value."""
    if _blank(value):
        raise FieldError(field, "required")
    if not isinstance(value, str):
        raise FieldError(field, "invalid_type")
    if len(value) > RAW_MAX:
        raise FieldError(field, "too_long", {"max": RAW_MAX})
    return value.strip()


def _shown(chars: Iterable[str]) -> str:
    """Offending characters for a message: printable ones as they are, others as U+XXXX."""
    seen = dict.fromkeys(chars)
    return ", ".join(c if _visible(c) else f"U+{ord(c):04X}" for c in seen)


def _visible(char: str) -> bool:
    return char.isprintable() and not char.isspace() and unicodedata.category(char)[0] not in "MC"


# --- SNILS and INN -------------------------------------------------------------------------------
def snils_check_number(first_nine: str) -> int:
    """The Pension Fund check number: weights 9..1; <100 as is, 100/101 → 0, else mod 101 (100 → 0)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(9, 0, -1), strict=True))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rest = total % 101
    return 0 if rest == 100 else rest


def validate_snils(value: object, field: str = "snils") -> str:
    """11 digits, optionally as ``XXX-XXX-XXX YY``; checksum above 001-001-998. Returns 11 digits."""
    text = _text(field, value)
    if not _SNILS.fullmatch(text):
        raise FieldError(field, "snils_format")
    digits = _NOT_DIGIT.sub("", text)
    if int(digits[:9]) > _SNILS_UNCHECKED_UP_TO and snils_check_number(digits[:9]) != int(digits[9:]):
        raise FieldError(field, "snils_checksum")
    return digits


def format_snils(digits: str) -> str:
    """``11223344595`` → ``112-233-445 95``."""
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def _inn_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def validate_inn(value: object, field: str = "inn") -> str:
    """A personal (12-digit) INN with both control digits."""
    text = _text(field, value)
    if not _INN.fullmatch(text):
        raise FieldError(field, "inn_format")
    if _inn_digit(text[:10], _INN_WEIGHTS_11) != int(text[10]) or _inn_digit(
        text[:11], _INN_WEIGHTS_12
    ) != int(text[11]):
        raise FieldError(field, "inn_checksum")
    return text


# --- contacts ------------------------------------------------------------------------------------
def validate_phone(value: object, field: str = "phone") -> str:
    """11 digits starting with +7 or 8 (spaces, dashes, brackets allowed) → ``+7XXXXXXXXXX``.

    Must be a Russian mobile number: a landline, a toll-free 8-800 number or a Kazakh +7 7xx number
    cannot receive the SMS codes the account depends on (R-ACC-3).
    """
    text = _text(field, value)
    digits = _NOT_DIGIT.sub("", text)
    prefix_ok = text.startswith("+7") if text.startswith("+") else text.startswith("8")
    if not _PHONE.fullmatch(text) or len(digits) != 11 or not prefix_ok:
        raise FieldError(field, "phone_format")
    number = phonenumbers.parse("+7" + digits[1:], None)
    if not (
        phonenumbers.is_valid_number(number)
        and phonenumbers.region_code_for_number(number) == "RU"
        and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    ):
        raise FieldError(field, "phone_not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_email(value: object, field: str = "email", *, allow_test_domains: bool = False) -> str:
    """A syntactically valid address whose domain has a dot; no DNS lookup.

    The domain comes back lower-cased; the local part is kept as typed, because RFC 5321 §2.4 lets
    a mail server treat it case-sensitively and the person should see what they typed. Uniqueness
    and login compare :func:`email_key` instead. ``allow_test_domains`` admits ``*.test`` (dev mode).
    """
    text = _text(field, value)
    _local, at, domain = text.rpartition("@")
    if not at:
        raise FieldError(field, "email_format")
    if "." not in domain.strip("."):
        raise FieldError(field, "email_domain")
    try:
        checked = _check_email(text, check_deliverability=False, test_environment=allow_test_domains)
    except EmailNotValidError as exc:
        raise FieldError(field, "email_format") from exc
    return checked.normalized


def email_key(email: str) -> str:
    """The form two addresses are compared in: lower-cased as a whole."""
    return email.strip().lower()


# --- dates ---------------------------------------------------------------------------------------
def parse_date(value: object, field: str) -> dt.date:
    """Exactly ``YYYY-MM-DD`` (a real calendar day), a mapping of ``day``, ``month``, ``year`` as
    typed in the three fields of a date input, or a ``date`` object."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, Mapping):
        if not value or not set(value) <= set(_DATE_PART):
            raise FieldError(field, "invalid_type")
        return _date_from_parts(value, field)
    text = _text(field, value)
    if not _DATE.fullmatch(text):
        raise FieldError(field, "date_format")
    return _calendar_day(int(text[:4]), int(text[5:7]), int(text[8:]), field)


def _date_from_parts(parts: Mapping[str, object], field: str) -> dt.date:
    """Day, month and year typed apart: each must be digits (2, 2 and 4 at most); then the day
    must exist (31.02.2020 is well formed but no such day)."""
    typed: dict[str, str] = {}
    for part, shape in _DATE_PART.items():
        raw = parts.get(part)
        text = raw.strip() if isinstance(raw, str) else ""
        if len(text) > RAW_MAX or not shape.fullmatch(text):
            raise FieldError(field, "date_parts_format")
        typed[part] = text
    return _calendar_day(int(typed["year"]), int(typed["month"]), int(typed["day"]), field)


def _calendar_day(year: int, month: int, day: int, field: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:  # 2023-02-30, 2023-13-01
        if not 1 <= month <= 12:
            raise FieldError(field, "date_no_such_month") from None
        raise FieldError(field, "date_no_such_day", {"day": day, "month": f"{month:02d}"}) from None


def validate_birth_date(value: object, *, today: dt.date, field: str = "birth_date") -> dt.date:
    born = parse_date(value, field)
    if born > today:
        raise FieldError(field, "birth_date_future")
    if born < MIN_BIRTH_DATE:
        raise FieldError(field, "birth_date_too_early", {"min_date": MIN_BIRTH_DATE.isoformat()})
    return born


def add_years(day: dt.date, years: int) -> dt.date:
    """Same day ``years`` later; 29 February becomes 1 March (the age is reached once 28 Feb ends)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


# --- passport ------------------------------------------------------------------------------------
def validate_passport_series(value: object, field: str = "passport_series") -> str:
    """4 digits, also accepted as ``45 08``; returns ``4508``."""
    text = _text(field, value)
    if not _SERIES.fullmatch(text):
        raise FieldError(field, "passport_series_format")
    return text.replace(" ", "")


def validate_passport_number(value: object, field: str = "passport_number") -> str:
    text = _text(field, value)
    if not _NUMBER.fullmatch(text):
        raise FieldError(field, "passport_number_format")
    return text


def validate_passport_issue_date(
    value: object, *, today: dt.date, birth_date: dt.date | None = None, field: str = "passport_issue_date"
) -> dt.date:
    """Not in the future and, when the birth date is known, not before the 14th birthday."""
    issued = parse_date(value, field)
    if issued > today:
        raise FieldError(field, "passport_issue_date_future")
    if birth_date is not None:
        earliest = add_years(birth_date, PASSPORT_MIN_AGE)
        if issued < earliest:
            raise FieldError(field, "passport_issue_date_too_early", {"min_date": earliest.isoformat()})
    return issued


def clean_text(value: object, field: str) -> str:
    """NFC, whitespace runs → one space; control and invisible characters refused (PostgreSQL
    cannot even store NUL in text)."""
    text = unicodedata.normalize("NFC", _text(field, value))
    text = " ".join(text.split())
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Cn") for c in text):
        raise FieldError(field, "text_invalid_chars")
    return text


def validate_passport_issuer(value: object, field: str = "passport_issuer") -> str:
    low, high = ISSUER_LENGTH
    if isinstance(value, str) and len(value) > RAW_MAX:
        raise FieldError(field, "passport_issuer_length", {"min": low, "max": high})
    text = clean_text(value, field)
    if not low <= len(text) <= high:
        raise FieldError(field, "passport_issuer_length", {"min": low, "max": high})
    return text


def validate_division_code(value: object, field: str = "passport_division_code") -> str:
    """``NNN-NNN`` (also accepted without the dash); returns ``NNN-NNN``."""
    match = _DIVISION.fullmatch(_text(field, value))
    if not match:
        raise FieldError(field, "passport_division_code_format")
    return f"{match.group(1)}-{match.group(2)}"


# --- names ---------------------------------------------------------------------------------------
_RUSSIAN = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
_SEPARATORS = frozenset(" -'")
#: typographic apostrophes (O’Neil, д’Артаньян) become the ASCII one
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})


def _is_latin(char: str) -> bool:
    """Latin letters a foreigner's name may need (Basic Latin, Latin-1, Extended-A/B, Additional)
    but not look-alike forms such as fullwidth, mathematical or small-capital letters."""
    code = ord(char)
    in_range = code < 0x80 or 0xC0 <= code <= 0x24F or 0x1E00 <= code <= 0x1EFF
    return in_range and char.isalpha() and not 0x1C0 <= code <= 0x1C3  # click letters look like l, |


def name_script(text: str) -> str | None:
    """``cyrillic`` or ``latin`` for a valid name, ``None`` when it has no letter."""
    if any(c in _RUSSIAN for c in text):
        return "cyrillic"
    return "latin" if any(_is_latin(c) for c in text) else None


def validate_name(value: object, field: str = "last_name") -> str:
    """Letters of one script (Russian Cyrillic, or Latin for foreigners), space, hyphen, apostrophe.

    Refuses what makes two different names look the same: Latin letters inside a Cyrillic name (and
    the reverse), other scripts (Greek ο, Ukrainian і), digits (0 for О, 3 for З), invisible
    characters (zero-width space / joiner, soft hyphen, direction marks) and combining marks.
    """
    if isinstance(value, str) and len(value) > RAW_MAX:
        raise FieldError(field, "name_length", {"max": NAME_MAX})
    text = unicodedata.normalize("NFC", _text(field, value)).translate(_APOSTROPHES)
    if any(unicodedata.category(c) in ("Cf", "Cc") for c in text if not c.isspace()):
        raise FieldError(field, "name_invisible_chars")
    text = " ".join(text.split())
    if len(text) > NAME_MAX:
        raise FieldError(field, "name_length", {"max": NAME_MAX})
    # punctuation and markup first: «<script>alert(1)</script>» is not a name with a digit in it
    invalid = [
        c for c in text if not c.isalpha() and not (c.isdigit() or c.isnumeric()) and c not in _SEPARATORS
    ]
    if invalid:
        raise FieldError(field, "name_invalid_chars", {"chars": _shown(invalid)})
    digits = [c for c in text if c.isdigit() or c.isnumeric()]
    if digits:
        raise FieldError(field, "name_digits", {"chars": _shown(digits)})
    foreign = [c for c in text if c.isalpha() and c not in _RUSSIAN and not _is_latin(c)]
    if foreign:
        raise FieldError(field, "name_foreign_script", {"chars": _shown(foreign)})
    cyrillic = [c for c in text if c in _RUSSIAN]
    latin = [c for c in text if _is_latin(c)]
    if cyrillic and latin:
        if len(latin) <= len(cyrillic):
            raise FieldError(field, "name_mixed_scripts", {"chars": _shown(latin)})
        raise FieldError(field, "name_mixed_scripts_cyrillic", {"chars": _shown(cyrillic)})
    if not (text[0].isalpha() and text[-1].isalpha()):
        raise FieldError(field, "name_format")
    return text


# --- password ------------------------------------------------------------------------------------
_TRAILING_NOISE = re.compile(r"[\W\d_]+$")
_RU_KEYS = "йцукенгшщзхъфывапролджэячсмитьбюё"
_EN_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_LAYOUT_SWAP = str.maketrans(_RU_KEYS + _EN_KEYS, _EN_KEYS + _RU_KEYS)
#: a stem shorter than this after stripping suffixes is not compared ("a" + 10 digits is no word)
_MIN_STEM = 3


def _stem(text: str) -> str:
    return _TRAILING_NOISE.sub("", text)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list, case-folded, each also without its trailing digits/punctuation."""
    words: set[str] = set()
    for line in COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines():
        word = line.strip().casefold()
        if not word or word.startswith("#"):
            continue
        words.add(word)
        if len(stem := _stem(word)) >= _MIN_STEM:
            words.add(stem)
    return frozenset(words)


def is_common_password(password: str) -> bool:
    """In the list (any case, any trailing digits/punctuation, either keyboard layout: ``gfhjkm`` is
    «пароль» typed with the Latin layout), or fewer than 4 distinct characters."""
    known = common_passwords()
    folded = password.casefold()
    if len(set(folded)) < 4:
        return True
    for candidate in (folded, folded.translate(_LAYOUT_SWAP)):
        stem = _stem(candidate)
        if candidate in known or (len(stem) >= _MIN_STEM and stem in known):
            return True
    return False


def login_variants(
    *, email: str | None = None, phone: str | None = None, snils: str | None = None
) -> set[str]:
    """What a person may log in with (R-LOG-1), in the forms a password could repeat them."""
    variants: set[str] = set()
    if email:
        variants.update({email, email.rpartition("@")[0]})
    if phone:
        national = _NOT_DIGIT.sub("", phone)[-10:]
        variants.update({national, "7" + national, "8" + national})
    if snils:
        variants.add(_NOT_DIGIT.sub("", snils))
    return {v for v in variants if v}


def _contains_login(password: str, logins: Collection[str]) -> bool:
    folded = password.casefold()
    password_digits = _NOT_DIGIT.sub("", password)
    for login in logins:
        key = login.casefold()
        if folded == key or (len(key) >= 4 and key in folded):
            return True
        if key.isdigit() and len(key) >= 4 and key in password_digits:  # 916-111-22-33 in a password
            return True
    return False


def validate_password(value: object, *, logins: Collection[str] = (), field: str = "password") -> str:
    """Length 10..128, not a common password, not the login nor containing it. Never altered."""
    if not isinstance(value, str):
        raise FieldError(field, "required" if value is None else "invalid_type")
    if not value:
        raise FieldError(field, "required")
    if len(value) < PASSWORD_MIN:
        raise FieldError(field, "password_too_short", {"min": PASSWORD_MIN})
    if len(value) > PASSWORD_MAX:
        raise FieldError(field, "password_too_long", {"max": PASSWORD_MAX})
    if _contains_login(value, logins):
        raise FieldError(field, "password_contains_login")
    if is_common_password(value):
        raise FieldError(field, "password_common")
    return value


# --- the whole form ------------------------------------------------------------------------------
NAME_FIELDS = ("last_name", "first_name", "middle_name")
REGISTRATION_FIELDS = (
    *NAME_FIELDS,
    "birth_date",
    "snils",
    "inn",
    "phone",
    "email",
    "passport_series",
    "passport_number",
    "passport_issue_date",
    "passport_issuer",
    "passport_division_code",
    "password",
)
#: R-ACC-1: everything but the middle name and the INN
REQUIRED_FIELDS = frozenset(REGISTRATION_FIELDS) - {"middle_name", "inn"}


def validate_registration(
    data: Mapping[str, Any],
    *,
    today: dt.date,
    required: Collection[str] = REQUIRED_FIELDS,
    allow_test_domains: bool = False,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Every field of the registration form at once: (normalised values, errors in form order).

    The dict holds the fields that passed (a blank optional one as ``None``); a refused field is
    absent from it and has exactly one error. Keys not in ``REGISTRATION_FIELDS`` are ignored.
    """
    clean: dict[str, Any] = {}
    errors: list[FieldError] = []

    def run(field: str, check: Callable[[Any], Any]) -> None:
        raw = data.get(field)
        if _blank(raw):
            if field in required:
                errors.append(FieldError(field, "required"))
            else:
                clean[field] = None
            return
        try:
            clean[field] = check(raw)
        except FieldError as exc:
            errors.append(exc)

    for name_field in NAME_FIELDS:
        run(name_field, partial(validate_name, field=name_field))
    scripts = {f: name_script(clean[f]) for f in NAME_FIELDS if clean.get(f)}
    first_script = next(iter(scripts.values()), None)
    for name_field, script in scripts.items():
        if script != first_script:  # Иванов John: one person's name is written in one alphabet
            del clean[name_field]
            errors.append(FieldError(name_field, "name_script_differs"))
    run("birth_date", lambda v: validate_birth_date(v, today=today))
    run("snils", validate_snils)
    run("inn", validate_inn)
    run("phone", validate_phone)
    run("email", lambda v: validate_email(v, allow_test_domains=allow_test_domains))
    run("passport_series", validate_passport_series)
    run("passport_number", validate_passport_number)
    run(
        "passport_issue_date",
        lambda v: validate_passport_issue_date(v, today=today, birth_date=clean.get("birth_date")),
    )
    run("passport_issuer", validate_passport_issuer)
    run("passport_division_code", validate_division_code)
    logins = login_variants(email=clean.get("email"), phone=clean.get("phone"), snils=clean.get("snils"))
    run("password", lambda v: validate_password(v, logins=logins))
    order = {f: i for i, f in enumerate(REGISTRATION_FIELDS)}
    errors.sort(key=lambda e: order.get(e.field, len(order)))
    return clean, errors
