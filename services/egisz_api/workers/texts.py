"""The worker pages' texts in Russian and English."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "wk_nav_patients": {"ru": "Пациенты", "en": "Patients"},
    "wk_acting_for": {
        "ru": "Вы работаете от имени организации «{org}».",
        "en": "You are acting for «{org}».",
    },
    "wk_switch": {"ru": "Сменить организацию", "en": "Change organisation"},
    "wk_choose_title": {"ru": "Выберите организацию", "en": "Choose an organisation"},
    "wk_choose_legend": {
        "ru": "От имени какой организации вы работаете?",
        "en": "Which organisation are you acting for?",
    },
    "wk_choose_hint": {
        "ru": "Вы увидите только пациентов выбранной организации. Сменить её можно в любой момент.",
        "en": "You will see only this organisation's patients. You can change it at any time.",
    },
    "wk_choose_button": {"ru": "Продолжить", "en": "Continue"},
    "wk_error_org": {"ru": "Выберите одну из своих организаций", "en": "Choose one of your organisations"},
    "wk_not_worker_title": {"ru": "Раздел для медицинских работников", "en": "For medical workers"},
    "wk_not_worker": {
        "ru": "Этот раздел открыт сотрудникам медицинских организаций. По данным Госуслуг вы не работаете "
        "ни в одной медицинской организации.",
        "en": "This section is for staff of medical organisations. According to your public services "
        "account, you do not work for any medical organisation.",
    },
    "wk_to_overview": {"ru": "На главную кабинета", "en": "To the cabinet's overview"},
    "wk_search_title": {"ru": "Поиск пациента", "en": "Find a patient"},
    "wk_search_intro": {
        "ru": "Найдите пациента организации «{org}» по СНИЛС, полису ОМС или по фамилии, имени "
        "и дате рождения.",
        "en": "Find a patient of «{org}» by SNILS, ОМС policy, or by family name, first name and birth date.",
    },
    "wk_snils": {"ru": "СНИЛС", "en": "SNILS"},
    "wk_snils_hint": {
        "ru": "11 цифр, например 112-233-445 95",
        "en": "11 digits, for example 112-233-445 95",
    },
    "wk_oms": {"ru": "Полис ОМС", "en": "ОМС policy"},
    "wk_oms_hint": {"ru": "Номер полиса: до 16 цифр", "en": "The policy number: up to 16 digits"},
    "wk_by_name": {"ru": "Или по фамилии, имени и дате рождения", "en": "Or by name and birth date"},
    "wk_family": {"ru": "Фамилия", "en": "Family name"},
    "wk_given": {"ru": "Имя", "en": "First name"},
    "wk_birth": {"ru": "Дата рождения", "en": "Date of birth"},
    "wk_birth_hint": {"ru": "Например, 12 04 1985", "en": "For example, 12 04 1985"},
    "wk_birth_short": {"ru": "Дата рождения", "en": "Born"},
    "wk_search_button": {"ru": "Найти", "en": "Search"},
    "wk_error_snils": {"ru": "СНИЛС должен состоять из 11 цифр", "en": "SNILS must have 11 digits"},
    "wk_error_oms": {
        "ru": "Номер полиса ОМС должен состоять из цифр, от 6 до 16",
        "en": "The ОМС policy number must have 6 to 16 digits",
    },
    "wk_error_nothing": {
        "ru": "Укажите СНИЛС, полис ОМС или фамилию, имя и дату рождения",
        "en": "Enter a SNILS, an ОМС policy, or a family name, first name and birth date",
    },
    "wk_error_family": {"ru": "Укажите фамилию", "en": "Enter the family name"},
    "wk_error_given": {"ru": "Укажите имя", "en": "Enter the first name"},
    "wk_error_birth": {
        "ru": "Дата рождения должна быть настоящей датой в прошлом",
        "en": "The date of birth must be a real date in the past",
    },
    "wk_results": {"ru": "Результаты поиска", "en": "Search results"},
    "wk_none_found": {
        "ru": "Пациент не найден среди пациентов вашей организации.",
        "en": "No patient of your organisation was found.",
    },
    "wk_withdrawn_tag": {"ru": "Доступ закрыт", "en": "Access closed"},
    "wk_withdrawn_title": {"ru": "Доступ к карте закрыт", "en": "The record is closed"},
    "wk_withdrawn_reason": {
        "ru": "Пациент отозвал согласие на обработку персональных данных: медицинская карта закрыта для "
        "медицинских работников.",
        "en": "The patient has withdrawn consent to the processing of personal data: the record is closed "
        "to medical workers.",
    },
    "wk_withdrawn_since": {"ru": "Согласие отозвано {date}.", "en": "Consent withdrawn on {date}."},
    "wk_not_found_title": {"ru": "Пациент не найден", "en": "Patient not found"},
    "wk_not_found": {
        "ru": "Среди пациентов вашей организации такого пациента нет.",
        "en": "Your organisation has no such patient.",
    },
    "wk_to_search": {"ru": "К поиску пациента", "en": "Back to patient search"},
    "wk_patient_title": {"ru": "Медицинская карта пациента", "en": "The patient's record"},
    "wk_patient_logged": {
        "ru": "Пациент увидит в разделе «Кто смотрел мою карту», что вы открыли карту от имени «{org}».",
        "en": "The patient will see in «Who viewed my record» that you opened it for «{org}».",
    },
}
