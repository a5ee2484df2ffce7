"""The Authlib authorization server, built per request around that request's database session."""

from __future__ import annotations

import logging
from typing import Any

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientCredentialsGrant, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from idp.clients import repository as clients_repository
from idp.clients.secrets import SecretHasher
from idp.oauth2.clients import OAuthClient
from idp.oauth2.requests import HttpPayload, StarletteJsonRequest, StarletteOAuth2Request
from idp.oauth2.tokens import AccessTokenIssuer, resolve_audience

logger = logging.getLogger("idp.oauth2")

#: Client authentication methods at the token endpoint (RFC 6749 §2.3, OIDC Core §9).
TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def refuse_unregistered_scopes(client: OAuthClient, scope: str | None) -> None:
    """RFC 6749 §5.2 ``invalid_scope``: asking for a scope the client is not registered for."""
    requested = set((scope or "").split())
    extra = requested - set(client.row.scopes)
    if extra:
        raise InvalidScopeError(f"Scope not allowed for this client: {' '.join(sorted(extra))}")


class ServiceClientCredentialsGrant(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS

    def validate_requested_scope(self) -> None:
        refuse_unregistered_scopes(self.request.client, self.request.payload.scope)
        super().validate_requested_scope()


class IdpAuthorizationServer(AuthorizationServer):
    def __init__(
        self, session: Session, hasher: SecretHasher, tokens: AccessTokenIssuer, issuer: str
    ) -> None:
        super().__init__()
        self.session = session
        self.hasher = hasher
        self.tokens = tokens
        self.issuer = issuer
        self._request: StarletteOAuth2Request | None = None
        self.register_token_generator("default", self._generate_token)
        self.register_grant(ServiceClientCredentialsGrant)

    # --- Authlib hooks -------------------------------------------------------------------
    def query_client(self, client_id: str) -> OAuthClient | None:
        row = clients_repository.get_by_client_id(self.session, client_id)
        return OAuthClient(row, self.hasher) if row is not None else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        # Client-credentials access tokens are self-contained JWTs; nothing to store.
        return None

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, StarletteOAuth2Request):
            self._request = request
            return request
        assert isinstance(request, HttpPayload)
        self._request = StarletteOAuth2Request(request, self.issuer)
        return self._request

    def create_json_request(self, request: Any) -> StarletteJsonRequest:
        assert isinstance(request, HttpPayload)
        return StarletteJsonRequest(request, self.issuer)

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> JSONResponse:
        response = JSONResponse(body, status_code=status)
        for key, value in headers:
            response.headers[key] = value
        # RFC 6749 §5.1: token responses are never cached.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        logger.debug("oauth2 signal %s", name)

    # --- tokens --------------------------------------------------------------------------
    def _generate_token(
        self,
        grant_type: str,
        client: OAuthClient,
        user: Any = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        assert self._request is not None
        if grant_type == "client_credentials" and not scope:
            # RFC 6749 §3.3: no scope asked → the client's registered scopes are the default.
            scope = " ".join(client.row.scopes)
        resources = self._request.payload.datalist.get("resource", [])
        audience = resolve_audience(client, resources, self.issuer)
        access_token, claims = self.tokens.issue(
            client, subject=client.client_id, scope=scope or "", audience=audience, expires_in=expires_in
        )
        token: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": claims["exp"] - claims["iat"],
        }
        if scope:
            token["scope"] = scope
        return token
