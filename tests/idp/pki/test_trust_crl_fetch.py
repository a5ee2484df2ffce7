"""CRLs fetched from the certificate's distribution point over real HTTP (a tiny http.server on
loopback): cached, refetched after the maximum age, fail closed when the point is down unless the
operator set a grace period."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from idp.pki import trust
from idp.pki.crl_fetch import HttpRevocationFetcher
from tests.idp.pki.conftest import DAY, SUBJECT, T0, Pki


class CrlServer:
    def __init__(self) -> None:
        self.body: bytes | None = None
        self.hits = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                if server.body is None:
                    self.send_response(503)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/pkix-crl")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/ca.crl"


@pytest.fixture
def crl_server() -> Iterator[CrlServer]:
    server = CrlServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def fetcher() -> Iterator[HttpRevocationFetcher]:
    f = HttpRevocationFetcher(timeout=5)
    yield f
    f.close()


def _policy(grace_days: int = 0) -> trust.CrlPolicy:
    return trust.CrlPolicy(max_age=dt.timedelta(days=1), grace=dt.timedelta(days=grace_days))


def _check(
    session: Session, data: bytes, at: dt.datetime, fetcher: HttpRevocationFetcher, grace: int = 0
) -> trust.Verdict:
    return trust.validate_certificate(
        session, data, at=at, clock=lambda: at, fetcher=fetcher, policy=_policy(grace)
    )


@pytest.fixture
def dp_cert(pki: Pki, crl_server: CrlServer, session: Session) -> tuple[bytes, bytes]:
    """A certificate naming the loopback CRL distribution point, and a CRL that revokes a sibling."""
    trust.add_trusted_ca(session, pki.unaccredited.cert_pem.read_bytes(), accredited=False, actor="system")
    window = {"not_before": T0 - DAY, "not_after": T0 + 30 * DAY}
    good = pki.unaccredited.issue("dp-good", SUBJECT, algorithm="ecdsa", crl_url=crl_server.url, **window)
    bad = pki.unaccredited.issue("dp-bad", SUBJECT, algorithm="ecdsa", crl_url=crl_server.url, **window)
    pki.unaccredited.revoke(bad.serial, T0 - DAY)
    crl_server.body = pki.unaccredited.publish_crl(T0 - DAY, T0 + 7 * DAY)
    return good.cert_pem.read_bytes(), bad.cert_pem.read_bytes()


def test_crl_is_fetched_from_the_distribution_point_and_cached(
    session: Session, dp_cert: tuple[bytes, bytes], crl_server: CrlServer, fetcher: HttpRevocationFetcher
) -> None:
    good, bad = dp_cert
    assert _check(session, good, T0, fetcher).reason == "ok"
    assert _check(session, bad, T0, fetcher).reason == "revoked"
    assert crl_server.hits == 1  # the second check used the cached CRL


def test_unreachable_distribution_point_fails_closed(
    session: Session, dp_cert: tuple[bytes, bytes], crl_server: CrlServer, fetcher: HttpRevocationFetcher
) -> None:
    crl_server.body = None
    assert _check(session, dp_cert[0], T0, fetcher).reason == "crl_unavailable"


def test_cached_crl_older_than_max_age_is_refetched_and_fails_closed_when_down(
    session: Session, dp_cert: tuple[bytes, bytes], crl_server: CrlServer, fetcher: HttpRevocationFetcher
) -> None:
    assert _check(session, dp_cert[0], T0, fetcher).reason == "ok"
    crl_server.body = None
    verdict = _check(session, dp_cert[0], T0 + 2 * DAY, fetcher)
    assert verdict.reason == "crl_unavailable" and crl_server.hits == 2
    assert any("503" in note for note in verdict.notes)


def test_grace_period_keeps_the_last_crl_when_the_point_is_down(
    session: Session, dp_cert: tuple[bytes, bytes], crl_server: CrlServer, fetcher: HttpRevocationFetcher
) -> None:
    good, bad = dp_cert
    assert _check(session, good, T0, fetcher).reason == "ok"
    crl_server.body = None
    verdict = _check(session, good, T0 + 2 * DAY, fetcher, grace=3)
    assert (verdict.reason, verdict.stale_crl) == ("ok", True)
    assert _check(session, bad, T0 + 2 * DAY, fetcher, grace=3).reason == "revoked"
    assert _check(session, good, T0 + 5 * DAY, fetcher, grace=3).reason == "crl_unavailable"


def test_crl_of_another_issuer_at_the_point_is_not_used(
    session: Session,
    dp_cert: tuple[bytes, bytes],
    crl_server: CrlServer,
    fetcher: HttpRevocationFetcher,
    pki: Pki,
) -> None:
    crl_server.body = pki.stranger.crl_path.read_bytes()
    verdict = _check(session, dp_cert[0], T0, fetcher)
    assert verdict.reason == "crl_unavailable" and any("another CA" in n for n in verdict.notes)
