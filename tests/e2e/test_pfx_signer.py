"""The in-browser signer (issue 11 item 3, the JavaScript path) in Debian's chromium: the person
picks a demo .pfx, types its PIN, and the page sends a CMS SignedData over the challenge that
``idp.pki.cms.verify_cms`` accepts (RSA and ECDSA P-256); a wrong PIN, a file browsers cannot open
and a GOST key each say so in the page's language, and nothing is sent.

The bundle is ``make frontend``'s output (services/idp/static_build/pfx-signer.js, from the npm lock
file in services/idp/frontend). Without Node.js the module is skipped; with Node but without the
bundle it fails, so a forgotten build never passes.

Most tests run on a harness page: the real partial (templates/_pfx_signer.html, rendered by the
idp's renderer in Russian or English) inside a form shaped like the login-by-signature page's, with
the idp's page headers (CSP ``default-src 'self'``: no inline script, no eval) and the bundle served
by the idp's own ``mount_static_build``; the form posts to the harness, which records what arrived.
One test drives the real ``/login/signature`` page and is skipped while that page does not exist.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable, Iterator
from email.parser import BytesParser
from email.policy import default as default_policy
from html import escape
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from idp.login.pages import build_renderer
from idp.main import STATIC_BUILD, mount_static_build
from idp.pki import demo
from idp.pki.algorithms import SignatureError
from idp.pki.certificates import load_certificate
from idp.pki.cms import verify_cms
from shared.web.rendering import PAGE_HEADERS
from tests.conftest import ROOT, idp_settings
from tests.live import serve_in_thread

pytestmark = pytest.mark.e2e

SIGNER_JS = STATIC_BUILD / "pfx-signer.js"
PIN = "4321"
CHALLENGE = "Вход в ИС «ЕГИСЗ» · задание 6f1c2a9e-0b7d-4c55-9a1e-2d0f3b8e7c41 · 2026-12-01T12:00:00Z"
SNILS = "11223344595"


@pytest.fixture(scope="module")
def bundle() -> Path:
    if SIGNER_JS.is_file():
        return SIGNER_JS
    if shutil.which("node") is None:
        pytest.skip(
            "Node.js is not installed: the in-browser signer is built from npm (install Node, make frontend)"
        )
    pytest.fail(f"{SIGNER_JS.relative_to(ROOT)} is missing: run `make frontend`")


@pytest.fixture(scope="module")
def pfx(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Demo .pfx files: RSA and ECDSA P-256 from the demo PKI, one from `openssl pkcs12 -export`
    with the legacy 3DES encryption, a GOST one when the engine is there, and a file that is no .pfx."""
    root = tmp_path_factory.mktemp("pfx")
    now = dt.datetime.now(dt.UTC)
    window: dict[str, Any] = {
        "not_before": now - dt.timedelta(days=1),
        "not_after": now + dt.timedelta(days=30),
    }
    ca = demo.create_ca(root / "ca", "Демо УЦ", accredited=True, **window)
    subject = demo.Subject(common_name="Иванов Иван", surname="Иванов", given_name="Иван", snils=SNILS)
    files = {
        "rsa": demo.write_pfx(ca.issue("rsa", subject, algorithm="rsa", **window), ca, root / "rsa.pfx", PIN),
        "ecdsa": demo.write_pfx(
            ca.issue("ec", subject, algorithm="ecdsa", **window), ca, root / "ec.pfx", PIN
        ),
    }
    legacy = ca.issue("legacy", subject, algorithm="rsa", **window)
    files["3des"] = root / "legacy.pfx"
    subprocess.run(
        ["openssl", "pkcs12", "-export", "-inkey", str(legacy.key_pem), "-in", str(legacy.cert_pem),
         "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1",
         "-passout", f"pass:{PIN}", "-out", str(files["3des"])],
        check=True,
    )  # fmt: skip
    if demo.gost_available():
        gost = demo.create_ca(root / "gost", "Демо УЦ ГОСТ", accredited=True, algorithm="gost", **window)
        files["gost"] = demo.write_pfx(gost.issue("gost", subject, **window), gost, root / "gost.pfx", PIN)
    files["not_pfx"] = root / "certificate.pfx"
    files["not_pfx"].write_bytes(ca.cert_pem.read_bytes())
    return files


