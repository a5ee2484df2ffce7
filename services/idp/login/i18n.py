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
    # cabinet
    "nav_data": {"ru": "Мои данные", "en": "My data"},
    "nav_security": {"ru": "Безопасность", "en": "Security"},
    "nav_apps": {"ru": "Доступ приложений", "en": "App access"},
    "nav_signatures": {"ru": "Электронные подписи", "en": "Electronic signatures"},
    "nav_events": {"ru": "Журнал событий", "en": "Event log"},
    "cabinet": {"ru": "Личный кабинет", "en": "Personal cabinet"},
    "full_name": {"ru": "ФИО", "en": "Full name"},
    "birth_date": {"ru": "Дата рождения", "en": "Birth date"},
    "snils": {"ru": "СНИЛС", "en": "SNILS"},
    "passport": {"ru": "Паспорт", "en": "Passport"},
    "inn": {"ru": "ИНН", "en": "INN"},
    "phone": {"ru": "Мобильный телефон", "en": "Mobile phone"},
    "email": {"ru": "Электронная почта", "en": "E-mail"},
    "confirmed": {"ru": "Подтверждён", "en": "Confirmed"},
    "not_confirmed": {"ru": "Не подтверждён", "en": "Not confirmed"},
    "level": {"ru": "Уровень учётной записи", "en": "Account level"},
    "level_registered": {
        "ru": "Зарегистрирована (контакты не подтверждены)",
        "en": "Registered (no contact confirmed)",
    },
    "level_simplified": {"ru": "Упрощённая", "en": "Simplified"},
    "level_standard": {"ru": "Стандартная", "en": "Standard"},
    "level_confirmed": {"ru": "Подтверждённая", "en": "Confirmed"},
    "next_confirm_contact": {
        "ru": "Подтвердите телефон или почту, чтобы получить упрощённую учётную запись.",
        "en": "Confirm your phone or e-mail to get a simplified account.",
    },
    "next_registry_check": {
        "ru": "Укажите СНИЛС и паспорт: после проверки учётная запись станет стандартной.",
        "en": "Enter your SNILS and passport: once checked, the account becomes standard.",
    },
    "next_fix_key_data": {
        "ru": "Проверка СНИЛС и паспорта не прошла. Исправьте данные и отправьте их ещё раз.",
        "en": "The SNILS and passport check failed. Correct the data and submit it again.",
    },
    "next_confirm_identity": {
        "ru": "Подтвердите личность в центре обслуживания или квалифицированной электронной подписью.",
        "en": "Confirm your identity at a service centre or with a qualified electronic signature.",
    },
    "reason_names_differ": {
        "ru": "ФИО не совпадает с данными паспорта",
        "en": "The name differs from the passport",
    },
    "reason_bad_checksum": {"ru": "Неверная контрольная сумма СНИЛС", "en": "The SNILS checksum is wrong"},
    "reason_not_found": {"ru": "Паспорт не найден в реестре", "en": "The passport is not in the registry"},
    "reason_birth_date_differs": {
        "ru": "Дата рождения не совпадает с данными паспорта",
        "en": "The birth date differs from the passport",
    },
    "reason_unavailable": {
        "ru": "Реестр временно недоступен, проверка будет повторена",
        "en": "The registry is unavailable; the check will be repeated",
    },
    "reason_incomplete": {"ru": "Не указаны СНИЛС или паспорт", "en": "SNILS or passport missing"},
    "sessions": {"ru": "Активные сеансы", "en": "Active sessions"},
    "this_session": {"ru": "этот сеанс", "en": "this session"},
    "end_session": {"ru": "Завершить", "en": "End"},
    "last_activity": {"ru": "Последняя активность", "en": "Last activity"},
    "no_grants": {
        "ru": "Вы не давали доступ приложениям.",
        "en": "You have not given any application access.",
    },
    "revoke": {"ru": "Отозвать доступ", "en": "Revoke access"},
    "granted_at": {"ru": "Разрешено", "en": "Granted"},
    "no_signatures": {
        "ru": "Привязанных сертификатов электронной подписи нет.",
        "en": "No electronic signature certificates are bound.",
    },
    "no_events": {"ru": "Событий пока нет.", "en": "No events yet."},
    "ended": {"ru": "Сеанс завершён.", "en": "The session has ended."},
    "revoked": {"ru": "Доступ отозван.", "en": "Access revoked."},
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
