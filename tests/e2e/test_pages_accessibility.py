"""Every person-facing page (tests/e2e/pages.py) in Russian and English, 1280 and 390 px wide, in
Debian's chromium: no ``serious`` or ``critical`` axe-core violation, no horizontal scrolling, the
page in the language asked for; a full-page screenshot of each goes to var/screenshots/ for review.

axe-core comes from npm with a committed lock file (tests/e2e/axe; ``make e2e-deps`` installs it and
``make test`` runs that first). Without Node.js the module is skipped; with Node but without the
package it fails, so a forgotten install never passes for a clean page.

One browser for the module, one browser context (and tab) per language × width × signed-in state,
axe-core injected into each as an init script. The services run in this process over real HTTP
(uvicorn on loopback ports) with the demo data seeded; the signed-in contexts share one session,
made once through the demo relying party (password, SMS code from the notifier's dev outbox,
consent), so the cabinet has an app to list. The module-scoped fixtures keep the module on one
pytest-xdist worker (tests/xdist_groups.py). See docs/accessibility.md.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from egisz_api.cabinet.dependencies import COOKIE as CABINET_COOKIE
from idp.login.forms import LANG_COOKIE
from idp.seed import DEMO_CITIZEN, seed
from tests.conftest import ROOT, Templates, create_database, drop_database, idp_settings
from tests.e2e.pages import CRASH, DEMO_WORKER, PAGES, Urls, Visit, submit
from tests.egisz_api.cabinet.support import open_session
from tests.live import free_port, serve_in_thread

pytestmark = pytest.mark.e2e

AXE_PACKAGE = ROOT / "tests/e2e/axe"
AXE_JS = AXE_PACKAGE / "node_modules/axe-core/axe.min.js"
SCREENSHOTS = ROOT / "var/screenshots"
LOCALES = {"ru": "ru-RU", "en": "en-US"}
WIDTHS = {1280: 800, 390: 844}  # width → viewport height
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def axe_js() -> Path:
    if AXE_JS.is_file():
        return AXE_JS
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: axe-core comes from npm (install Node, then make e2e-deps)")
    pytest.fail(f"{AXE_JS.relative_to(ROOT)} is missing: run `make e2e-deps` (npm ci --prefix tests/e2e/axe)")


def _outbox_code(outbox: str, address: str) -> str:
    """The newest code sent to ``address``: a bounded poll while the notifier delivers it."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        entries = httpx.get(f"{outbox}/latest", params={"address": address, "limit": 1}).json()
        for word in entries[0]["body"].split() if entries else []:
            digits = word.strip(".,:;«»")
            if digits.isdigit() and len(digits) == 6:
                return digits
        time.sleep(0.1)
    raise AssertionError(f"no code for {address} in the dev outbox")


