"""Texts of the shared layout, components and error pages, in Russian (default) and English.

A service's own texts are looked up first (:class:`~shared.web.rendering.PageRenderer`), so a
service may say something differently; these are what every page has in common."""

from __future__ import annotations

from collections.abc import Mapping

SUPPORTED = ("ru", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "skip_to_content": {"ru": "Перейти к основному содержанию", "en": "Skip to main content"},
    "language": {"ru": "English", "en": "Русский"},
    "language_label": {"ru": "Язык", "en": "Language"},
    "support_line": {
        "ru": "Телефон горячей линии: {phone} (круглосуточно, звонок по России бесплатный)",
        "en": "Support line: {phone} (24 hours a day, free within Russia)",
    },
    "support_email": {"ru": "Почта службы поддержки", "en": "Support e-mail"},
    "privacy_policy": {
        "ru": "Политика обработки персональных данных",
        "en": "Personal data processing policy",
    },
    "footer_label": {"ru": "Поддержка и правовая информация", "en": "Support and legal information"},
    "optional": {"ru": "необязательно", "en": "optional"},
    "error_prefix": {"ru": "Ошибка:", "en": "Error:"},
    "error_summary_title": {"ru": "Исправьте ошибки", "en": "There is a problem"},
    "day": {"ru": "День", "en": "Day"},
    "month": {"ru": "Месяц", "en": "Month"},
    "year": {"ru": "Год", "en": "Year"},
    "back": {"ru": "Назад", "en": "Back"},
    "cancel": {"ru": "Отмена", "en": "Cancel"},
    "to_home": {"ru": "На главную", "en": "Go to the home page"},
    # the shared error page: a sentence for people, the code in small print for developers
    "error_id_label": {"ru": "Код ошибки для службы поддержки", "en": "Error id for support"},
    "error_code_label": {"ru": "Для разработчиков", "en": "For developers"},
    "http_400_title": {"ru": "Неверный запрос", "en": "Bad request"},
    "http_400_text": {
        "ru": "Браузер прислал запрос, который мы не смогли понять. Вернитесь назад и попробуйте ещё раз.",
        "en": "Your browser sent a request we could not understand. Go back and try again.",
    },
    "http_404_title": {"ru": "Страница не найдена", "en": "Page not found"},
    "http_404_text": {
        "ru": "Такой страницы нет. Если вы набирали адрес вручную, проверьте его.",
        "en": "There is no such page. If you typed the address, check it.",
    },
    "http_405_title": {"ru": "Так эту страницу не открыть", "en": "This page cannot be opened this way"},
    "http_405_text": {
        "ru": "Эта страница не принимает такой запрос. Откройте её по ссылке с главной страницы.",
        "en": "This page does not accept this kind of request. Open it from a link on the home page.",
    },
    "http_413_title": {"ru": "Слишком большой объём данных", "en": "Too much data"},
    "http_413_text": {
        "ru": "Отправленные данные больше, чем мы принимаем. Сократите их и отправьте ещё раз.",
        "en": "What you sent is larger than we accept. Make it smaller and send it again.",
    },
    "http_422_title": {"ru": "Данные не подходят", "en": "The data does not fit"},
    "http_422_text": {
        "ru": "Некоторые поля заполнены так, что мы не можем их принять. Вернитесь назад и исправьте:",
        "en": "Some fields hold values we cannot accept. Go back and correct them:",
    },
    "http_429_title": {"ru": "Слишком много запросов", "en": "Too many requests"},
    "http_429_text": {
        "ru": "С вашего адреса пришло слишком много запросов. Подождите немного и попробуйте снова.",
        "en": "Too many requests came from your address. Wait a little and try again.",
    },
    "http_500_title": {"ru": "Что-то пошло не так", "en": "Something went wrong"},
    "http_500_text": {
        "ru": "Мы не смогли обработать запрос. Попробуйте ещё раз позже; если ошибка повторится, "
        "позвоните на горячую линию и назовите код ошибки.",
        "en": "We could not handle the request. Try again later; if it happens again, call the "
        "support line and quote the error id.",
    },
    "http_error_title": {"ru": "Ошибка", "en": "Error"},
    "http_error_text": {
        "ru": "Запрос не выполнен. Вернитесь назад и попробуйте ещё раз.",
        "en": "The request failed. Go back and try again.",
    },
    # the personal-data processing policy (/privacy), Federal Law 152-FZ «О персональных данных»
    "policy_title": {
        "ru": "Политика обработки персональных данных",
        "en": "Personal data processing policy",
    },
    "policy_intro": {
        "ru": "Здесь сказано, какие ваши данные обрабатывает сервис «{service}», зачем и как вы можете "
        "ими распоряжаться (Федеральный закон № 152-ФЗ «О персональных данных»).",
        "en": "This page says which of your data the service “{service}” processes, why, and what you "
        "can do about it (Federal Law No. 152-FZ “On Personal Data”).",
    },
    "policy_who_title": {"ru": "Кто обрабатывает данные", "en": "Who processes the data"},
    "policy_who": {
        "ru": "Оператор сервиса «{service}». Вопросы об обработке данных присылайте на",
        "en": "The operator of the service “{service}”. Send questions about the processing to",
    },
    "policy_what_title": {"ru": "Какие данные", "en": "Which data"},
    "policy_what": {
        "ru": "Данные вашей учётной записи: фамилия, имя, отчество, дата рождения, СНИЛС, паспорт, "
        "телефон и почта; журнал входов и действий (время, IP-адрес, браузер).",
        "en": "The data of your account: surname, given name, patronymic, date of birth, SNILS, "
        "passport, phone and e-mail; the log of sign-ins and actions (time, IP address, browser).",
    },
    "policy_why_title": {"ru": "Зачем", "en": "Why"},
    "policy_why_1": {
        "ru": "чтобы узнать вас при входе и подтвердить вашу личность;",
        "en": "to recognise you when you sign in and to confirm your identity;",
    },
    "policy_why_2": {
        "ru": "чтобы передавать данные приложениям только с вашего согласия — его можно отозвать в "
        "личном кабинете;",
        "en": "to pass data to applications only with your consent, which you can withdraw in your "
        "personal account;",
    },
    "policy_why_3": {
        "ru": "чтобы защищать учётную запись: предупреждать о входах и блокировать подбор пароля.",
        "en": "to protect the account: to warn you of sign-ins and to stop password guessing.",
    },
    "policy_protect_title": {"ru": "Как данные защищены", "en": "How the data is protected"},
    "policy_protect": {
        "ru": "Персональные данные хранятся в зашифрованном виде, пароли — только в виде стойкой "
        "свёртки; коды подтверждения и пароли не записываются в журналы.",
        "en": "Personal data is stored encrypted and passwords only as a strong hash; confirmation "
        "codes and passwords are never written to logs.",
    },
    "policy_rights_title": {"ru": "Ваши права", "en": "Your rights"},
    "policy_rights": {
        "ru": "Вы можете узнать, какие ваши данные обрабатываются, потребовать их исправления или "
        "прекращения обработки и отозвать согласие (статьи 14 и 21 Закона № 152-ФЗ).",
        "en": "You may ask which of your data is processed, have it corrected or its processing "
        "stopped, and withdraw your consent (articles 14 and 21 of Law No. 152-FZ).",
    },
    # what a field's validation failure means, by pydantic's error type
    "v_string_too_long": {
        "ru": "«{field}»: слишком длинное значение, не больше {max} символов",
        "en": "“{field}”: too long, at most {max} characters",
    },
    "v_string_too_short": {
        "ru": "«{field}»: слишком короткое значение, не меньше {min} символов",
        "en": "“{field}”: too short, at least {min} characters",
    },
    "v_missing": {"ru": "«{field}»: заполните поле", "en": "“{field}”: fill in this field"},
    "v_other": {"ru": "«{field}»: неверное значение", "en": "“{field}”: invalid value"},
}


