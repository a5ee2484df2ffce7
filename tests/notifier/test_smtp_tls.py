"""E-mail over STARTTLS and implicit TLS with a login, against a real aiosmtpd with a throwaway
certificate; STARTTLS is required, never silently skipped."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.live import free_port
from tests.notifier.conftest import otp


@pytest.fixture(scope="module")
def server_tls(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    folder: Path = tmp_path_factory.mktemp("smtp_tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


class TlsSink:
    def __init__(self) -> None:
        self.sessions: list[dict[str, Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.sessions.append({"tls": tls, "authenticated": session.authenticated, "to": envelope.rcpt_tos})
        return "250 OK"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"mailer",
        b"s3cret",
    )
    return AuthResult(success=ok)


@pytest.fixture
def tls_smtp(request: pytest.FixtureRequest, server_tls: ssl.SSLContext) -> Iterator[tuple[TlsSink, int]]:
    mode = request.param
    sink = TlsSink()
    port = free_port()
    options: dict[str, Any] = {"tls_context": server_tls, "require_starttls": True, "auth_require_tls": True}
    if mode == "tls":
        options = {"ssl_context": server_tls, "auth_require_tls": False}  # the whole session is TLS
    if mode == "plain":
        options = {"auth_require_tls": False}
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        server_hostname="localhost",
        authenticator=_authenticate,
        **options,
    )
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def _settings(port: int, security: str) -> dict[str, Any]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": security,
        "smtp_username": "mailer",
        "smtp_password": "s3cret",
        "smtp_validate_certs": False,  # a throwaway self-signed certificate
        "email_attempts": 1,
    }


@pytest.mark.parametrize("tls_smtp", ["starttls", "tls"], indirect=True)
async def test_email_over_tls_with_a_login(
    start_notifier: Any, tls_smtp: tuple[TlsSink, int], request: Any
) -> None:
    sink, port = tls_smtp
    security = request.node.callspec.params["tls_smtp"]
    async with start_notifier(**_settings(port, security)) as n:
        await n.wait_status((await n.send(otp())).json()["id"], "delivered")
    assert sink.sessions == [{"tls": True, "authenticated": True, "to": ["citizen@example.test"]}]


@pytest.mark.parametrize("tls_smtp", ["plain"], indirect=True)
async def test_starttls_is_required_not_skipped(start_notifier: Any, tls_smtp: tuple[TlsSink, int]) -> None:
    sink, port = tls_smtp
    async with start_notifier(**_settings(port, "starttls")) as n:
        status = await n.wait_status((await n.send(otp())).json()["id"], "dead")
    assert status["last_error"] == "SMTP server does not offer STARTTLS"
    assert sink.sessions == []
