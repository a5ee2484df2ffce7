"""The worker forms' texts in Russian and English."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "wf_write_heading": {"ru": "Внести запись", "en": "Add a record"},
    "wf_prescription_title": {"ru": "Рецепт", "en": "Prescription"},
    "wf_referral_title": {"ru": "Направление", "en": "Referral"},
    "wf_lab_order_title": {"ru": "Направление на анализ", "en": "Lab order"},
    "wf_lab_result_title": {"ru": "Результат анализа", "en": "Lab result"},
    "wf_vaccination_title": {"ru": "Прививка", "en": "Vaccination"},
    "wf_visit_title": {"ru": "Приём (случай обращения)", "en": "Visit"},
    "wf_diagnosis_title": {"ru": "Диагноз", "en": "Diagnosis"},
    "wf_for_patient": {"ru": "Пациент: {name}", "en": "Patient: {name}"},
    "wf_medication": {"ru": "Лекарственный препарат", "en": "Medication"},
    "wf_dosage": {"ru": "Способ применения", "en": "Dosage instructions"},
    "wf_dosage_hint": {
        "ru": "Например: по 1 таблетке 1 раз в день утром",
        "en": "For example: 1 tablet once a day in the morning",
    },
    "wf_date": {"ru": "Дата", "en": "Date"},
    "wf_date_hint": {"ru": "Например, 12 04 2026", "en": "For example, 12 04 2026"},
    "wf_note": {"ru": "Комментарий", "en": "Comment"},
    "wf_service": {"ru": "Услуга (приём специалиста)", "en": "Service (specialist appointment)"},
    "wf_lab_service": {"ru": "Исследование", "en": "Test"},
    "wf_lab_test": {"ru": "Показатель", "en": "Analyte"},
    "wf_value": {"ru": "Значение", "en": "Value"},
    "wf_value_hint": {"ru": "Число, например 5,4", "en": "A number, for example 5.4"},
    "wf_unit": {"ru": "Единица измерения", "en": "Unit"},
    "wf_unit_hint": {"ru": "Например: ммоль/л", "en": "For example: mmol/L"},
    "wf_vaccine": {"ru": "Вакцина", "en": "Vaccine"},
    "wf_dose": {"ru": "Номер дозы", "en": "Dose number"},
    "wf_dose_hint": {"ru": "От 1 до 10", "en": "From 1 to 10"},
    "wf_lot": {"ru": "Серия (номер партии)", "en": "Lot number"},
    "wf_encounter_class": {"ru": "Условия оказания помощи", "en": "Care setting"},
    "wf_icd10": {"ru": "Диагноз по МКБ-10", "en": "ICD-10 diagnosis"},
    "wf_icd10_hint": {"ru": "Код и название из справочника МКБ-10", "en": "Code and name from ICD-10"},
    "wf_choose_option": {"ru": "Выберите…", "en": "Choose…"},
    "wf_error_required": {"ru": "Заполните это поле", "en": "Fill in this field"},
    "wf_error_choose": {"ru": "Выберите значение из списка", "en": "Choose a value from the list"},
    "wf_error_code": {
        "ru": "Такого кода нет в справочнике: выберите значение из списка",
        "en": "This code is not in the code list: choose a value from the list",
    },
    "wf_error_too_long": {"ru": "Слишком длинный текст", "en": "The text is too long"},
    "wf_error_date": {
        "ru": "Дата должна быть настоящей датой, не позже сегодняшней",
        "en": "The date must be a real date, not after today",
    },
    "wf_error_value": {"ru": "Введите число, например 5,4", "en": "Enter a number, for example 5.4"},
    "wf_error_dose": {
        "ru": "Номер дозы — целое число от 1 до 10",
        "en": "The dose number is a whole number from 1 to 10",
    },
    "wf_error_role": {
        "ru": "Ваша должность в этой организации не позволяет вносить такие записи.",
        "en": "Your position in this organisation does not allow this kind of record.",
    },
    "wf_error_invalid": {
        "ru": "Запись не сохранена: данные не прошли проверку. Проверьте поля и попробуйте снова.",
        "en": "The record was not saved: the data did not pass the checks. Check the fields and try again.",
    },
    "wf_sign_and_save": {"ru": "Подписать и сохранить", "en": "Sign and save"},
    "wf_save": {"ru": "Сохранить", "en": "Save"},
    "wf_sign_hint": {
        "ru": "Медицинская запись подписывается электронной подписью. Вы перейдёте на страницу подписи "
        "Госуслуг и вернётесь к этой форме с введёнными данными.",
        "en": "A medical record is signed with an electronic signature. You will go to the public services "
        "signature page and come back to this form with what you entered.",
    },
    "wf_signed_confirm_title": {"ru": "Подпись выполнена", "en": "Signed in with a signature"},
    "wf_signed_confirm": {
        "ru": "Проверьте данные и нажмите «Сохранить»: запись будет подписана вашей электронной подписью.",
        "en": "Check the data and press «Save»: the record will be signed with your electronic signature.",
    },
    "wf_not_signed": {
        "ru": "Вход с электронной подписью не выполнен. Данные формы сохранены: "
        "попробуйте подписать ещё раз.",
        "en": "The signature login did not happen. The form's data is kept: try signing again.",
    },
    "wf_gone_title": {"ru": "Форма не найдена", "en": "Form not found"},
    "wf_gone": {
        "ru": "Отложенная форма не найдена: она устарела (хранится 15 минут), уже сохранена или открыта "
        "в другом сеансе. Заполните форму заново.",
        "en": "The parked form was not found: it expired (it is kept 15 minutes), was already saved, or "
        "belongs to another session. Fill in the form again.",
    },
    "wf_fill_again": {"ru": "Заполнить заново", "en": "Fill in again"},
    "wf_unknown_title": {"ru": "Такой формы нет", "en": "No such form"},
    "wf_unknown": {"ru": "Такой формы нет в кабинете.", "en": "The cabinet has no such form."},
    "wf_to_record": {"ru": "К карте пациента", "en": "Back to the patient's record"},
}