def _harness(received: list[dict[str, str]]) -> FastAPI:
    renderer = build_renderer(idp_settings("sqlite://"))
    app = FastAPI()
    mount_static_build(app, STATIC_BUILD)

    @app.get("/sign/{locale}")
    def page(locale: str) -> HTMLResponse:
        partial = renderer.html("_pfx_signer.html", locale)
        # shaped like login_signature.html; the partial sits INSIDE the form here, the stricter
        # case: its unnamed inputs must not be submitted, and Enter in the PIN must not submit
        html = f"""<!doctype html><html lang="{locale}"><head><meta charset="utf-8"><title>t</title></head>
<body><main><code id="challenge-text">{escape(CHALLENGE)}</code>
<form id="signature-form" method="post" action="/login/signature" enctype="multipart/form-data">
<input type="hidden" name="csrf_token" value="csrf-1"><input type="hidden" name="challenge_id" value="ch-1">
<input type="file" name="signature_file"><textarea name="signature"></textarea>
{partial}
<button type="submit">Войти</button></form></main></body></html>"""
        return HTMLResponse(html, headers=PAGE_HEADERS)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)  # else a 404 in the console, which the page fixture fails on

    @app.post("/login/signature")
    async def submit(request: Request) -> HTMLResponse:
        async with request.form() as form:
            received.append(
                {key: value if isinstance(value, str) else "<file>" for key, value in form.items()}
            )
        return HTMLResponse("<!doctype html><title>ok</title><p id='received'>received</p>")

    return app


@pytest.fixture(scope="module")
def harness(bundle: Path) -> Iterator[tuple[str, list[dict[str, str]]]]:
    received: list[dict[str, str]] = []
    with serve_in_thread(_harness(received)) as base:
        yield base, received


@pytest.fixture
def page(browser: Any, harness: tuple[str, list[dict[str, str]]]) -> Iterator[Any]:
    harness[1].clear()
    context = browser.new_context()
    errors: list[str] = []
    tab = context.new_page()
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == []  # no CSP violation, no script error


LABELS = {
    "ru": {"file": "Файл ключа (.pfx, .p12)", "pin": "PIN-код", "sign": "Подписать в браузере"},
    "en": {"file": "Key file (.pfx, .p12)", "pin": "PIN", "sign": "Sign in the browser"},
}


def _sign(page: Any, base: str, locale: str, pfx_file: Path, pin: str) -> None:
    page.goto(f"{base}/sign/{locale}")
    labels = LABELS[locale]
    page.get_by_label(labels["file"]).set_input_files(str(pfx_file))
    page.get_by_label(labels["pin"], exact=True).fill(pin)
    page.get_by_role("button", name=labels["sign"]).click()


@pytest.mark.parametrize(("kind", "algorithm"), [("rsa", "rsa_pkcs1v15"), ("ecdsa", "ecdsa")])
def test_signs_the_challenge_with_the_pfx_and_submits_the_form(
    page: Any, harness: tuple[str, list[dict[str, str]]], pfx: dict[str, Path], kind: str, algorithm: str
) -> None:
    base, received = harness
    _sign(page, base, "ru", pfx[kind], PIN)
    page.locator("#received").wait_for()
    [form] = received
    # only the page's own fields: the .pfx and its PIN have no name and never leave the browser
    assert set(form) == {"csrf_token", "challenge_id", "signature_file", "signature"}
    assert form["challenge_id"] == "ch-1"
    verified = verify_cms(form["signature"], CHALLENGE.encode())
    assert verified.signature_algorithm == algorithm
    assert verified.digest_algorithm == "sha256"
    assert not verified.attached and verified.signing_time is not None
    assert load_certificate(verified.signer_certificate).snils == SNILS


def test_the_signature_covers_exactly_the_challenge(
    page: Any, harness: tuple[str, list[dict[str, str]]], pfx: dict[str, Path]
) -> None:
    base, received = harness
    _sign(page, base, "en", pfx["rsa"], PIN)
    page.locator("#received").wait_for()
    with pytest.raises(SignatureError):
        verify_cms(received[0]["signature"], (CHALLENGE + " ").encode())


@pytest.mark.parametrize(("locale", "message"), [("ru", "Неверный PIN-код"), ("en", "Wrong PIN")])
def test_a_wrong_pin_says_so_in_the_page_language_and_sends_nothing(
    page: Any, harness: tuple[str, list[dict[str, str]]], pfx: dict[str, Path], locale: str, message: str
) -> None:
    base, received = harness
    _sign(page, base, locale, pfx["rsa"], "0000")
    status = page.get_by_role("status")
    status.filter(has_text=message).wait_for()
    assert status.inner_text() == message
    pin = page.get_by_label(LABELS[locale]["pin"], exact=True)
    assert pin.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "pfx-pin"
    # Enter in the PIN field signs (here: fails again); it never submits the form unsigned
    pin.press("Enter")
    assert received == []
    assert page.locator("textarea[name=signature]").input_value() == ""


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("3des", "шифрованием, которое браузер не поддерживает"),
        ("gost", "только ключом RSA или ECDSA P-256"),
        ("not_pfx", "Файл не читается как .pfx"),
    ],
)
def test_a_file_the_browser_cannot_use_is_explained(
    page: Any, harness: tuple[str, list[dict[str, str]]], pfx: dict[str, Path], kind: str, expected: str
) -> None:
    if kind not in pfx:
        pytest.skip("no OpenSSL GOST engine: no GOST .pfx to try (bash .ci/install-gost)")
    base, received = harness
    _sign(page, base, "ru", pfx[kind], PIN)
    page.get_by_role("status").filter(has_text=expected).wait_for()
    assert received == []


