"""Every person-facing page the accessibility suite visits (tests/e2e/test_pages_accessibility.py).

To add a page, append a :class:`Visit` to :data:`PAGES`: a short id (it names the test and the
screenshot), the service that serves it, whether the browser is signed in, and how to reach it —
a path, or a function that drives the page there (fill a form, follow a flow). Forms are found by
their ``action`` and inputs by their ``name``: those come from the routes, not from the templates,
so the steps survive a redesign.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from egisz_api.cabinet.dependencies import COOKIE as CABINET_COOKIE
from egisz_api.cabinet.schemas import Membership
from egisz_api.seed import MOSCOW_ORG, SPB_ORG
from idp.accounts.validation import snils_check_number
from idp.demo_rp.routes import CLIENT_ID as DEMO_RP_ID
from idp.seed import DEMO_CITIZEN

#: Where the services listen: {"idp": "http://127.0.0.1:…", "egisz_api": "http://127.0.0.1:…"}
Urls = dict[str, str]
Steps = Callable[[Any, Urls], None]


@dataclass(frozen=True)
class Visit:
    id: str
    service: str  # "idp" | "egisz_api"
    signed_in: bool
    path: str = "/"  # opened first; then ``steps`` (if any) drives the page on
    steps: Steps | None = None


def submit(page: Any, action: str) -> None:
    """Press the submit button of the form posting to ``action`` and wait for the next page."""
    with page.expect_navigation():
        page.locator(f'form[action="{action}"] [type="submit"]').first.click()


def login_bad_submit(page: Any, urls: Urls) -> None:
    # an unknown login: shows the error without counting against a real account's lockout
    page.locator('input[name="login"]').fill("nobody@example.test")
    page.locator('input[name="password"]').fill("wrong password")
    submit(page, "/login")


def register_empty_submit(page: Any, urls: Urls) -> None:
    submit(page, "/register")


def recover_empty_submit(page: Any, urls: Urls) -> None:
    submit(page, "/recover")


def recover_code(page: Any, urls: Urls) -> None:
    page.locator('input[name="login"]').fill(DEMO_CITIZEN.email or "")
    submit(page, "/recover")


def login_code(page: Any, urls: Urls) -> None:
    """A password login from a browser the idp does not know: the SMS code page."""
    page.locator('input[name="login"]').fill(DEMO_CITIZEN.email or "")
    page.locator('input[name="password"]').fill(DEMO_CITIZEN.password)
    submit(page, "/login")


def app_connected(page: Any, urls: Urls) -> None:
    """The app device page right after connecting one: the key shown once, the dev app link."""
    page.locator('input[name="name"]').fill("Мой телефон")
    page.locator('input[name="current_password"]').fill(DEMO_CITIZEN.password)
    submit(page, "/account/security/app")


def app_dev_page(page: Any, urls: Urls) -> None:
    """The simulated «Госуслуги» app page (dev mode), opened from the link shown once."""
    app_connected(page, urls)
    page.goto(page.locator('a[href*="/dev/app?k="]').first.get_attribute("href") or "")


def covid_verify(page: Any, urls: Urls) -> None:
    """From the cabinet's certificate section to its public check page (the link is absolute, on
    the configured public address: opened here on the served port)."""
    href = page.locator('a[href*="/covid-cert/verify/"]').first.get_attribute("href") or ""
    page.goto(urls["egisz_api"] + "/covid-cert/verify/" + href.rsplit("/", 1)[1])


def consent_query(issuer: str) -> str:
    """An authorization request of the demo relying party that asks for consent again."""
    challenge = base64.urlsafe_b64encode(hashlib.sha256(b"a11y-verifier" * 4).digest())
    return urlencode(
        {
            "response_type": "code",
            "client_id": DEMO_RP_ID,
            "redirect_uri": f"{issuer}/demo-rp/callback",
            "scope": "openid profile email phone snils offline_access",
            "state": "a11y-state",
            "nonce": "a11y-nonce",
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
            "prompt": "consent",
        }
    )


def consent(page: Any, urls: Urls) -> None:
    page.goto(f"{urls['idp']}/authorize?{consent_query(urls['idp'])}")


def totp_start(page: Any, urls: Urls) -> None:
    """The authenticator-app enrolment page (QR code and secret) is the answer to a POST."""
    submit(page, "/account/security/totp/start")


def post_form(page: Any, action: str, fields: dict[str, str]) -> None:
    """Post a form the page does not offer, as an old tab or a crafted page would (a wrong method,
    an oversized body, a value no input allows), and wait for the answer page."""
    with page.expect_navigation():
        page.evaluate(
            """([action, fields]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                for (const [name, value] of Object.entries(fields)) {
                    const input = document.createElement("textarea");
                    input.name = name;
                    input.value = value;
                    form.append(input);
                }
                document.body.append(form);
                form.submit();
            }""",
            [action, fields],
        )


def wrong_method(page: Any, urls: Urls) -> None:
    post_form(page, "/privacy", {"x": "1"})


def too_large(page: Any, urls: Urls) -> None:
    post_form(page, "/login", {"login": "x" * 1_100_000})  # past max_body_bytes (1 MiB)


def invalid_form_value(page: Any, urls: Urls) -> None:
    post_form(page, "/login", {"login": "a", "password": "b", "csrf_token": "x" * 300})


def _outbox(urls: Urls, address: str, after: int = 0) -> str:
    """The body of the newest dev-outbox entry for ``address`` newer than entry id ``after``: a
    bounded poll while the notifier delivers it."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        entries = httpx.get(f"{urls['outbox']}/latest", params={"address": address, "limit": 1}).json()
        if entries and entries[0]["id"] > after:
            return str(entries[0]["body"])
        time.sleep(0.1)
    raise AssertionError(f"nothing new for {address} in the dev outbox")


