"""Fetching revocation data over HTTP(S): a CRL from a certificate's distribution point
(RFC 5280 §4.2.1.13) and an OCSP answer from the responder it names (RFC 6960 Appendix A.1, POST).

Plain ``http://`` is normal for both (they are signed); redirects are not followed and bodies are
size-limited, so a distribution point or responder cannot make the idp read without bound. The
client is synchronous: path validation runs in a worker thread (never on the event loop).
"""

from __future__ import annotations

import httpx

from idp.pki.certificates import MAX_CRL_BYTES
from idp.pki.ocsp import MAX_OCSP_BYTES, OcspError
from idp.pki.trust import CrlFetchError


class HttpRevocationFetcher:
    def __init__(self, timeout: float, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, transport=transport)

    def fetch(self, url: str) -> bytes:
        """A CRL (DER) from a distribution point; :class:`CrlFetchError` says why not."""
        try:
            return self._read(self._client.build_request("GET", url), MAX_CRL_BYTES)
        except _FetchFailedError as exc:
            raise CrlFetchError(str(exc)) from None

    def ask_ocsp(self, url: str, request: bytes) -> bytes:
        """POST a DER OCSPRequest; :class:`OcspError` says why there is no answer."""
        try:
            return self._read(
                self._client.build_request(
                    "POST", url, content=request, headers={"Content-Type": "application/ocsp-request"}
                ),
                MAX_OCSP_BYTES,
            )
        except _FetchFailedError as exc:
            raise OcspError(str(exc)) from None

    def _read(self, request: httpx.Request, limit: int) -> bytes:
        try:
            response = self._client.send(request, stream=True)
            try:
                if response.status_code != 200:
                    raise _FetchFailedError(f"HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise _FetchFailedError(f"larger than {limit} bytes")
                return bytes(body)
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise _FetchFailedError(f"{type(exc).__name__}") from None

    def close(self) -> None:
        self._client.close()


class _FetchFailedError(Exception):
    pass