def lookup(messages: Mapping[str, Mapping[str, str]], key: str, locale: str) -> str | None:
    entry = messages.get(key)
    if entry is None:
        return None
    return entry.get(locale) or entry["ru"]


def text(key: str, locale: str, **params: object) -> str:
    found = lookup(MESSAGES, key, locale)
    if found is None:
        raise KeyError(key)
    return found.format(**params)


#: an Accept-Language header is read up to this many characters and entries (a hostile one is long)
ACCEPT_LANGUAGE_MAX = 1000
ACCEPT_LANGUAGE_ENTRIES = 32


def preferred_language(header: str | None) -> str | None:
    """The supported language the browser prefers most (RFC 9110 §12.5.4): entries by their
    q-value, highest first, ties in the order given; ``q=0`` means "not this one". Regional tags
    count as their language (``en-GB`` is ``en``); ``*`` and anything malformed name none."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, entry in enumerate(header[:ACCEPT_LANGUAGE_MAX].split(",")[:ACCEPT_LANGUAGE_ENTRIES]):
        tag, _, rest = entry.strip().partition(";")
        language = tag.strip().split("-")[0].lower()
        weight = _q_value(rest)
        if language in SUPPORTED and weight is not None and weight > 0:
            ranked.append((-weight, position, language))
    return min(ranked)[2] if ranked else None


def _q_value(parameters: str) -> float | None:
    """``q=0.8`` → 0.8; no q → 1; a malformed or out-of-range q → None (the entry is ignored)."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value.strip())
            except ValueError:
                return None
            return weight if 0 <= weight <= 1 else None
    return 1.0


def negotiate(*candidates: str | None, accept_language: str | None = None) -> str:
    """The first supported of the explicit candidates, then of Accept-Language, then Russian."""
    for value in (*candidates, preferred_language(accept_language)):
        if value in SUPPORTED:
            return value
    return "ru"
