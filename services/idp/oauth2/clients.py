"""Authlib's view of a registered client (ClientMixin over our ORM row)."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import ClientMixin

from idp.clients.models import ESIA_SIGNED_SECRET, Client
from idp.clients.secrets import SecretHasher
from idp.smart.scopes import unregistered


class OAuthClient(ClientMixin):
    def __init__(self, row: Client, hasher: SecretHasher) -> None:
        self.row = row
        self._hasher = hasher

    @property
    def client_id(self) -> str:
        return self.row.client_id

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        # OIDC Core §3.1.2.1: redirect_uri is required; never guess one.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        # the same allow-list as oauth2/scopes.py (a SMART scope inside a registered one is allowed)
        refused = unregistered(self.row.scopes, scope.split())
        return " ".join(s for s in scope.split() if s not in refused)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # RFC 9700 §2.1: exact string comparison, no normalisation, no prefix match.
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self._hasher.verify(client_secret, self.row.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # OIDC Core §9: the client MUST use the method it registered, at every endpoint that
        # authenticates clients (token, introspection, revocation); nothing else is accepted. An
        # ESIA-only client's method (esia_signed_secret) is no method of this face: never accepted.
        return method == self.row.token_endpoint_auth_method and method != ESIA_SIGNED_SECRET

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.row.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.row.grant_types

    @property
    def is_public(self) -> bool:
        return self.row.client_type == "public"
