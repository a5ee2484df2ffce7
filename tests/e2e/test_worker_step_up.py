"""The worker forms' signature step-up in Debian's chromium (docs/worker-forms.md): a worker logs in
with a password through the idp's pages, fills a prescription, is sent to the idp's signature page,
uploads a signature of the challenge made with the demo PKI's qualified certificate (the no-JavaScript
path: a .sig file), comes back to the form with its data, confirms, and the record shows the
prescription with a Provenance; the form pages pass axe-core (no serious or critical violation).
The services run as real processes (the integration test's ``system``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_pages_accessibility import _problems, axe_js  # noqa: F401
from tests.integration.test_worker_step_up import DOSAGE, FORM, _stored, system  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def test_worker_signs_a_prescription_through_the_idp_in_chromium(
    browser: Any,
    system: dict[str, Any],  # noqa: F811  (the fixture imported above)
    axe_js: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    from tests.idp.conftest import CITIZEN, PASSWORD

    egisz, idp = system["egisz"], system["idp"]
    context = browser.new_context(locale="ru-RU")
    context.add_init_script(path=str(axe_js))
    page = context.new_page()
    page.goto(f"{egisz}/cabinet/login")
    page.locator("#login").fill(CITIZEN.email or "")
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    if "/consent" in page.url:
        page.get_by_role("button", name="Разрешить").click()
    page.goto(f"{egisz}{FORM}")
    assert _problems(page, "ru") == []
    medication = "urn:egisz:cs:medication|amlodipine-5-tab"
    page.get_by_label("Лекарственный препарат").select_option(value=medication)
    page.get_by_label("Способ применения").fill(DOSAGE)
    today = page.evaluate("new Date().toISOString().slice(0, 10)").split("-")
    page.locator("#date-day").fill(today[2])
    page.locator("#date-month").fill(today[1])
    page.locator("#date-year").fill(today[0])
    page.get_by_role("button", name="Подписать и сохранить").click()
    # the idp's signature page: sign its challenge offline and upload the .sig
    page.wait_for_url(f"{idp}/login/signature*")
    challenge = page.locator("#challenge-text").inner_text()
    signature = tmp_path / "challenge.txt.sig"
    signature.write_bytes(system["pki"].sign("qes", challenge))
    page.locator("#signature_file").set_input_files(str(signature))
    page.locator("#signature_file").locator("xpath=ancestor::form").locator(
        "button[type=submit]"
    ).last.click()
    page.wait_for_url(f"{egisz}{FORM}?parked=*")
    assert page.get_by_text("Подпись выполнена").count() == 1
    assert page.get_by_label("Способ применения").input_value() == DOSAGE
    assert _problems(page, "ru") == []
    before = {r["id"] for r in _stored(system["egisz_db"], "MedicationRequest")}
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(f"{egisz}/cabinet/patients/*/records/MedicationRequest/*")
    assert "Амлодипин" in page.content()
    new = [r for r in _stored(system["egisz_db"], "MedicationRequest") if r["id"] not in before]
    assert len(new) == 1
    provenance = [
        p for p in _stored(system["egisz_db"], "Provenance")
        if p["target"][0]["reference"].startswith(f"MedicationRequest/{new[0]['id']}/")
    ]  # fmt: skip
    assert len(provenance) == 1
    context.close()
