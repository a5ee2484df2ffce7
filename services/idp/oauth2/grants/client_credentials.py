"""The client_credentials grant (RFC 6749 §4.4): a confidential client's own access token.

    client → scope → audience → issue

The token is self-contained and not recorded (the core records a person's tokens only), so this
grant touches no database when the client is cached: the token endpoint answers it on the event
loop (``IdpAuthorizationServer.answers_from_memory``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authlib.oauth2.rfc6749.grants import BaseGrant, TokenEndpointMixin

from idp.oauth2.clients import OAuthClient
from idp.oauth2.grants.common import (
    CONFIDENTIAL_AUTH_METHODS,
    GrantResponse,
    authenticate_client,
    token_response,
)
from idp.oauth2.scopes import refuse_unregistered_scopes, resolve_audience
from idp.tokens.schemas import Issuance
from shared.contracts.roles import MIS

if TYPE_CHECKING:
    from idp.oauth2.server import IdpAuthorizationServer

GRANT_TYPE = "client_credentials"


class ClientCredentialsGrant(BaseGrant, TokenEndpointMixin):
    GRANT_TYPE = GRANT_TYPE
    #: RFC 6749 §4.4: confidential clients only
    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS
    server: IdpAuthorizationServer

    def validate_token_request(self) -> None:
        self.request.client = authenticate_client(self, GRANT_TYPE)

    def create_token_response(self) -> GrantResponse:
        client: OAuthClient = self.request.client
        scope = granted_scope(client, self.request.payload.scope)
        audience = resolve_audience(
            client.row,
            self.request.payload.datalist.get("resource", []),
            self.server.issuer,
            self.server.settings.resource_aliases,
        )
        issuance = Issuance(
            grant_type=GRANT_TYPE,
            client_id=client.client_id,
            alg=client.row.signing_alg,
            subject=client.client_id,  # RFC 9068 §2.2: the client acting for itself
            audience=audience,
            scope=scope,
            context_claims=mis_context(client, self.server.directory.organization_ogrn(client.client_id)),
        )
        return token_response(self.server.tokens.issue(self.server.session, issuance), always_scope=False)


def mis_context(client: OAuthClient, ogrn: str | None = None) -> dict[str, object]:
    """EGISZ.md §5: "for system/ clients, client_id maps to an mis registration holding its МО OID":
    a client bound to an organisation acts as ``mis`` for it (``org``, ``roles``), and ``org_ogrn``
    names it as EGISZ names a patient's organisation (``Patient.managingOrganization``), so that
    the FHIR API keeps the system to that organisation's patients."""
    oid = client.row.organization_oid
    if oid is None:
        return {}
    claims: dict[str, object] = {"org": str(oid), "roles": [MIS]}
    if ogrn:
        claims["org_ogrn"] = ogrn
    return claims


def granted_scope(client: OAuthClient, requested: str | None) -> str:
    """RFC 6749 §3.3: only registered scopes; none asked for means all the registered ones."""
    refuse_unregistered_scopes(client.row.scopes, requested)
    return requested or " ".join(client.row.scopes)
