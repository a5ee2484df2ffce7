"""The consent page's words for SMART scopes (EGISZ.md §2.2): «Чтение ваших анализов» for
``patient/Observation.rs?category=...|laboratory``, built from the parsed scope so that every
form a client may be granted reads as a sentence."""

from __future__ import annotations

from shared.smart_scopes import Scope, parse_scope

FIXED: dict[str, dict[str, str]] = {
    "launch/patient": {
        "ru": "Узнать, какая медицинская карта ваша (идентификатор пациента в ЕГИСЗ)",
        "en": "Know which health record is yours (your patient id in EGISZ)",
    },
    "fhirUser": {
        "ru": "Ссылку на вашу запись в ЕГИСЗ: карту пациента или, у медицинского работника, запись о нём",
        "en": "A link to your record in EGISZ: your patient record or, for a medical worker, "
        "your practitioner record",
    },
    "notifications.rw": {
        "ru": "Чтение и изменение настроек уведомлений ЕГИСЗ",
        "en": "Read and change your EGISZ notification settings",
    },
    "online_access": {"ru": "Доступ, пока вы в сеансе", "en": "Access while you are signed in"},
}
#: what a resource type holds, as the object of «Чтение …» / "Read …" (genitive in Russian)
TYPES: dict[str, dict[str, str]] = {
    "*": {"ru": "всех ваших медицинских данных", "en": "all your health records"},
    "Patient": {"ru": "ваших данных пациента", "en": "your patient details"},
    "Encounter": {"ru": "ваших посещений", "en": "your visits"},
    "Condition": {"ru": "ваших диагнозов", "en": "your diagnoses"},
    "Observation": {"ru": "ваших наблюдений и анализов", "en": "your observations and test results"},
    "DiagnosticReport": {"ru": "ваших заключений исследований", "en": "your diagnostic reports"},
    "ServiceRequest": {"ru": "ваших направлений", "en": "your referrals"},
    "MedicationRequest": {"ru": "ваших назначений лекарств", "en": "your prescriptions"},
    "Appointment": {"ru": "ваших записей на приём", "en": "your appointments"},
    "Immunization": {"ru": "ваших прививок", "en": "your vaccinations"},
    "DocumentReference": {"ru": "ваших медицинских документов", "en": "your medical documents"},
    "Consent": {"ru": "ваших согласий", "en": "your consents"},
    "AuditEvent": {"ru": "журнала доступа к вашей карте", "en": "the log of access to your record"},
}
#: granular restrictions the page names in words (a code alone or system|code)
CATEGORIES: dict[str, dict[str, str]] = {
    "laboratory": {"ru": "ваших анализов", "en": "your lab results"},
    "vital-signs": {"ru": "ваших показателей (давление, пульс, вес)", "en": "your vital signs"},
}
VERBS = {
    "read": {"ru": "Чтение", "en": "Read"},
    "write": {"ru": "Изменение", "en": "Change"},
    "both": {"ru": "Чтение и изменение", "en": "Read and change"},
}
WHOSE = {
    "user": {"ru": " (пациентов, с которыми вы работаете)", "en": " (of the patients you work with)"},
    "system": {"ru": " (всех пациентов, для системы)", "en": " (of all patients, for a system)"},
}


def describe(scope: str, locale: str) -> str | None:
    """One line for the consent page, or None when ``scope`` is not a SMART scope."""
    fixed = FIXED.get(scope)
    if fixed is not None:
        return fixed.get(locale, fixed["ru"])
    parsed = parse_scope(scope)
    if parsed is None:
        return None
    lang = "en" if locale == "en" else "ru"
    reads = bool(parsed.permissions & {"r", "s"})
    writes = bool(parsed.permissions & {"c", "u", "d"})
    verb = VERBS["both" if reads and writes else "read" if reads else "write"][lang]
    words = _object(parsed, lang)
    whose = WHOSE.get(parsed.context, {}).get(lang, "")
    if lang == "en":
        words = words.replace("your ", "") if parsed.context != "patient" else words
    elif parsed.context != "patient":
        words = words.replace("ваших ", "").replace("ваши ", "").replace("вашей ", "")
    return f"{verb} {words}{whose}"


def _object(parsed: Scope, lang: str) -> str:
    for param, value in parsed.restrictions:
        code = value.rsplit("|", 1)[-1]
        if param == "category" and code in CATEGORIES:
            return CATEGORIES[code][lang]
    entry = TYPES.get(parsed.resource_type)
    base = entry[lang] if entry else parsed.resource_type
    if parsed.restrictions:
        limits = ", ".join(f"{k}={v.rsplit('|', 1)[-1]}" for k, v in parsed.restrictions)
        base += f" ({'only' if lang == 'en' else 'только'} {limits})"
    return base
