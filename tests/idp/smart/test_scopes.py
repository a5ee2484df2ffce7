"""SMART App Launch v2 scopes at the idp: a client's registered scopes are an allow-list that a
requested scope must fall inside (EGISZ.md §2.2), and the consent page reads them as sentences."""

from __future__ import annotations

import pytest

from idp.smart.scopes import needs_patient, unregistered
from idp.smart.texts import describe

LAB = "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"


@pytest.mark.parametrize(
    ("registered", "requested"),
    [
        (["patient/Observation.rs"], "patient/Observation.rs"),
        (["patient/Observation.rs"], "patient/Observation.r"),
        (["patient/Observation.rs"], "patient/Observation.read"),  # v1 read = rs
        (["patient/Observation.rs"], LAB),  # narrower: a restriction added
        (["patient/*.rs"], "patient/Observation.rs"),
        (["patient/*.rs"], "patient/Condition.s"),
        (["patient/*.cruds"], "patient/Appointment.cu"),
        ([LAB], LAB),
        (["openid", "fhirUser", "launch/patient"], "openid fhirUser launch/patient"),
    ],
)
def test_a_scope_inside_a_registered_one_is_granted(registered: list[str], requested: str) -> None:
    assert unregistered(registered, requested.split()) == set()


@pytest.mark.parametrize(
    ("registered", "requested"),
    [
        # the brief's case: a client allowed one type never gets the wildcard
        (["patient/Observation.rs"], "patient/*.rs"),
        (["patient/Observation.rs"], "patient/Condition.rs"),
        (["patient/Observation.rs"], "patient/Observation.cruds"),
        (["patient/Observation.r"], "patient/Observation.rs"),
        (["patient/Observation.rs"], "patient/Observation.write"),
        # a registered restriction must stay in the request
        ([LAB], "patient/Observation.rs"),
        ([LAB], "patient/Observation.rs?category=laboratory"),  # any system is wider than one
        # another context is another grant
        (["patient/*.rs"], "user/Observation.rs"),
        (["patient/*.rs"], "system/*.rs"),
        (["user/*.rs"], "patient/Observation.rs"),
        # unreadable scopes are compared as strings only
        (["patient/*.rs"], "patient/Observation.sr"),
        (["patient/*.rs"], "patient/*.rs?"),
        (["openid"], "launch/patient"),
        (["openid"], "fhirUser"),
    ],
)
def test_a_scope_outside_every_registered_one_is_refused(registered: list[str], requested: str) -> None:
    assert unregistered(registered, [requested]) == {requested}


def test_only_patient_context_needs_the_persons_patient() -> None:
    assert needs_patient({"openid", "launch/patient"})
    assert needs_patient({"patient/Observation.rs"})
    # EGISZ.md §5 row 34: the patient's own notification settings are bound to their Patient too
    assert needs_patient({"openid", "notifications.rw"})
    assert describe("notifications.rw", "ru") == "Чтение и изменение настроек уведомлений ЕГИСЗ"
    assert not needs_patient({"openid", "fhirUser", "user/*.rs", "system/*.rs", "profile"})


@pytest.mark.parametrize(
    ("scope", "ru", "en"),
    [
        (LAB, "Чтение ваших анализов", "Read your lab results"),
        ("patient/*.rs", "Чтение всех ваших медицинских данных", "Read all your health records"),
        (
            "patient/Observation.rs",
            "Чтение ваших наблюдений и анализов",
            "Read your observations and test results",
        ),
        ("patient/Appointment.cu", "Изменение ваших записей на приём", "Change your appointments"),
        ("patient/Consent.cruds", "Чтение и изменение ваших согласий", "Read and change your consents"),
        (
            "user/Condition.rs",
            "Чтение диагнозов (пациентов, с которыми вы работаете)",
            "Read diagnoses (of the patients you work with)",
        ),
        ("launch/patient", "Узнать, какая медицинская карта ваша (идентификатор пациента в ЕГИСЗ)", None),
        (
            "fhirUser",
            "Ссылку на вашу запись в ЕГИСЗ: карту пациента или, у медицинского работника, запись о нём",
            "A link to your record in EGISZ: your patient record or, for a medical worker, "
            "your practitioner record",
        ),
    ],
)
def test_the_consent_page_reads_smart_scopes_as_sentences(scope: str, ru: str, en: str | None) -> None:
    assert describe(scope, "ru") == ru
    if en is not None:
        assert describe(scope, "en") == en


def test_a_restriction_without_words_is_named_not_hidden() -> None:
    text = describe("patient/Observation.rs?code=http://loinc.org|718-7", "ru")
    assert text == "Чтение ваших наблюдений и анализов (только code=718-7)"
    assert describe("profile", "ru") is None
