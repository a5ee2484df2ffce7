"""The Authlib authorization server, built per request around that request's database session.

It owns the request's transaction through the session it is given (the request-scoped session
dependency commits or rolls back), so everything a grant does (claiming a code, spending a
refresh token, recording issued tokens) commits or fails together with the response.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from idp.accounts import service as accounts_service
from idp.accounts.protection import FieldCipher
from idp.clients import service as clients_service
from idp.clients.secrets import SecretHasher
from idp.oauth2 import grants
from idp.oauth2.client_auth import ClientAuthenticator, JwksUriCache, PrivateKeyJwt, basic_client_id
from idp.oauth2.clients import OAuthClient
from idp.oauth2.requests import HttpPayload, StarletteJsonRequest, StarletteOAuth2Request
from idp.oauth2.scopes import resolve_audience
from idp.sessions import service as sessions_service
from idp.settings import IdpSettings
from idp.tokens import service as tokens_service
from idp.tokens.access import AccessTokenIssuer

logger = logging.getLogger("idp.oauth2")

OFFLINE_ACCESS = "offline_access"


class IdpAuthorizationServer(AuthorizationServer):
    def __init__(
        self,
        session: Session,
        settings: IdpSettings,
        hasher: SecretHasher,
        tokens: AccessTokenIssuer,
        cipher: FieldCipher,
        jwks_cache: JwksUriCache,
        directory: clients_service.ClientDirectory,
    ) -> None:
        # Scopes are checked per client (oauth2/scopes.py, for /authorize and /token).
        super().__init__()
        self.session = session
        self.settings = settings
        self.hasher = hasher
        self.tokens = tokens
        self.cipher = cipher
        self.directory = directory
        self.issuer = settings.issuer
        self._request: StarletteOAuth2Request | None = None
        self.register_token_generator("default", self._generate_token)
        # one-sentence invalid_client, the registered method only, safe Basic (oauth2/client_auth.py)
        self._client_auth = ClientAuthenticator(self.query_client)
        self.register_client_auth_method(
            "private_key_jwt", PrivateKeyJwt(session, settings.issuer, jwks_cache)
        )
        self.register_grant(grants.CodeGrant, [grants.S256Only(required=True)])
        self.register_grant(grants.RefreshGrant)
        self.register_grant(grants.ServiceClientCredentialsGrant)

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

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        return None  # recorded while generating (see _generate_token)

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
            resource=data.get("resource"),
            claims_request=request.claims_request if isinstance(request, StarletteOAuth2Request) else None,
        )
        if user.ctx.session_id is not None:
            row = sessions_service.session_by_sid(self.session, user.ctx.sid or "")
            if row is not None:
                sessions_service.remember_client(self.session, row, client_id)
        return code

    # --- tokens --------------------------------------------------------------------------
    def _generate_token(
        self,
        grant_type: str,
        client: OAuthClient,
        user: grants.AuthorizedUser | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        request = self._request
        assert request is not None
        if grant_type == "client_credentials":
            return self._service_token(client, scope, request)
        assert user is not None
        return self._user_tokens(grant_type, client, user, scope or "", request)

    def _service_token(
        self, client: OAuthClient, scope: str | None, request: StarletteOAuth2Request
    ) -> dict[str, Any]:
        if not scope:
            # RFC 6749 §3.3: no scope asked → the client's registered scopes are the default.
            scope = " ".join(client.row.scopes)
        audience = resolve_audience(client.row, request.payload.datalist.get("resource", []), self.issuer)
        access_token, claims = self.tokens.issue(
            client_id=client.client_id,
            alg=client.row.signing_alg,
            subject=client.client_id,
            scope=scope,
            audience=audience,
        )
        token: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": claims["exp"] - claims["iat"],
        }
        if scope:
            token["scope"] = scope
        return token

    def _user_tokens(
        self,
        grant_type: str,
        client: OAuthClient,
        user: grants.AuthorizedUser,
        scope: str,
        request: StarletteOAuth2Request,
    ) -> dict[str, Any]:
        if grant_type == "authorization_code":
            code = request.authorization_code.row
            family_id, resource, claims_request, nonce = (
                code.family_id,
                code.resource,
                code.claims_request,
                code.nonce,
            )
            refresh_expires: dt.datetime | None = None
        else:
            previous = request.refresh_token.row
            family_id, resource, claims_request, nonce = (
                previous.family_id,
                previous.resource,
                previous.claims_request,
                None,
            )
            refresh_expires = previous.expires_at  # rotation never extends the family's life
        assert family_id is not None
        requested = request.payload.datalist.get("resource", [])
        audience = resolve_audience(client.row, requested or ([resource] if resource else []), self.issuer)
        ctx = user.ctx
        auth_time = int(ctx.auth_time.timestamp())
        extra = {"acr": ctx.acr, "amr": ctx.amr, "auth_time": auth_time}
        if ctx.sid:
            extra["sid"] = ctx.sid
        access_token, claims = self.tokens.issue(
            client_id=client.client_id,
            alg=client.row.signing_alg,
            subject=user.account.sub,
            scope=scope,
            audience=audience,
            extra=extra,
        )
        tokens_service.record_access_token(
            self.session,
            claims,
            account_id=user.account.id,
            family_id=family_id,
            session_id=ctx.session_id,
            userinfo_claims=sorted((claims_request or {}).get("userinfo", {}) or {}) or None,
        )
        token: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": claims["exp"] - claims["iat"],
            "scope": scope,
        }
        scopes = set(scope.split())
        if OFFLINE_ACCESS in scopes and client.check_grant_type("refresh_token"):
            token["refresh_token"] = tokens_service.issue_refresh_token(
                self.session,
                self.settings.refresh_token_ttl,
                ctx,
                family_id=family_id,
                client_id=client.client_id,
                scope=scope,
                resource=resource,
                claims_request=claims_request,
                expires_at=refresh_expires,
            )
        if "openid" in scopes:
            wanted = set((claims_request or {}).get("id_token", {}) or {})
            extra_claims = (
                accounts_service.claims_for(user.account, self.cipher, set(), wanted) if wanted else None
            )
            token["id_token"] = self.tokens.id_token(
                client_id=client.client_id,
                alg=client.row.signing_alg,
                subject=user.account.sub,
                auth_time=auth_time,
                acr=ctx.acr,
                amr=ctx.amr,
                sid=ctx.sid,
                nonce=nonce,
                access_token=access_token,
                extra_claims=extra_claims,
            )
        return token
