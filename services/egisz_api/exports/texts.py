"""The export's words, Russian and English (the PDF and the cabinet's export page)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
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
