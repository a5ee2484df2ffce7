"""RP-Initiated Logout 1.0: who may be sent where after logging out.

Never an open redirect: the post-logout URI must be registered for the client the ``id_token_hint``
names, exactly; without a valid hint there is no redirect at all, only the logged-out page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from idp.clients import service as clients_service
from idp.keys.service import KeyStore
from idp.oauth2.authorize import redirect_uri_with
from idp.tokens.verify import OwnTokenError, verify_own_jwt


@dataclass(frozen=True)
class LogoutDecision:
    ok: bool
    redirect_to: str | None = None
    problem: str | None = None


def decide(
    session: Session, keys: KeyStore, issuer: str, params: dict[str, str], *, current_sub: str | None
) -> LogoutDecision:
    hint = params.get("id_token_hint")
    target = params.get("post_logout_redirect_uri")
    client_id = params.get("client_id")
    if hint:
        try:
            claims = verify_own_jwt(hint, keys, issuer, verify_exp=False)
        except OwnTokenError:
            return LogoutDecision(False, problem="id_token_hint is not a valid ID token of this issuer.")
        audience = claims.get("aud")
        hinted_client = audience[0] if isinstance(audience, list) and audience else audience
        if client_id and client_id != hinted_client:
            return LogoutDecision(False, problem="client_id does not match the id_token_hint.")
        client_id = str(hinted_client)
        if current_sub is not None and claims.get("sub") != current_sub:
            # a hint for someone else: log out nobody, redirect nowhere
            return LogoutDecision(False, problem="id_token_hint names another person.")
    if not target:
        return LogoutDecision(True)
    if not hint:
        return LogoutDecision(False, problem="post_logout_redirect_uri needs an id_token_hint.")
    client = clients_service.find_client(session, client_id or "")
    if client is None or target not in client.post_logout_redirect_uris:
        return LogoutDecision(False, problem="post_logout_redirect_uri is not registered for this client.")
    return LogoutDecision(True, redirect_to=redirect_uri_with(target, {"state": params.get("state")}))