def _newest_id(urls: Urls, address: str) -> int:
    entries = httpx.get(f"{urls['outbox']}/latest", params={"address": address, "limit": 1}).json()
    return int(entries[0]["id"]) if entries else 0


_people = itertools.count(1)


def _register(page: Any, urls: Urls) -> str:
    """Register a new person (unique phone, e-mail, SNILS and passport); returns the e-mail."""
    n = next(_people)
    first_nine = f"{200000000 + n * 7919:09d}"
    snils = first_nine + f"{snils_check_number(first_nine):02d}"
    email = f"a11y{n}@example.test"
    values = {
        "last_name": "Сидоров",
        "first_name": "Пётр",
        "middle_name": "Алексеевич",
        "birth_date-day": "30",
        "birth_date-month": "09",
        "birth_date-year": "1978",
        "snils": snils,
        "phone": f"+7 916 7{n:02d}-{n:02d}-{n:02d}",
        "email": email,
        "passport_series": "4512",
        "passport_number": f"{300000 + n}",
        "passport_issue_date-day": "01",
        "passport_issue_date-month": "10",
        "passport_issue_date-year": "2005",
        "passport_issuer": "ОВД района Хамовники г. Москвы",
        "passport_division_code": "772-001",
        "password": "Zebra-Lantern-77",
    }
    for name, value in values.items():
        page.locator(f'[name="{name}"]').fill(value)
    submit(page, "/register")
    assert page.url.endswith("/register/phone"), page.url
    return email


def register_phone(page: Any, urls: Urls) -> None:
    """The page after registration: the SMS code was sent, type it."""
    _register(page, urls)


def confirm_email(page: Any, urls: Urls) -> None:
    """The e-mail confirmed page: the link from the registration e-mail."""
    email = _register(page, urls)
    link = re.search(r"https?://\S+/confirm-email\?token=[\w.\-]+", _outbox(urls, email))
    assert link, email
    page.goto(link.group(0))


#: a demo account no other page signs in with: its password is reset on each visit; the code
#: goes to its confirmed phone
RECOVERED = "sidorov@example.test"
RECOVERED_PHONE = "+79160000003"


def recover_done(page: Any, urls: Urls) -> None:
    """Recovery to its end: the code from the e-mail, a new password, «Войдите с новым паролем»."""
    before = _newest_id(urls, RECOVERED_PHONE)
    page.locator('input[name="login"]').fill(RECOVERED)
    submit(page, "/recover")
    code = re.search(r"(?<![0-9])([0-9]{6})(?![0-9])", _outbox(urls, RECOVERED_PHONE, before))
    assert code
    page.locator('input[name="code"]').fill(code.group(1))
    page.locator('input[name="new_password"]').fill("Quiet-Harbour-58")
    page.locator('input[name="repeat_password"]').fill("Quiet-Harbour-58")
    submit(page, "/recover/code")


