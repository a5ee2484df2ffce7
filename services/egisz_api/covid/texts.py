"""The COVID pages' and the certificate PDF's words (Russian and English)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "cabinet_nav_covid": {"ru": "Сертификат вакцинации", "en": "Vaccination certificate"},
    "covid_title": {"ru": "Сертификат вакцинации от COVID-19", "en": "COVID-19 vaccination certificate"},
    "covid_intro": {
        "ru": "Сертификат выдаётся по записям о прививках в вашей медицинской карте. В нём только "
        "инициалы, дата рождения и сведения о прививках; подпись ЕГИСЗ проверяется по QR-коду.",
        "en": "The certificate is issued from the vaccinations in your medical record. It shows only "
        "your initials, date of birth and the doses; its EGISZ signature is checked from the QR code.",
    },
    "covid_none": {
        "ru": "Сертификата пока нет: в карте нет завершённой вакцинации от COVID-19.",
        "en": "There is no certificate yet: your record has no completed COVID-19 vaccination.",
    },
    "covid_no_record": {
        "ru": "Медицинская карта с вашим СНИЛС не найдена.",
        "en": "No medical record with your SNILS was found.",
    },
    "covid_number": {"ru": "Номер сертификата", "en": "Certificate number"},
    "covid_holder": {"ru": "Владелец", "en": "Holder"},
    "covid_birth_date": {"ru": "Дата рождения", "en": "Date of birth"},
    "covid_doses": {"ru": "Прививки", "en": "Doses"},
    "covid_dose": {"ru": "доза", "en": "dose"},
    "covid_col_date": {"ru": "Дата", "en": "Date"},
    "covid_col_vaccine": {"ru": "Вакцина", "en": "Vaccine"},
    "covid_col_dose": {"ru": "Номер дозы", "en": "Dose number"},
    "covid_pdf_button": {"ru": "Скачать PDF", "en": "Download PDF"},
    "covid_verify_link": {"ru": "Страница проверки сертификата", "en": "The certificate's check page"},
    "covid_qr_alt": {
        "ru": "QR-код со ссылкой на страницу проверки сертификата",
        "en": "QR code linking to the certificate's check page",
    },
    "covid_pdf_title": {
        "ru": "Сертификат о вакцинации от COVID-19",
        "en": "COVID-19 vaccination certificate",
    },
    "covid_pdf_scan": {
        "ru": "Отсканируйте QR-код, чтобы проверить сертификат, или откройте страницу:",
        "en": "Scan the QR code to check the certificate, or open the page:",
    },
    "covid_verify_title": {"ru": "Проверка сертификата вакцинации", "en": "Vaccination certificate check"},
    "covid_status_valid": {"ru": "Сертификат действителен", "en": "The certificate is valid"},
    "covid_status_invalid": {"ru": "Сертификат недействителен", "en": "The certificate is not valid"},
    "covid_status_revoked": {"ru": "Сертификат отозван", "en": "The certificate is revoked"},
    "covid_invalid_text": {
        "ru": "Такого сертификата нет, или его данные или подпись изменены.",
        "en": "No such certificate exists, or its data or signature were altered.",
    },
    "covid_revoked_text": {
        "ru": "Сведения о вакцинации, на которых основан сертификат, признаны ошибочными.",
        "en": "The vaccination records the certificate was based on were marked as entered in error.",
    },
    "covid_signed_note": {
        "ru": "Данные взяты из подписанного QR-кода; подпись ЕГИСЗ верна.",
        "en": "The data come from the signed QR code; its EGISZ signature is correct.",
    },
}


def text(key: str, locale: str) -> str:
    return MESSAGES[key]["en" if locale == "en" else "ru"]
