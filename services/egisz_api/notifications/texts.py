"""The «Уведомления» page's texts (Russian and English)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "notifications_title": {"ru": "Настройка уведомлений", "en": "Notification settings"},
    "notifications_intro": {
        "ru": "Выберите, о каких событиях и как вам сообщать. Адреса берутся из вашей медицинской карты.",
        "en": "Choose which events you are told about and how. The addresses come from your medical record.",
    },
    "notifications_grid": {"ru": "События и способы уведомления", "en": "Events and channels"},
    "notifications_event": {"ru": "Событие", "en": "Event"},
    "notifications_event_new_result": {"ru": "Новый результат исследования", "en": "A new test result"},
    "notifications_event_record_accessed": {
        "ru": "Кто-то открыл мою медицинскую карту (не чаще раза в день на каждого)",
        "en": "Someone opened my medical record (at most once a day for each)",
    },
    "notifications_event_request_processed": {
        "ru": "Ответ на моё обращение (исправление или удаление данных)",
        "en": "An answer to my request (correction or deletion of data)",
    },
    "notifications_event_consent_changed": {
        "ru": "Согласие на обработку данных дано или отозвано",
        "en": "A consent to data processing was given or withdrawn",
    },
    "notifications_event_certificate_issued": {
        "ru": "Выдан сертификат вакцинации от COVID-19",
        "en": "A COVID-19 vaccination certificate was issued",
    },
    "notifications_channel_email": {"ru": "Электронная почта", "en": "E-mail"},
    "notifications_channel_sms": {"ru": "SMS", "en": "SMS"},
    "notifications_channel_push": {"ru": "Push-уведомление", "en": "Push notification"},
    "notifications_addresses": {"ru": "Куда придут уведомления", "en": "Where notices go"},
    "notifications_no_address": {"ru": "нет адреса в карте", "en": "no address in your record"},
    "notifications_no_device": {
        "ru": "нет зарегистрированного устройства",
        "en": "no registered device",
    },
    "notifications_defaults": {
        "ru": "Сейчас действуют настройки по умолчанию.",
        "en": "The default settings apply now.",
    },
    "notifications_save": {"ru": "Сохранить", "en": "Save"},
    "notifications_saved": {"ru": "Настройки сохранены.", "en": "Settings saved."},
    "notifications_recent": {"ru": "Последние уведомления", "en": "Recent notices"},
    "notifications_col_date": {"ru": "Дата", "en": "Date"},
    "notifications_col_channel": {"ru": "Способ", "en": "Channel"},
    "notifications_col_status": {"ru": "Состояние", "en": "State"},
    "notifications_status_pending": {"ru": "отправляется", "en": "being sent"},
    "notifications_status_sent": {"ru": "отправлено", "en": "sent"},
    "notifications_status_no_address": {"ru": "не отправлено: нет адреса", "en": "not sent: no address"},
    "notifications_status_dead": {"ru": "не удалось отправить", "en": "could not be sent"},
    "notifications_no_record": {
        "ru": "Уведомления можно настроить, когда в ЕГИСЗ появится ваша медицинская карта.",
        "en": "You can set up notices once EGISZ has your medical record.",
    },
}