def esia_diagnosis(page: Any, urls: Urls) -> None:
    """The ESIA face's refusal page names a diagnosis; its page (dev mode) explains the refusal."""
    handle = re.search(r"diag ([0-9a-f]{12})", page.content())
    assert handle, page.url
    page.goto(f"{urls['idp']}/esia/diagnoses/{handle.group(1)}")


def older_records(page: Any, urls: Urls) -> None:
    """The timeline's second page («Более ранние записи»)."""
    with page.expect_navigation():
        page.locator('a[rel="next"]').first.click()


#: the worker pages' medical worker: a doctor of both demo organisations (tests/e2e's session)
DEMO_WORKER = (
    Membership(oid="2000001", ogrn=MOSCOW_ORG[0], name=MOSCOW_ORG[1], role="practitioner", position="Врач"),
    Membership(oid="2000002", ogrn=SPB_ORG[0], name=SPB_ORG[1], role="practitioner", position="Врач"),
)


def as_worker(path: str, then: Steps | None = None) -> Steps:
    """Open ``path`` in the medical worker's cabinet session (then ``then``), and give the context
    the citizen's session back for the pages after it (the page shown stays the worker's)."""

    def steps(page: Any, urls: Urls) -> None:
        citizen = next(c for c in page.context.cookies() if c["name"] == CABINET_COOKIE)
        page.context.add_cookies(
            [{"name": CABINET_COOKIE, "value": urls["egisz_worker"], "url": urls["egisz_api"]}]
        )
        try:
            page.goto(f"{urls['egisz_api']}{path}")
            if then is not None:
                then(page, urls)
        finally:
            page.context.add_cookies([{**citizen}])

    return steps


#: a worker's writing form (docs/worker-forms.md); submitted empty it shows every field's error
WORKER_FORM = "/cabinet/patients/demo-ivanov/forms/lab-result"


def worker_search(**fields: str) -> Steps:
    def steps(page: Any, urls: Urls) -> None:
        for name, value in fields.items():
            page.locator(f'input[name="{name}"]').fill(value)
        submit(page, "/cabinet/patients")

    return steps


BAD_CLIENT = "/authorize?" + urlencode(
    {"client_id": "no-such-client", "response_type": "code", "redirect_uri": "https://example.test/cb"}
)

#: a route the suite adds to each service that raises: the 500 page
CRASH = "/crash-for-a11y"

