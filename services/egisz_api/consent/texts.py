"""The consent pages' texts (ru, en), merged into the EGISZ renderer's messages. The consent text
itself is versioned in :mod:`egisz_api.consent.documents`."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "consent_title": {"ru": "Согласие на обработку персональных данных", "en": "Consent to data processing"},
    "consent_intro": {
        "ru": "Чтобы пользоваться личным кабинетом, прочитайте согласие и подтвердите его.",
        "en": "To use your account, read the consent and confirm it.",
    },
    "consent_new_version_title": {"ru": "Текст согласия изменился", "en": "The consent text has changed"},
    "consent_new_version": {
        "ru": "Вы давали согласие на прежнюю редакцию. Прочитайте новую редакцию и подтвердите её, "
        "чтобы продолжить.",
        "en": "You consented to an earlier version. Read the new version and confirm it to continue.",
    },
    "consent_version": {"ru": "Редакция {version} от {published}", "en": "Version {version} of {published}"},
    "consent_agree": {"ru": "Согласен(на)", "en": "I agree"},
    "consent_agree_hint": {
        "ru": "Я прочитал(а) согласие и даю его.",
        "en": "I have read the consent and give it.",
    },
    "consent_confirm": {"ru": "Подтвердить", "en": "Confirm"},
    "consent_agree_missing": {
        "ru": "Отметьте «Согласен(на)», чтобы подтвердить согласие",
        "en": "Tick “I agree” to confirm your consent",
    },
    "consent_changed_meanwhile": {
        "ru": "Пока страница была открыта, текст согласия изменился. Прочитайте новую редакцию.",
        "en": "The consent text changed while the page was open. Read the new version.",
    },
    "consent_given_title": {"ru": "Согласие дано", "en": "Consent given"},
    "consent_given": {
        "ru": "Вы дали согласие {date}. Медицинские организации и подключённые системы получают доступ "
        "к вашим записям; каждое обращение видно в разделе «Кто смотрел мою карту».",
        "en": "You gave consent on {date}. Medical organisations and connected systems can reach your "
        "records; every access is listed under “Who looked at my record”.",
    },
    "consent_status": {"ru": "Статус", "en": "Status"},
    "consent_status_given": {"ru": "Дано", "en": "Given"},
    "consent_given_at": {"ru": "Дано", "en": "Given on"},
    "consent_text_version": {"ru": "Редакция текста", "en": "Text version"},
    "consent_read_text": {"ru": "Текст согласия", "en": "The consent text"},
    "consent_withdraw": {"ru": "Отозвать согласие", "en": "Withdraw consent"},
    "consent_withdraw_title": {"ru": "Отозвать согласие?", "en": "Withdraw your consent?"},
    "consent_withdraw_means": {
        "ru": "Если вы отзовёте согласие:",
        "en": "If you withdraw your consent:",
    },
    "consent_withdraw_point_1": {
        "ru": "врачи, медицинские организации и их информационные системы сразу перестанут получать "
        "доступ к вашим записям через ЕГИСЗ — в том числе при обращении за помощью;",
        "en": "doctors, medical organisations and their information systems immediately stop "
        "getting access to your records through EGISZ — also when you seek care;",
    },
    "consent_withdraw_point_2": {
        "ru": "вы сами по-прежнему видите свои записи, журнал обращений и можете скачать данные;",
        "en": "you still see your records and the access log, and can download your data;",
    },
    "consent_withdraw_point_3": {
        "ru": "записи не удаляются; доступ восстановится, как только вы снова дадите согласие.",
        "en": "nothing is deleted; access returns as soon as you give consent again.",
    },
    "consent_cancel": {"ru": "Отмена", "en": "Cancel"},
    "consent_suspended_title": {
        "ru": "Доступ к вашим записям приостановлен",
        "en": "Access to your records is suspended",
    },
    "consent_suspended": {
        "ru": "Вы отозвали согласие на обработку персональных данных {date}. Пока оно отозвано, врачи, "
        "медицинские организации и их системы не получают доступ к вашим записям через ЕГИСЗ.",
        "en": "You withdrew your consent to the processing of personal data on {date}. While it is "
        "withdrawn, doctors, medical organisations and their systems get no access to your records "
        "through EGISZ.",
    },
    "consent_restore_title": {"ru": "Как восстановить доступ", "en": "How to restore access"},
    "consent_restore": {
        "ru": "Прочитайте согласие ниже, отметьте «Согласен(на)» и нажмите «Подтвердить». Доступ "
        "восстановится сразу.",
        "en": "Read the consent below, tick “I agree” and press “Confirm”. Access returns at once.",
    },
    "consent_withdrawn_done": {
        "ru": "Согласие отозвано. Доступ к вашим записям приостановлен.",
        "en": "Consent withdrawn. Access to your records is suspended.",
    },
    "consent_given_done": {
        "ru": "Спасибо, согласие подтверждено.",
        "en": "Thank you, your consent is confirmed.",
    },
    "consent_no_record": {
        "ru": "Мы не нашли вашу медицинскую карту, поэтому согласие пока не требуется.",
        "en": "We have not found your health record, so no consent is needed yet.",
    },
    "consent_back_to_overview": {"ru": "На главную кабинета", "en": "To the account overview"},
}