@pytest.fixture(scope="module")
def urls(tmp_path_factory: pytest.TempPathFactory, db_templates: Templates) -> Iterator[Urls]:
    """idp, notifier (its dev outbox holds the codes) and egisz_api, each on a loopback port."""
    from egisz_api.main import create_app as create_egisz
    from egisz_api.seed import seed as seed_egisz
    from egisz_api.settings import EgiszSettings
    from idp.main import create_app as create_idp
    from notifier.main import create_app as create_notifier
    from notifier.settings import NotifierSettings

    folder = tmp_path_factory.mktemp("a11y")
    databases = {
        name: create_database(folder, name, template=db_templates.url(name))
        for name in ("idp", "notifier", "egisz_api")
    }
    ports = {name: free_port() for name in databases}
    base = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    settings = idp_settings(
        databases["idp"],
        issuer=base["idp"],
        notifier_url=base["notifier"],
        demo_relying_party=True,
        # every context signs in or asks for codes from the one loopback address and account
        login_rate_limit="1000/minute",
        code_max_sends_per_hour=1000,
        code_resend_cooldown_seconds=0,
    )
    seed(settings)
    notifier = create_notifier(
        NotifierSettings(
            database_url=databases["notifier"],
            dev_mode=True,
            dev_outbox=True,
            idp_issuer=base["idp"],
            idp_jwks_url=f"{base['idp']}/.well-known/jwks.json",
            dispatcher_poll_seconds=0.05,
        )
    )
    egisz_settings = EgiszSettings(
        database_url=databases["egisz_api"],
        dev_mode=True,
        idp_issuer=base["idp"],
        idp_jwks_url=f"{base['idp']}/.well-known/jwks.json",
        audit_journal_dir=folder / "egisz-journal",
        covid_cert_key=folder / "covid-cert-key.pem",
    )
    seed_egisz(egisz_settings)  # the demo citizens' records, so the record pages have entries
    egisz = create_egisz(egisz_settings)
    # the EGISZ cabinet's session of the demo citizen, opened through the cabinet's own service
    cabinet_token, _ = open_session(egisz, patient_id="demo-ivanov", snils=DEMO_CITIZEN.snils)
    # a doctor of both demo organisations acting for Moscow's (the worker pages)
    worker_token, _ = open_session(
        egisz, patient_id=None, snils=None, oid="1000000999", name="Врачёва Елена Петровна",
        memberships=DEMO_WORKER, org_oid=DEMO_WORKER[0].oid,
    )  # fmt: skip
    idp = create_idp(settings)
    for app in (idp, egisz):  # the 500 page: a route that fails as a bug would

        @app.get(CRASH, include_in_schema=False)
        def crash() -> None:
            raise RuntimeError("a bug, for the accessibility suite's 500 page")

    with ExitStack() as stack:
        stack.enter_context(serve_in_thread(idp, ports["idp"]))
        stack.enter_context(serve_in_thread(notifier, ports["notifier"]))
        stack.enter_context(serve_in_thread(egisz, ports["egisz_api"]))
        yield {
            **base,
            "outbox": f"{base['notifier']}/dev/outbox",
            "egisz_cabinet": cabinet_token,
            "egisz_worker": worker_token,
        }
    for url in databases.values():
        drop_database(url)


@pytest.fixture(scope="module")
def signed_in_state(browser: Any, urls: Urls) -> dict[str, Any]:
    """Cookies of a session of the demo citizen, who has also granted the demo relying party."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{urls['idp']}/demo-rp/login")
    page.locator('input[name="login"]').fill(DEMO_CITIZEN.email or "")
    page.locator('input[name="password"]').fill(DEMO_CITIZEN.password)
    submit(page, "/login")
    page.locator('input[name="code"]').fill(_outbox_code(urls["outbox"], DEMO_CITIZEN.phone or ""))
    submit(page, "/login/code")
    with page.expect_navigation():
        page.locator('[name="decision"][value="allow"]').click()
    assert page.url.startswith(f"{urls['idp']}/demo-rp/callback"), page.url
    # and signed in to the EGISZ cabinet (a session opened in the fixture above)
    context.add_cookies([{"name": CABINET_COOKIE, "value": urls["egisz_cabinet"], "url": urls["egisz_api"]}])
    state: dict[str, Any] = context.storage_state()
    context.close()
    return state


@pytest.fixture(scope="module")
def screenshots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture(scope="module")
def contexts(
    browser: Any, urls: Urls, signed_in_state: dict[str, Any], axe_js: Path
) -> Iterator[Callable[..., Any]]:
    """``contexts(locale, width, signed_in)`` → the one tab of a browser context made once per
    combination (a new tab per test costs more than the checks: the init script goes with it)."""
    made: dict[tuple[str, int, bool], Any] = {}
    tabs: dict[tuple[str, int, bool], Any] = {}

    def get(locale: str, width: int, signed_in: bool) -> Any:
        key = (locale, width, signed_in)
        if key not in made:
            made[key] = browser.new_context(
                viewport={"width": width, "height": WIDTHS[width]},
                locale=LOCALES[locale],  # Accept-Language
                bypass_csp=True,  # axe is injected as a script; the pages' CSP would refuse it
                storage_state=signed_in_state if signed_in else None,
            )
            # axe-core in every document of the context, sent to the browser once: three times
            # faster than page.add_script_tag(path=...) on each page, which re-sends its 500 KB
            made[key].add_init_script(path=str(axe_js))
            tabs[key] = made[key].new_page()
        context = made[key]
        if not signed_in:  # each signed-out visit starts from a fresh browser
            context.clear_cookies()
        context.add_cookies([{"name": LANG_COOKIE, "value": locale, "url": urls["idp"]}])
        return tabs[key]

    yield get
    for context in made.values():
        context.close()


AXE_RUN = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.map(n => n.target.join(" "))
    }));
}"""

