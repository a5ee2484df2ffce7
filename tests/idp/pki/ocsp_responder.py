"""A real OCSP responder for the tests: ``openssl ocsp -index ... -port N`` as a subprocess, over a
demo CA's ``index.txt`` (openssl's CA database: V valid, R revoked with its date).

The port is chosen first (a free loopback port) because the certificates must name the responder's
URL before it starts. The responder is ready when it prints its ``ACCEPT`` line: openssl prints it
after binding and listening, so a blocking read of that line is the wait (no sleep, no polling).
A bare connect probe is not used: the responder serves one connection at a time and a probe that
sends no request was measured to stall the next real request until its read timeout.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from idp.pki import demo
from tests.live import free_port


@dataclass(frozen=True)
class Responder:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Take the responder down (its port then refuses connections)."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def responder_url() -> str:
    return f"http://127.0.0.1:{free_port()}/"


@contextmanager
def ocsp_responder(ca: demo.DemoCa, signer: demo.Issued, url: str, *options: str) -> Iterator[Responder]:
    """``openssl ocsp`` answering for ``ca``'s certificates (as they are listed when it starts),
    signing with ``signer``'s key, on the port of ``url``; ``options`` such as ``-nmin 1`` (answers
    with a nextUpdate one minute after their thisUpdate)."""
    index = ca.write_ocsp_index()
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    process = subprocess.Popen(
        [
            demo.OPENSSL,
            "ocsp",
            "-index",
            str(index),
            "-CA",
            str(ca.cert_pem),
            "-rsigner",
            str(signer.cert_pem),
            "-rkey",
            str(signer.key_pem),
            "-port",
            str(port),
            "-ignore_err",
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    responder = Responder(url, process)
    try:
        assert process.stdout is not None
        first = process.stdout.readline().decode(errors="replace")  # blocks until listening, or EOF
        if not first.startswith("ACCEPT"):
            raise RuntimeError(f"openssl ocsp did not start: {first}{process.stdout.read(2000)!r}")
        yield responder
    finally:
        responder.stop()
        if process.stdout is not None:
            process.stdout.close()
