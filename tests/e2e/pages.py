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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

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
    #: set while the page is not HTML yet: the test is an xfail naming this reason until it is
    not_html_yet: str | None = None


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


def older_records(page: Any, urls: Urls) -> None:
    """The timeline's second page («Более ранние записи»)."""
    with page.expect_navigation():
        page.locator('a[rel="next"]').first.click()


BAD_CLIENT = "/authorize?" + urlencode(
    {"client_id": "no-such-client", "response_type": "code", "redirect_uri": "https://example.test/cb"}
)

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
    Visit("recover-errors", "idp", False, "/recover", recover_empty_submit),
    Visit("recover-code", "idp", False, "/recover", recover_code),
    Visit("confirm-email-bad-link", "idp", False, "/confirm-email?token=not-a-token"),
    Visit("logged-out", "idp", False, "/logout"),
    Visit("error-unknown-client", "idp", False, BAD_CLIENT),
    Visit("error-expired-interaction", "idp", False, "/authorize/resume?i=gone"),
    Visit("not-found", "idp", False, "/no-such-page"),
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
    Visit("account-apps", "idp", True, "/account/apps"),
    Visit("account-signatures", "idp", True, "/account/signatures"),
    Visit("account-events", "idp", True, "/account/events"),
    # egisz_api
    Visit("home", "egisz_api", False, "/"),
    Visit("not-found", "egisz_api", False, "/no-such-page"),
    Visit("privacy", "egisz_api", False, "/privacy"),
    # egisz_api, the cabinet's record pages (signed in as the demo citizen, demo-ivanov's record)
    Visit("cabinet-records", "egisz_api", True, "/cabinet/records"),
    Visit("cabinet-records-filtered", "egisz_api", True, "/cabinet/records?kind=results&kind=vaccinations"),
    Visit("cabinet-records-older", "egisz_api", True, "/cabinet/records", older_records),
    Visit("cabinet-record-report", "egisz_api", True, "/cabinet/records/DiagnosticReport/demo-ivanov-cbc-2"),
    Visit("cabinet-record-visit", "egisz_api", True, "/cabinet/records/Encounter/demo-ivanov-enc-2"),
    Visit("cabinet-record-other-patient", "egisz_api", True, "/cabinet/records/Encounter/demo-petrova-enc-1"),
    Visit("cabinet-access-log", "egisz_api", True, "/cabinet/access-log"),
]
