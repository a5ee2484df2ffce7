"""The «Обращения» page's texts (Russian and English)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "requests_title": {"ru": "Обращения об исправлении и удалении", "en": "Correction and deletion requests"},
    "requests_intro": {
        "ru": "Если запись в вашей медицинской карте неверна, попросите её исправить. Если данные "
        "больше не нужны, попросите их удалить. Обращение рассматривает медицинская организация; "
        "статус меняется здесь, когда она ответит.",
        "en": "If a record in your medical record is wrong, ask for it to be corrected. If data is no "
        "longer needed, ask for it to be deleted. A medical organisation reviews the request; its "
        "status changes here when they answer.",
    },
    "requests_new": {"ru": "Новое обращение", "en": "New request"},
    "requests_kind": {"ru": "Что вы просите", "en": "What are you asking for"},
    "requests_kind_correction": {"ru": "Исправить запись", "en": "Correct a record"},
    "requests_kind_correction_hint": {
        "ru": "Например, неверная дата визита или опечатка в диагнозе.",
        "en": "For example, a wrong visit date or a typo in a diagnosis.",
    },
    "requests_kind_deletion": {"ru": "Удалить данные", "en": "Delete data"},
    "requests_kind_deletion_hint": {
        "ru": "Данные, которые больше не нужны. Часть данных закон требует хранить: тогда доступ к ним "
        "ограничат.",
        "en": "Data no longer needed. The law requires keeping some data: then access to it is restricted.",
    },
    "requests_focus": {"ru": "Какая запись", "en": "Which record"},
    "requests_focus_hint": {
        "ru": "Для исправления выберите запись. Для удаления можно не выбирать: опишите данные в тексте.",
        "en": "For a correction choose the record. For a deletion you may leave it: describe the data below.",
    },
    "requests_focus_none": {"ru": "Не выбрана", "en": "None chosen"},
    "requests_text": {"ru": "Опишите, что не так", "en": "Describe what is wrong"},
    "requests_text_hint": {
        "ru": "До 2000 символов. Не пишите пароли и коды из SMS.",
        "en": "Up to 2000 characters. Do not write passwords or SMS codes.",
    },
    "requests_submit": {"ru": "Отправить обращение", "en": "Send the request"},
    "requests_sent": {
        "ru": "Обращение отправлено. Его статус — в списке ниже.",
        "en": "The request was sent. Its status is in the list below.",
    },
    "requests_list": {"ru": "Ваши обращения", "en": "Your requests"},
    "requests_none": {"ru": "Обращений пока нет.", "en": "No requests yet."},
    "requests_col_date": {"ru": "Дата", "en": "Date"},
    "requests_col_kind": {"ru": "Вид", "en": "Kind"},
    "requests_col_focus": {"ru": "Запись", "en": "Record"},
    "requests_col_status": {"ru": "Статус", "en": "Status"},
    "requests_col_answer": {"ru": "Ответ", "en": "Answer"},
    "requests_col_text": {"ru": "Текст", "en": "Text"},
    "requests_status_requested": {"ru": "Подано", "en": "Sent"},
    "requests_status_received": {"ru": "Получено", "en": "Received"},
    "requests_status_accepted": {"ru": "Принято", "en": "Accepted"},
    "requests_status_rejected": {"ru": "Отклонено", "en": "Rejected"},
    "requests_status_in-progress": {"ru": "Рассматривается", "en": "In progress"},
    "requests_status_completed": {"ru": "Выполнено", "en": "Done"},
    "requests_status_cancelled": {"ru": "Отменено", "en": "Cancelled"},
    "requests_error_kind": {"ru": "Выберите, что вы просите", "en": "Choose what you are asking for"},
    "requests_error_focus": {
        "ru": "Выберите запись, которую нужно исправить",
        "en": "Choose the record to correct",
    },
    "requests_error_focus_unknown": {
        "ru": "Такой записи нет в вашей карте: выберите запись из списка",
        "en": "Your record has no such entry: choose one from the list",
    },
    "requests_error_text": {"ru": "Опишите, что не так", "en": "Describe what is wrong"},
    "requests_error_text_long": {
        "ru": "Сократите текст до 2000 символов",
        "en": "Shorten the text to 2000 characters",
    },
    "requests_no_record": {
        "ru": "Подать обращение можно, когда в ЕГИСЗ появится ваша медицинская карта.",
        "en": "You can send a request once EGISZ has your medical record.",
    },
}
