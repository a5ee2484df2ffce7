"""Fetching a CRL from a certificate's distribution point over HTTP(S) (RFC 5280 §4.2.1.13).

Plain ``http://`` is normal for CRLs (they are signed); redirects are not followed and the body is
size-limited, so a distribution point cannot make the idp read without bound.
"""

from __future__ import annotations

import httpx

from idp.pki.certificates import MAX_CRL_BYTES
from idp.pki.trust import CrlFetchError


class HttpCrlFetcher:
    def __init__(self, timeout: float, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, transport=transport)

    def fetch(self, url: str) -> bytes:
        try:
            with self._client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise CrlFetchError(f"HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_CRL_BYTES:
                        raise CrlFetchError(f"larger than {MAX_CRL_BYTES} bytes")
                return bytes(body)
        except httpx.HTTPError as exc:
            raise CrlFetchError(f"{type(exc).__name__}") from None

    def close(self) -> None:
        self._client.close()