def test_missing_file_and_pin_are_asked_for(page: Any, harness: tuple[str, list[dict[str, str]]]) -> None:
    base, received = harness
    page.goto(f"{base}/sign/ru")
    page.get_by_role("button", name="Подписать в браузере").click()
    assert page.get_by_role("status").inner_text() == "Выберите файл ключа .pfx"
    assert received == []


def test_without_javascript_the_signer_stays_hidden(
    browser: Any, harness: tuple[str, list[dict[str, str]]]
) -> None:
    base, _ = harness
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"{base}/sign/ru")
    assert tab.locator("[data-pfx-signer]").is_hidden()
    assert tab.get_by_role("button", name="Подписать в браузере").count() == 0
    context.close()


def test_the_bundle_is_served_as_javascript(harness: tuple[str, list[dict[str, str]]]) -> None:
    response = httpx.get(f"{harness[0]}/static/idp/pfx-signer.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(("text/javascript", "application/javascript"))


def test_the_idp_starts_without_a_build(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = FastAPI()
    mount_static_build(app, tmp_path / "static_build")
    assert not [route for route in app.routes if getattr(route, "path", "") == "/static/idp"]
    assert "make frontend" in caplog.text


# --- the real page ------------------------------------------------------------------------------


def _multipart(content_type: str, body: bytes) -> dict[str, str]:
    message = BytesParser(policy=default_policy).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    return {
        str(part.get_param("name", header="content-disposition")): part.get_payload(decode=True).decode()
        for part in message.iter_parts()
    }


def test_the_login_by_signature_page_signs_in_the_browser(
    browser: Any, bundle: Path, tmp_path: Path, make_db: Callable[..., str]
) -> None:
    """The real page: a qualified certificate naming the demo citizen's SNILS, in a .pfx, signs the
    page's challenge in chromium; what the form posts verifies over ``#challenge-text``, and the idp
    takes it (the signature page is left, not shown again with a refusal)."""
    from idp.main import create_app
    from idp.pki import trust
    from idp.seed import DEMO_CITIZEN, seed

    settings = idp_settings(make_db("idp"))
    seed(settings)
    app = create_app(settings)
    now = dt.datetime.now(dt.UTC)
    window: dict[str, Any] = {
        "not_before": now - dt.timedelta(days=1),
        "not_after": now + dt.timedelta(days=30),
    }
    ca = demo.create_ca(tmp_path / "ca", "Демо УЦ", accredited=True, **window)
    subject = demo.Subject(
        common_name="Иванов Иван", snils="".join(filter(str.isdigit, DEMO_CITIZEN.snils or ""))
    )
    pfx_file = demo.write_pfx(
        ca.issue("qes", subject, algorithm="ecdsa", **window), ca, tmp_path / "q.pfx", PIN
    )
    ca.publish_crl(now - dt.timedelta(hours=1), now + dt.timedelta(days=7))
    with app.state.session_factory() as session:
        trust.add_trusted_ca(session, ca.der, accredited=True, actor="test")
        trust.upload_crl(session, ca.crl_path.read_bytes(), now=now, actor="test")
        session.commit()
    with serve_in_thread(app) as base:
        if httpx.get(f"{base}/login/signature").status_code == 404:
            pytest.skip("GET /login/signature is not on this branch yet")
        context = browser.new_context(locale="ru-RU")
        tab = context.new_page()
        tab.goto(f"{base}/login/signature")
        challenge = tab.locator("#challenge-text").text_content() or ""
        tab.get_by_label(LABELS["ru"]["file"]).set_input_files(str(pfx_file))
        tab.get_by_label(LABELS["ru"]["pin"], exact=True).fill(PIN)
        with tab.expect_navigation(), tab.expect_request(is_signature_post) as request:
            tab.get_by_role("button", name=LABELS["ru"]["sign"]).click()
        form = _multipart(request.value.headers["content-type"], request.value.post_data_buffer)
        assert verify_cms(form["signature"], challenge.encode()).signature_algorithm == "ecdsa"
        assert "pfx" not in " ".join(form).lower() and PIN not in form.values()
        tab.wait_for_load_state()
        assert tab.locator("#challenge-text").count() == 0, tab.content()[:3000]
        context.close()


def is_signature_post(request: Any) -> bool:
    return bool(request.method == "POST" and request.url.endswith("/login/signature"))
