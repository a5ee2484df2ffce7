"""Texts of the ESIA face's pages (Russian default, English complete), merged into the idp's page
texts by :func:`idp.login.pages.build_renderer`."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "esia_diag_title": {"ru": "Почему запрос отклонён", "en": "Why the request was refused"},
    "esia_diag_dev_only": {
        "ru": "Эта страница — для разработчиков информационной системы. Она есть только в режиме "
        "разработки; в рабочем режиме оператор читает разбор через API администратора.",
        "en": "This page is for the developers of the information system. It exists in development "
        "mode only; in production the operator reads the diagnosis through the admin API.",
    },
    "esia_diag_answer": {"ru": "Что получила система", "en": "What the system received"},
    "esia_diag_code": {"ru": "Код ЕСИА", "en": "ESIA code"},
    "esia_diag_error": {"ru": "error", "en": "error"},
    "esia_diag_description": {"ru": "error_description", "en": "error_description"},
    "esia_diag_endpoint": {"ru": "Адрес", "en": "Endpoint"},
    "esia_diag_client": {"ru": "Мнемоника системы", "en": "System mnemonic"},
    "esia_diag_when": {"ru": "Когда", "en": "When"},
    "esia_diag_handle": {"ru": "Номер разбора", "en": "Diagnosis handle"},
    "esia_diag_explanation": {"ru": "Разбор", "en": "Explanation"},
    "esia_diag_nothing": {
        "ru": "Проверка, отклонившая запрос, не оставила подробностей.",
        "en": "The check that refused the request left no details.",
    },
    "esia_diag_kept": {
        "ru": "Разборы хранятся {days} дней.",
        "en": "Diagnoses are kept for {days} days.",
    },
    # what the refusing check recorded (idp.esia.diagnostics); unknown keys are shown by name
    "esia_diag_expected": {"ru": "Ожидалась строка для подписи", "en": "The string expected to be signed"},
    "esia_diag_found": {"ru": "Подписана строка", "en": "The string found signed"},
    "esia_diag_expected_value": {"ru": "Ожидалось", "en": "Expected"},
    "esia_diag_found_value": {"ru": "Получено", "en": "Found"},
    "esia_diag_certificates_found": {
        "ru": "Сертификаты в запросе",
        "en": "Certificates in the request",
    },
    "esia_diag_certificates_registered": {
        "ru": "Зарегистрированные сертификаты",
        "en": "Registered certificates",
    },
    "esia_diag_client_certificate_hash": {
        "ru": "Присланный client_certificate_hash",
        "en": "client_certificate_hash sent",
    },
    "esia_diag_algorithm": {"ru": "Алгоритм", "en": "Algorithm"},
    "esia_diag_skew_seconds": {"ru": "Расхождение времени, с", "en": "Timestamp skew, s"},
    "esia_diag_window_seconds": {"ru": "Допустимое расхождение, с", "en": "Allowed skew, s"},
    "esia_diag_timestamp": {"ru": "Присланный timestamp", "en": "timestamp sent"},
    "esia_diag_server_time": {"ru": "Время сервера", "en": "Server time"},
    "esia_diag_missing": {"ru": "Не хватает параметра", "en": "Missing parameter"},
    "esia_diag_parameter": {"ru": "Параметр", "en": "Parameter"},
    "esia_diag_mode": {"ru": "Режим совместимости", "en": "Compatibility mode"},
    "esia_diag_variant": {"ru": "Вариант сообщения", "en": "Message variant"},
    "esia_diag_reason": {"ru": "Причина", "en": "Reason"},
    "esia_diag_advice": {"ru": "Что изменить", "en": "What to change"},
}
