"""The export's words, Russian and English (the PDF and the cabinet's export page)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "export_title": {"ru": "Выгрузка медицинской карты", "en": "Download your medical record"},
    "export_intro": {
        "ru": "Вы можете скачать копию всех своих записей в ЕГИСЗ: визиты, результаты исследований, "
        "назначения, направления, записи на приём, прививки, документы, согласия и обращения.",
        "en": "You can download a copy of all your records in EGISZ: visits, results, prescriptions, "
        "referrals, appointments, vaccinations, documents, consents and requests.",
    },
    "export_pdf_heading": {"ru": "Для чтения и печати", "en": "To read and print"},
    "export_pdf_text": {
        "ru": "PDF-файл с выпиской: ФИО, дата рождения, СНИЛС и записи по разделам.",
        "en": "A PDF extract: your name, date of birth, SNILS and the records by section.",
    },
    "export_pdf_button": {"ru": "Скачать PDF", "en": "Download PDF"},
    "export_bundle_heading": {"ru": "Для передачи в другую систему", "en": "To pass to another system"},
    "export_bundle_text": {
        "ru": "Файл FHIR R4 (Bundle, JSON), который принимают медицинские информационные системы.",
        "en": "A FHIR R4 file (Bundle, JSON) that medical information systems accept.",
    },
    "export_bundle_button": {"ru": "Скачать FHIR (JSON)", "en": "Download FHIR (JSON)"},
    "export_audit_note": {
        "ru": "Каждая выгрузка записывается в журнал «Кто смотрел мою карту».",
        "en": "Each download is recorded in «Who viewed my record».",
    },
    "export_no_record": {
        "ru": "Выгружать пока нечего: медицинская карта с вашим СНИЛС не найдена.",
        "en": "There is nothing to download yet: no medical record with your SNILS was found.",
    },
    "export_pdf_title": {"ru": "Выписка из медицинской карты", "en": "Extract from the medical record"},
    "export_pdf_generated": {"ru": "Сформирована", "en": "Generated"},
    "export_pdf_birth_date": {"ru": "Дата рождения", "en": "Date of birth"},
    "export_pdf_snils": {"ru": "СНИЛС", "en": "SNILS"},
    "export_pdf_oms": {"ru": "Полис ОМС", "en": "OMS policy"},
    "export_pdf_empty": {"ru": "Записей нет.", "en": "No records."},
    "export_pdf_range": {"ru": "норма", "en": "reference range"},
    "export_pdf_high": {"ru": "выше нормы", "en": "above range"},
    "export_pdf_low": {"ru": "ниже нормы", "en": "below range"},
    "export_pdf_page": {"ru": "Страница", "en": "Page"},
    "export_pdf_footer": {
        "ru": "Выписка сформирована в личном кабинете ЕГИСЗ по запросу пациента.",
        "en": "Generated in the EGISZ patient cabinet at the patient's request.",
    },
    "export_section_Encounter": {"ru": "Визиты", "en": "Visits"},
    "export_section_Condition": {"ru": "Диагнозы", "en": "Diagnoses"},
    "export_section_Observation": {"ru": "Результаты исследований", "en": "Results"},
    "export_section_DiagnosticReport": {"ru": "Заключения по исследованиям", "en": "Test reports"},
    "export_section_MedicationRequest": {"ru": "Назначения", "en": "Prescriptions"},
    "export_section_ServiceRequest": {"ru": "Направления", "en": "Referrals"},
    "export_section_Appointment": {"ru": "Записи на приём", "en": "Appointments"},
    "export_section_Immunization": {"ru": "Прививки", "en": "Vaccinations"},
    "export_section_DocumentReference": {"ru": "Документы", "en": "Documents"},
    "export_section_Consent": {"ru": "Согласия", "en": "Consents"},
    "export_section_Task": {
        "ru": "Обращения об исправлении и удалении",
        "en": "Correction and deletion requests",
    },
}


def text(key: str, locale: str) -> str:
    entry = MESSAGES[key]
    return entry.get(locale) or entry["ru"]