PAGES: list[Visit] = [
    # idp, signed out
    Visit("home", "idp", False, "/"),
    Visit("login", "idp", False, "/login"),
    Visit("login-errors", "idp", False, "/login", login_bad_submit),
    Visit("login-code", "idp", False, "/login", login_code),
    Visit("register", "idp", False, "/register"),
    Visit("register-errors", "idp", False, "/register", register_empty_submit),
    Visit("recover", "idp", False, "/recover"),
    Visit("login-signature", "idp", False, "/login/signature"),
    Visit("login-bank", "idp", False, "/login/bank"),
    Visit("login-passkey", "idp", False, "/login/passkey"),
    Visit("recover-errors", "idp", False, "/recover", recover_empty_submit),
    Visit("recover-code", "idp", False, "/recover", recover_code),
    Visit("recover-done", "idp", False, "/recover", recover_done),
    Visit("register-phone", "idp", False, "/register", register_phone),
    Visit("confirm-email", "idp", False, "/register", confirm_email),
    Visit("confirm-email-bad-link", "idp", False, "/confirm-email?token=not-a-token"),
    Visit("logged-out", "idp", False, "/logout"),
    Visit("error-unknown-client", "idp", False, BAD_CLIENT),
    Visit("error-expired-interaction", "idp", False, "/authorize/resume?i=gone"),
    Visit("not-found", "idp", False, "/no-such-page"),
    Visit("error-wrong-method", "idp", False, "/privacy", wrong_method),
    Visit("error-too-large", "idp", False, "/login", too_large),
    Visit("error-invalid-value", "idp", False, "/login", invalid_form_value),
    Visit("error-crash", "idp", False, CRASH),
    Visit("esia-bad-request", "idp", False, "/aas/oauth2/v2/ac"),
    Visit("esia-diagnosis", "idp", False, "/aas/oauth2/v2/ac", esia_diagnosis),
    Visit("privacy", "idp", False, "/privacy"),
    # idp, signed in
    Visit("home-signed-in", "idp", True, "/"),
    Visit("consent", "idp", True, "/", consent),
    Visit("account-data", "idp", True, "/account"),
    Visit("account-key-data", "idp", True, "/account/key-data"),
    Visit("account-contacts-phone", "idp", True, "/account/contacts/phone"),
    Visit("account-contacts-email", "idp", True, "/account/contacts/email"),
    Visit("account-security", "idp", True, "/account/security"),
    Visit("account-totp", "idp", True, "/account/security", totp_start),
    Visit("account-app-devices", "idp", True, "/account/security/app"),
    Visit("account-app-connected", "idp", True, "/account/security/app", app_connected),
    Visit("app-dev-page", "idp", True, "/account/security/app", app_dev_page),
    Visit("account-apps", "idp", True, "/account/apps"),
    Visit("account-signatures", "idp", True, "/account/signatures"),
    Visit("account-passkeys", "idp", True, "/account/passkeys"),
    Visit("account-events", "idp", True, "/account/events"),
    # egisz_api
    Visit("home", "egisz_api", False, "/"),
    Visit("not-found", "egisz_api", False, "/no-such-page"),
    Visit("error-wrong-method", "egisz_api", False, "/privacy", wrong_method),
    Visit(
        "error-too-large",
        "egisz_api",
        False,
        "/",
        lambda page, urls: post_form(page, "/", {"x": "x" * 1_100_000}),
    ),
    Visit("error-crash", "egisz_api", False, CRASH),
    Visit("privacy", "egisz_api", False, "/privacy"),
    # egisz_api, the cabinet's record pages (signed in as the demo citizen, demo-ivanov's record)
    Visit("cabinet-records", "egisz_api", True, "/cabinet/records"),
    Visit("cabinet-records-filtered", "egisz_api", True, "/cabinet/records?kind=results&kind=vaccinations"),
    Visit("cabinet-records-older", "egisz_api", True, "/cabinet/records", older_records),
    Visit("cabinet-record-report", "egisz_api", True, "/cabinet/records/DiagnosticReport/demo-ivanov-cbc-2"),
    Visit("cabinet-record-visit", "egisz_api", True, "/cabinet/records/Encounter/demo-ivanov-enc-2"),
    Visit("cabinet-record-other-patient", "egisz_api", True, "/cabinet/records/Encounter/demo-petrova-enc-1"),
    Visit("cabinet-access-log", "egisz_api", True, "/cabinet/access-log"),
    # egisz_api, the COVID-19 vaccination certificate: the cabinet section, the public check page
    # (valid, reached from the cabinet's link; and a number nobody was given)
    Visit("cabinet-covid", "egisz_api", True, "/cabinet/covid"),
    Visit("covid-verify-valid", "egisz_api", True, "/cabinet/covid", covid_verify),
    Visit("covid-verify-invalid", "egisz_api", False, "/covid-cert/verify/9000000000000000"),
    # egisz_api, the worker pages (docs/cabinet.md «Medical workers»)
    Visit("worker-organization", "egisz_api", True, "/", as_worker("/cabinet/organization")),
    Visit("worker-search-errors", "egisz_api", True, "/", as_worker("/cabinet/patients", worker_search())),
    Visit(
        "worker-search-results",
        "egisz_api",
        True,
        "/",
        as_worker("/cabinet/patients", worker_search(oms="7700000000000001")),
    ),
    Visit(
        "worker-search-withdrawn",
        "egisz_api",
        True,
        "/",
        as_worker("/cabinet/patients", worker_search(oms="7700000000000005")),
    ),
    Visit("worker-patient", "egisz_api", True, "/", as_worker("/cabinet/patients/demo-ivanov")),
    Visit("worker-patient-withdrawn", "egisz_api", True, "/", as_worker("/cabinet/patients/demo-smirnov")),
    Visit("worker-form", "egisz_api", True, "/", as_worker(WORKER_FORM)),
    Visit(
        "worker-form-errors",
        "egisz_api",
        True,
        "/",
        as_worker(WORKER_FORM, lambda page, urls: submit(page, WORKER_FORM)),
    ),
]
