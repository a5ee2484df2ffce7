"""The idp's ESIA face over HTTP, as EGISZ calls it: the token endpoint, the published signing key
and the person over the REST API (ESIA.md §4, §5, §7). Synchronous (the login routes run in the
threadpool); every failure that is not the protocol's own answer is :class:`IdpUnavailableError`."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from egisz_api.cabinet.errors import CabinetLoginError, IdpUnavailableError


class EsiaGateway:
    def __init__(
        self, base_url: str, *, timeout: float, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)
        self._key: str | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise IdpUnavailableError(f"the idp's ESIA face did not answer: {type(exc).__name__}") from exc

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            raise IdpUnavailableError(f"the idp answered {response.status_code} without JSON") from exc
        if not isinstance(body, dict):
            raise IdpUnavailableError("the idp answered JSON that is not an object")
        return body

    def exchange(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        """POST the token request; a refusal (HTTP 400 ``ESIA-…``) is :class:`CabinetLoginError`."""
        response = self._call("POST", path, data=form)
        body = self._json(response)
        if response.status_code == 400:
            description = str(body.get("error_description", ""))[:200]
            raise CabinetLoginError(f"the idp refused the code: {body.get('error')} {description}")
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            raise IdpUnavailableError(f"the token endpoint answered {response.status_code}")
        return body

    def signing_key(self, *, refresh: bool = False) -> str:
        """The idp's token signing key (PEM ``PUBLIC KEY``), fetched once; again after a rotation."""
        with self._lock:
            if self._key is None or refresh:
                response = self._call("GET", "/public/esia.public.pem")
                if response.status_code != 200 or "PUBLIC KEY" not in response.text:
                    raise IdpUnavailableError(f"the idp's public key answered {response.status_code}")
                self._key = response.text
            return self._key

    def read(self, path: str, access_token: str) -> dict[str, Any]:
        response = self._call("GET", path, headers={"Authorization": f"Bearer {access_token}"})
        if response.status_code != 200:
            raise IdpUnavailableError(f"the person data at the idp answered {response.status_code}")
        return self._json(response)
