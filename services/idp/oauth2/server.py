"""The Authlib authorization server, built per request around that request's database session.

It owns the request's transaction through the session it is given (the request-scoped session
dependency commits or rolls back), so everything a grant does (claiming a code, spending a
refresh token, recording issued tokens) commits or fails together with the response.

Authlib is the glue here: request parsing, grant selection, client authentication. The grants
(:mod:`idp.oauth2.grants`) issue through the token-issuing core (``self.tokens``), which writes the
records; Authlib's token generator and ``save_token`` hooks are not used.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from idp.accounts.protection import FieldCipher
from idp.clients import service as clients_service
from idp.clients.secrets import SecretHasher
from idp.oauth2 import grants
from idp.oauth2.client_auth import ClientAuthenticator, JwksUriCache, PrivateKeyJwt, basic_client_id
from idp.oauth2.clients import OAuthClient
from idp.oauth2.requests import HttpPayload, StarletteJsonRequest, StarletteOAuth2Request
from idp.sessions import service as sessions_service
from idp.settings import IdpSettings
from idp.smart.service import PatientDirectory
from idp.tokens import service as tokens_service
from idp.tokens.issuance import TokenIssuer

logger = logging.getLogger("idp.oauth2")


class IdpAuthorizationServer(AuthorizationServer):
    def __init__(
        self,
        session: Session,
        settings: IdpSettings,
        hasher: SecretHasher,
        tokens: TokenIssuer,
        cipher: FieldCipher,
        jwks_cache: JwksUriCache,
        directory: clients_service.ClientDirectory,
        patient_directory: PatientDirectory,
    ) -> None:
        # Scopes are checked per client (oauth2/scopes.py, for /authorize and /token).
        super().__init__()
        self.session = session
        self.settings = settings
        self.hasher = hasher
        self.tokens = tokens
        self.cipher = cipher
        self.directory = directory
        self.patient_directory = patient_directory
        self.issuer = settings.issuer
        # one-sentence invalid_client, the registered method only, safe Basic (oauth2/client_auth.py)
        self._client_auth = ClientAuthenticator(self.query_client)
        self.register_client_auth_method(
            "private_key_jwt", PrivateKeyJwt(session, settings.issuer, jwks_cache)
        )
        self.register_grant(grants.CodeGrant, [grants.S256Only(required=True)])
        self.register_grant(grants.RefreshGrant)
        self.register_grant(grants.ClientCredentialsGrant)

    # --- Authlib hooks -------------------------------------------------------------------
    def query_client(self, client_id: str) -> OAuthClient | None:
        row = self.directory.get(self.session, client_id)
        return OAuthClient(row, self.hasher) if row is not None else None

    def answers_from_memory(self, payload: HttpPayload) -> bool:
        """True when this token request needs no database: client_credentials by a cached client
        with a secret. Such requests are answered on the event loop, without a threadpool hop."""
        form = dict(payload.form)
        if form.get("grant_type") != "client_credentials" or "client_assertion" in form:
            return False
        client_id = form.get("client_id")
        if client_id is None:
            client_id = basic_client_id(payload.headers)
        if not client_id:
            return False
        hit, _ = self.directory.peek(client_id)
        return hit

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, StarletteOAuth2Request):
            return request
        assert isinstance(request, HttpPayload)
        return StarletteOAuth2Request(request, self.issuer)

    def create_json_request(self, request: Any) -> StarletteJsonRequest:
        assert isinstance(request, HttpPayload)
        return StarletteJsonRequest(request, self.issuer)

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        if status in (301, 302, 303, 307):
            location = dict(headers).get("Location", "")
            return Response(status_code=302, headers={"Location": location, "Cache-Control": "no-store"})
        response = JSONResponse(body, status_code=status)
        for key, value in headers:
            response.headers[key] = value
        # RFC 6749 §5.1: token responses are never cached.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    # --- authorization codes -------------------------------------------------------------
    def issue_code(self, request: OAuth2Request, user: grants.AuthorizedUser) -> str:
        data = request.payload.data
        client_id = request.payload.client_id
        code = tokens_service.issue_code(
            self.session,
            self.settings.authorization_code_ttl,
            user.ctx,
            client_id=client_id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope or "",
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method") if data.get("code_challenge") else None,
            # SMART App Launch v2: ``aud`` is the resource when none is sent (checks.check_resource)
            resource=data.get("resource") or data.get("aud"),
            claims_request=request.claims_request if isinstance(request, StarletteOAuth2Request) else None,
            patient_id=request.launch_patient if isinstance(request, StarletteOAuth2Request) else None,
        )
        if user.ctx.session_id is not None:
            row = sessions_service.session_by_sid(self.session, user.ctx.sid or "")
            if row is not None:
                sessions_service.remember_client(self.session, row, client_id)
        return code
