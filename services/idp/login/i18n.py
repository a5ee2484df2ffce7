"""Page texts in Russian (default) and English."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "title_login": {"ru": "Вход", "en": "Sign in"},
    "login_intro": {
        "ru": "Войдите, чтобы продолжить в «{client}»",
        "en": "Sign in to continue to “{client}”",
    },
    "login_label": {"ru": "Телефон, почта или СНИЛС", "en": "Phone, e-mail or SNILS"},
    "password_label": {"ru": "Пароль", "en": "Password"},
    "login_button": {"ru": "Войти", "en": "Sign in"},
    "wrong_credentials": {"ru": "Неверный логин или пароль", "en": "Wrong login or password"},
    "fields_required": {"ru": "Введите логин и пароль", "en": "Enter your login and password"},
    "session_expired": {
        "ru": "Сессия истекла. Войдите снова.",
        "en": "Your session has expired. Sign in again.",
    },
    "title_consent": {"ru": "Доступ к данным", "en": "Access to your data"},
    "consent_intro": {
        "ru": "Приложение «{client}» запрашивает доступ к следующим данным:",
        "en": "The application “{client}” asks for access to:",
    },
    "allow": {"ru": "Разрешить", "en": "Allow"},
    "deny": {"ru": "Отказать", "en": "Deny"},
    "title_logged_out": {"ru": "Вы вышли", "en": "Signed out"},
    "logged_out": {"ru": "Вы вышли из системы.", "en": "You have signed out."},
    "title_error": {"ru": "Ошибка", "en": "Error"},
    "error_id": {"ru": "Код ошибки для службы поддержки", "en": "Error id for support"},
    "interaction_expired": {
        "ru": "Запрос на вход устарел. Вернитесь в приложение и начните вход заново.",
        "en": "This sign-in request has expired. Go back to the application and start again.",
    },
    "csrf_failed": {
        "ru": "Форма устарела. Обновите страницу и попробуйте ещё раз.",
        "en": "The form has expired. Reload the page and try again.",
    },
    "bad_authorization_request": {
        "ru": "Приложение прислало неверный запрос на вход",
        "en": "The application sent an invalid sign-in request",
    },
    "bad_logout_request": {"ru": "Неверный запрос на выход", "en": "Invalid sign-out request"},
    "signed_in_as": {"ru": "Вы вошли как {name}", "en": "Signed in as {name}"},
    "logout": {"ru": "Выйти", "en": "Sign out"},
    "home_title": {"ru": "Единая система идентификации", "en": "Identity provider"},
    "not_signed_in": {"ru": "Вы не вошли.", "en": "You are not signed in."},
    "language": {"ru": "English", "en": "Русский"},
}

SCOPE_TEXT: dict[str, dict[str, str]] = {
    "openid": {"ru": "Ваш идентификатор", "en": "Your identifier"},
    "profile": {"ru": "ФИО, дата рождения, пол", "en": "Name, birth date, gender"},
    "fullname": {"ru": "ФИО", "en": "Full name"},
    "birthdate": {"ru": "Дата рождения", "en": "Birth date"},
    "gender": {"ru": "Пол", "en": "Gender"},
    "email": {"ru": "Адрес электронной почты", "en": "E-mail address"},
    "phone": {"ru": "Номер мобильного телефона", "en": "Mobile phone number"},
    "address": {"ru": "Адрес", "en": "Address"},
    "snils": {"ru": "СНИЛС", "en": "SNILS (insurance number)"},
    "offline_access": {
        "ru": "Доступ, когда вы не в сети (до отзыва)",
        "en": "Access while you are away (until you revoke it)",
    },
}

SUPPORTED = ("ru", "en")


def pick_locale(*candidates: str | None) -> str:
    for value in candidates:
        if value in SUPPORTED:
            return value
    return "ru"


def text(key: str, locale: str, **params: str) -> str:
    entry = MESSAGES[key]
    return entry.get(locale, entry["ru"]).format(**params)


def scope_text(scope: str, locale: str) -> str:
    entry = SCOPE_TEXT.get(scope)
    return entry.get(locale, entry["ru"]) if entry else scope
