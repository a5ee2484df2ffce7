"""The one Starlette-to-Authlib adapter.

FastAPI reads the body asynchronously; Authlib is synchronous. An async dependency collects
method, URL, headers, query and form once (:class:`HttpPayload`); the sync handler wraps it in
:class:`StarletteOAuth2Request` for Authlib. The URL handed to Authlib is rebuilt on the issuer, so
a TLS-terminating proxy in front does not make Authlib think the transport is insecure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import JsonPayload, JsonRequest, OAuth2Payload, OAuth2Request
from fastapi import Request
from starlette.datastructures import Headers


@dataclass
class HttpPayload:
    method: str
    path: str
    query_string: str
    headers: Headers  # case-insensitive, as Authlib looks up 'Authorization'
    query: list[tuple[str, str]]
    form: list[tuple[str, str]] = field(default_factory=list)
    client_ip: str | None = None

    def url(self, base: str) -> str:
        url = base.rstrip("/") + self.path
        return f"{url}?{self.query_string}" if self.query_string else url


async def read_payload(request: Request) -> HttpPayload:
    form: list[tuple[str, str]] = []
    content_type = request.headers.get("content-type", "")
    if request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
        # RFC 6749 §3.2 / Appendix B: UTF-8 form encoding. Parsed here directly: cheaper than a
        # multipart-capable parser on the hottest endpoint, and the body size is already capped.
        body = await request.body()
        try:
            form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            form = []
    # Straight from the ASGI scope: building Starlette's URL and QueryParams objects costs more
    # than the rest of a cached client_credentials grant.
    scope = request.scope
    query_string = scope.get("query_string", b"").decode("latin-1")
    client = scope.get("client")
    return HttpPayload(
        method=scope["method"],
        path=scope["path"],
        query_string=query_string,
        headers=request.headers,
        query=parse_qsl(query_string, keep_blank_values=True) if query_string else [],
        form=form,
        client_ip=client[0] if client else None,
    )


class _Payload(OAuth2Payload):
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._datalist[key].append(value)
        # first value wins for .data; duplicated parameters are refused by the grants (RFC 6749 §3.1)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):
    def __init__(
        self, payload: HttpPayload, base_url: str, params: list[tuple[str, str]] | None = None
    ) -> None:
        """``params`` replaces the request's own parameters (a resumed authorization request)."""
        # Transport security is a deployment property checked once, by IdpSettings (https issuer
        # outside dev mode); Authlib's per-request check would refuse a dev issuer like http://idp:8000.
        super().__init__(method=payload.method, uri="https://issuer.invalid/", headers=payload.headers)
        self.uri = payload.url(base_url)
        self.http = payload
        self.payload = _Payload(params if params is not None else payload.query + payload.form)
        self.claims_request: dict[str, Any] | None = None
        #: the SMART launch context's Patient, found by the idp (idp.smart.service)
        self.launch_patient: str | None = None

    @property
    def args(self) -> dict[str, str]:
        return dict(self.http.query)

    @property
    def form(self) -> dict[str, str]:
        return dict(self.http.form)


class _JsonPayload(JsonPayload):
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @property
    def data(self) -> dict[str, Any]:
        return self._data


class StarletteJsonRequest(JsonRequest):
    def __init__(self, payload: HttpPayload, base_url: str) -> None:
        super().__init__(payload.method, payload.url(base_url), payload.headers)
        self.payload = _JsonPayload(dict(payload.query + payload.form))
