"""The cabinet's texts (Russian and English), merged into the EGISZ renderer's messages."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "cabinet_login_button": {"ru": "Вход в ЕГИСЗ", "en": "Log in to EGISZ"},
    "cabinet_login_hint": {
        "ru": "Вход через учётную запись на портале госуслуг (ЕСИА): после входа вы увидите свои "
        "медицинские документы и кто их смотрел.",
        "en": "Log in with your public services (ESIA) account to see your medical records and who "
        "looked at them.",
    },
    "cabinet_nav_label": {"ru": "Разделы личного кабинета", "en": "Cabinet sections"},
    "cabinet_nav_overview": {"ru": "Главная", "en": "Overview"},
    "cabinet_nav_reports": {"ru": "Отчёты", "en": "Reports"},
    "cabinet_nav_records": {"ru": "Медицинская карта", "en": "Medical record"},
    "cabinet_nav_access_log": {"ru": "Кто смотрел мою карту", "en": "Who viewed my record"},
    "cabinet_nav_consent": {"ru": "Согласие", "en": "Consent"},
    "cabinet_nav_export": {"ru": "Выгрузка", "en": "Download"},
    "cabinet_nav_requests": {"ru": "Обращения", "en": "Requests"},
    "cabinet_nav_notifications": {"ru": "Уведомления", "en": "Notifications"},
    "cabinet_logout": {"ru": "Выйти", "en": "Log out"},
    "cabinet_logged_in_as": {"ru": "Вы вошли как {name}", "en": "Logged in as {name}"},
    "cabinet_title": {"ru": "Личный кабинет пациента", "en": "Patient cabinet"},
    "cabinet_person": {"ru": "Пациент", "en": "Patient"},
    "cabinet_snils": {"ru": "СНИЛС", "en": "SNILS"},
    "cabinet_level": {"ru": "Уровень учётной записи", "en": "Account level"},
    "level_simplified": {"ru": "упрощённая", "en": "simplified"},
    "level_standard": {"ru": "стандартная", "en": "standard"},
    "level_confirmed": {"ru": "подтверждённая", "en": "confirmed"},
    "cabinet_record_found": {
        "ru": "Ваша медицинская карта найдена по СНИЛС.",
        "en": "Your medical record was found by your SNILS.",
    },
    "cabinet_no_record_title": {"ru": "Медицинская карта не найдена", "en": "No medical record found"},
    "cabinet_no_record": {
        "ru": "В ЕГИСЗ нет медицинской карты с СНИЛС {snils}. Карта появляется, когда медицинская "
        "организация передаёт в ЕГИСЗ первый документ о вас. Если вы уже лечились, попросите "
        "регистратуру поликлиники проверить СНИЛС в вашей карте или позвоните на горячую линию.",
        "en": "EGISZ has no medical record with SNILS {snils}. A record appears when a medical "
        "organisation sends EGISZ its first document about you. If you have been treated, ask your "
        "clinic's reception to check the SNILS in your record, or call the hotline.",
    },
    "cabinet_no_snils": {
        "ru": "В вашей учётной записи на госуслугах нет СНИЛС, а медицинская карта находится по нему. "
        "Добавьте СНИЛС в личном кабинете госуслуг и войдите снова.",
        "en": "Your public services account has no SNILS, and the medical record is found by it. Add "
        "your SNILS in the public services cabinet and log in again.",
    },
    "cabinet_record_needs_standard": {
        "ru": "Нужна стандартная учётная запись",
        "en": "A standard account is needed",
    },
    "cabinet_simplified_no_record": {
        "ru": "Медицинская карта находится по СНИЛС, а у упрощённой учётной записи СНИЛС ещё не проверен. "
        "Укажите СНИЛС и паспорт в личном кабинете госуслуг: после проверки (обычно несколько минут) "
        "войдите в ЕГИСЗ снова.",
        "en": "The medical record is found by SNILS, and a simplified account's SNILS has not been checked "
        "yet. Enter your SNILS and passport in the public services cabinet: once they are checked "
        "(usually within minutes), log in to EGISZ again.",
    },
    "cabinet_add_snils_link": {"ru": "Добавить СНИЛС", "en": "Add your SNILS"},
    "cabinet_sections": {"ru": "Разделы", "en": "Sections"},
    "cabinet_section_records": {
        "ru": "визиты, анализы, назначения, направления, записи на приём и прививки",
        "en": "visits, results, prescriptions, referrals, appointments and vaccinations",
    },
    "cabinet_section_access_log": {
        "ru": "кто и когда обращался к вашим данным",
        "en": "who accessed your data and when",
    },
    "cabinet_section_consent": {
        "ru": "согласие на обработку персональных данных",
        "en": "consent to the processing of personal data",
    },
    "cabinet_section_export": {
        "ru": "все ваши документы одним файлом (FHIR или PDF)",
        "en": "all your records in one file (FHIR or PDF)",
    },
    "cabinet_section_requests": {
        "ru": "просьбы исправить или удалить данные",
        "en": "requests to correct or delete data",
    },
    "cabinet_section_notifications": {
        "ru": "о каких событиях и как вам сообщать",
        "en": "which events to tell you about and how",
    },
    # «Сессия истекла»
    "cabinet_expired_title": {"ru": "Сессия истекла", "en": "Your session has expired"},
    "cabinet_expired_idle": {
        "ru": "Вы не работали в личном кабинете {minutes} минут, и мы завершили сеанс, чтобы никто "
        "другой не увидел ваши данные.",
        "en": "You have not used the cabinet for {minutes} minutes, so we ended the session to keep "
        "your data safe.",
    },
    "cabinet_expired_lifetime": {
        "ru": "Сеанс длился дольше допустимого, и мы завершили его, чтобы никто другой не увидел ваши "
        "данные.",
        "en": "The session lasted longer than allowed, so we ended it to keep your data safe.",
    },
    "cabinet_expired_ended": {
        "ru": "Вы вышли из учётной записи на госуслугах или завершили сеанс, поэтому сеанс в ЕГИСЗ тоже "
        "завершён.",
        "en": "You logged out of your public services account or ended the session there, so the "
        "EGISZ session has ended too.",
    },
    "cabinet_login_again": {"ru": "Войти снова", "en": "Log in again"},
    # «Недостаточно прав» (R-ACC-6)
    "cabinet_insufficient_title": {"ru": "Недостаточно прав", "en": "Not enough rights"},
    "cabinet_insufficient_text": {
        "ru": "Этот раздел доступен с {needed} учётной записью, а у вас {level}.",
        "en": "This section needs a {needed} account; yours is {level}.",
    },
    "cabinet_insufficient_standard": {
        "ru": "Чтобы получить стандартную учётную запись, укажите СНИЛС и паспорт в личном кабинете "
        "госуслуг: их проверят автоматически, обычно за несколько минут.",
        "en": "To get a standard account, enter your SNILS and passport in the public services "
        "cabinet: they are checked automatically, usually within minutes.",
    },
    "cabinet_insufficient_confirmed": {
        "ru": "Чтобы подтвердить учётную запись, обратитесь в центр обслуживания с паспортом или "
        "войдите с квалифицированной электронной подписью.",
        "en": "To confirm your account, visit a service centre with your passport or log in with a "
        "qualified electronic signature.",
    },
    "cabinet_raise_level_link": {
        "ru": "Перейти в личный кабинет госуслуг",
        "en": "Go to the public services cabinet",
    },
    "cabinet_back_to_overview": {"ru": "На главную личного кабинета", "en": "Back to the cabinet overview"},
    "level_needed_standard": {"ru": "стандартной", "en": "standard"},
    "level_needed_confirmed": {"ru": "подтверждённой", "en": "confirmed"},
    "level_have_simplified": {"ru": "упрощённая", "en": "simplified"},
    "level_have_standard": {"ru": "стандартная", "en": "standard"},
    "level_have_confirmed": {"ru": "подтверждённая", "en": "confirmed"},
    # login failures and logout
    "cabinet_login_failed_title": {"ru": "Не удалось войти", "en": "Could not log you in"},
    "cabinet_login_failed": {
        "ru": "Вход не завершён: ссылка входа устарела, уже использована или открыта в другом браузере. "
        "Начните вход заново.",
        "en": "The login did not complete: its link expired, was already used or was opened in another "
        "browser. Please start again.",
    },
    "cabinet_login_refused": {
        "ru": "Вход отменён на портале госуслуг. Если вы не отказывались, начните вход заново.",
        "en": "The login was cancelled at the public services portal. If you did not cancel, start again.",
    },
    "cabinet_idp_unavailable": {
        "ru": "Портал госуслуг сейчас не отвечает. Попробуйте войти через несколько минут.",
        "en": "The public services portal is not answering. Try again in a few minutes.",
    },
    "cabinet_csrf_title": {"ru": "Форма устарела", "en": "The form has expired"},
    "cabinet_csrf": {
        "ru": "Форма была открыта в другом сеансе. Вернитесь назад, обновите страницу и отправьте её "
        "ещё раз.",
        "en": "The form was opened in another session. Go back, reload the page and send it again.",
    },
}
