"""ESIA round trips per second on one core, in process (run on demand, not a test).

One round trip is what an ESIA client does for a person already signed in at the idp:
``GET /aas/oauth2/v2/ac`` (or ``/ac``) → the 302 to ``redirect_uri?code=…`` → ``POST
/aas/oauth2/v3/te`` (or ``/te``) → tokens. Both requests carry a freshly signed ``client_secret``
(the code is part of the v3 ``te`` string), checked by the idp: a v1 RSA-2048 CMS (``openssl smime``,
as esia-connector) or a v3 raw GOST R 34.10-2012 signature (``openssl dgst -engine gost``). The app
runs on a migrated SQLite database behind httpx's ASGI transport, the person signed in and
consented once before the clock starts.

Two figures per case: ``server`` counts only the time inside the two HTTP calls (what the idp
spends); ``with client`` includes the client's own signing (two ``openssl`` processes).

    taskset -c 0 .venv/bin/python bench/bench_esia.py

Env: SECONDS (5 per case).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "services")]

import httpx  # noqa: E402

from idp.accounts.service import create_account  # noqa: E402
from idp.main import create_app  # noqa: E402
from shared import migrations  # noqa: E402
from tests.conftest import idp_settings  # noqa: E402
from tests.idp.conftest import CITIZEN  # noqa: E402
from tests.idp.esia.helpers import EsiaRp, register, through_pages  # noqa: E402
from tests.idp.pki.openssl_signing import gost_signer, rsa_signer  # noqa: E402

SECONDS = float(os.environ.get("SECONDS", "5"))


async def _round_trip(http: httpx.AsyncClient, rp: EsiaRp, version: int) -> float:
    """One ac → te; returns the seconds spent inside the HTTP calls."""
    ac_params = rp.v2_ac() if version == 2 else rp.v1_params()
    started = time.perf_counter()
    answer = await http.get("/aas/oauth2/v2/ac" if version == 2 else "/aas/oauth2/ac", params=ac_params)
    spent = time.perf_counter() - started
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    te = rp.v3_te(code) if version == 2 else rp.v1_te(code)
    started = time.perf_counter()
    tokens = await http.post("/aas/oauth2/v3/te" if version == 2 else "/aas/oauth2/te", data=te)
    spent += time.perf_counter() - started
    assert tokens.status_code == 200, tokens.text
    return spent


async def _case(http: httpx.AsyncClient, name: str, rp: EsiaRp, version: int) -> None:
    first = await http.get("/aas/oauth2/v2/ac" if version == 2 else "/aas/oauth2/ac",
                           params=rp.v2_ac() if version == 2 else rp.v1_params())  # fmt: skip
    done = await through_pages(http, first)  # login (once per browser) and consent
    assert "code=" in done.headers["location"], done.headers["location"]
    await _round_trip(http, rp, version)  # warm-up
    count, in_server, started = 0, 0.0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < SECONDS:
        in_server += await _round_trip(http, rp, version)
        count += 1
    print(
        f"{name:16} server {count / in_server:7.1f} round trips/s ({in_server / count * 1000:6.1f} ms)"
        f"   with client signing {count / elapsed:6.1f}/s ({elapsed / count * 1000:6.1f} ms)"
    )


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-esia-") as folder:
        url = f"sqlite:///{Path(folder) / 'idp.db'}"
        migrations.upgrade(ROOT / "services/idp/migrations", url)
        app = create_app(idp_settings(url, log_level="WARNING"))
        async with app.router.lifespan_context(app):
            with app.state.session_factory() as session:
                create_account(session, app.state.field_cipher, CITIZEN)
                session.commit()
            register(app, "BENCHV1", [rsa_signer()])
            register(app, "BENCHV3", [gost_signer()])
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                print(f"GOST verifier: {app.state.esia_context.gost_verifier.name}")
                await _case(http, "v1 RSA CMS", EsiaRp("BENCHV1", rsa_signer()), 1)
                await _case(http, "v3 raw GOST", EsiaRp("BENCHV3", gost_signer()), 2)


if __name__ == "__main__":
    asyncio.run(main())