#: the widest elements when the page scrolls sideways, named like a CSS selector
OVERFLOW = """() => {
    const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + [...el.classList].map(c => "." + c).join("");
    const path = el => {
        const parts = [];
        for (let e = el; e && e !== document.documentElement; e = e.parentElement) parts.unshift(name(e));
        return parts.join(" > ");
    };
    const width = window.innerWidth;
    const wide = [...document.body.querySelectorAll("*")]
        .filter(el => el.getBoundingClientRect().right > width + 0.5)
        .filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 0.5);
    return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
            offenders: wide.slice(0, 5).map(
                el => `${path(el)} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`)};
}"""


def _problems(page: Any, locale: str) -> list[str]:
    found: list[str] = []
    lang = page.evaluate("document.documentElement.lang")
    if lang != locale:
        found.append(f'html lang="{lang}", expected "{locale}"')
    assert page.evaluate("typeof axe") == "object", "axe-core was not injected"
    for violation in page.evaluate(AXE_RUN):
        if violation["impact"] in BLOCKING:
            found.append(
                f"axe {violation['impact']} {violation['id']} ({violation['help']}): "
                + "; ".join(violation["targets"])
            )
    overflow = page.evaluate(OVERFLOW)
    if overflow["scrollWidth"] > overflow["innerWidth"]:
        found.append(
            f"horizontal overflow: scrollWidth {overflow['scrollWidth']} > innerWidth "
            f"{overflow['innerWidth']}; widest: " + "; ".join(overflow["offenders"])
        )
    return found


@pytest.mark.parametrize("width", list(WIDTHS), ids=lambda w: f"{w}px")
@pytest.mark.parametrize("locale", list(LOCALES))
@pytest.mark.parametrize("visit", PAGES, ids=lambda v: f"{v.service}:{v.id}")
def test_page_is_accessible_and_fits(
    visit: Visit,
    locale: str,
    width: int,
    urls: Urls,
    contexts: Callable[..., Any],
    screenshots: Path,
) -> None:
    page = contexts(locale, width, visit.signed_in)
    page.goto(urls[visit.service] + visit.path)
    if visit.steps is not None:
        visit.steps(page, urls)
    where = f"{visit.service} {visit.id} [{locale}, {width} px] at {page.url}"
    shot = screenshots / visit.service / f"{visit.id}--{locale}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    content_type = page.evaluate("document.contentType")
    if content_type != "text/html":
        pytest.fail(f"{where}: not an HTML page but {content_type}", pytrace=False)
    problems = _problems(page, locale)
    assert not problems, f"{where}:\n  " + "\n  ".join(problems)


def test_the_page_list_has_unique_ids() -> None:
    """Each page's id names its screenshot: two pages with one id would overwrite each other."""
    keys = [(v.service, v.id) for v in PAGES]
    assert len(keys) == len(set(keys)), json.dumps(keys)


BAD_PAGE = """<!doctype html><html lang="en"><head><title>Bad</title></head><body style="margin: 0"><main>
<h1>Bad</h1><img src="data:," id="no-alt"><div class="wide" style="width: 2000px">wide</div>
</main></body></html>"""


def test_the_checks_catch_a_missing_alt_overflow_and_the_wrong_language(browser: Any, axe_js: Path) -> None:
    """The harness itself: a page with an image without alt text, a 2000 px block and English where
    Russian was asked for gets each named, with the selector, so a clean result means something."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    context.add_init_script(path=str(axe_js))
    page = context.new_page()
    page.route("http://a11y.test/", lambda route: route.fulfill(body=BAD_PAGE, content_type="text/html"))
    page.goto("http://a11y.test/")
    problems = _problems(page, "ru")
    context.close()
    assert problems[0] == 'html lang="en", expected "ru"'
    assert any(p.startswith("axe critical image-alt") and "#no-alt" in p for p in problems), problems
    assert any(
        p.startswith("horizontal overflow: scrollWidth 2000 > innerWidth 390")
        and "div.wide (right edge 2000 px)" in p
        for p in problems
    ), problems
