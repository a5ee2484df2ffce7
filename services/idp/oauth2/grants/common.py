"""What the grants share: client authentication at the token endpoint, the audience and scope rules,
and the last step of every person's grant, a call to the token-issuing core."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidRequestError, UnauthorizedClientError
from authlib.oauth2.rfc6749.grants import BaseGrant

from idp.accounts import service as accounts_service
from idp.accounts.models import Account
from idp.oauth2.clients import OAuthClient
from idp.oauth2.grants.errors import MissingParameterError
from idp.oauth2.scopes import resolve_audience
from idp.organizations import service as organizations
from idp.smart.scopes import FHIR_USER
from idp.smart.service import acting_as_practitioner, fhir_user, practitioner_user
from idp.tokens.issuance import IssuedTokens
from idp.tokens.schemas import AuthContext, Issuance, RefreshPlan
from shared.contracts.roles import authority_role, person_roles

if TYPE_CHECKING:
    from idp.oauth2.server import IdpAuthorizationServer

#: Client authentication methods at the token endpoint (RFC 6749 §2.3, OIDC Core §9).
TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
#: the grants IdpAuthorizationServer registers (and discovery advertises)
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
CONFIDENTIAL_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
OFFLINE_ACCESS = "offline_access"
GrantResponse = tuple[int, dict[str, Any], list[tuple[str, str]]]


@dataclass
class AuthorizedUser:
    """The person a grant is for, with what their login proved."""

    account: Account
    ctx: AuthContext

    def get_user_id(self) -> str:
        return self.account.sub


def authenticate_client(grant: BaseGrant, grant_type: str) -> OAuthClient:
    """RFC 6749 §3.2.1: the client, authenticated by Authlib with one of the grant's methods, and
    registered for this grant type (§5.2 ``unauthorized_client``)."""
    client: OAuthClient = grant.authenticate_token_endpoint_client()
    if not client.check_grant_type(grant_type):
        raise UnauthorizedClientError(f"The client is not registered for the {grant_type} grant.")
    return client


def required(form: dict[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise MissingParameterError(name)
    return value


@dataclass(frozen=True)
class PersonGrant:
    """What a code or a refresh token carries into the tokens issued for it."""

    grant_type: str
    scope: str
    family_id: str
    resource: str | None
    claims_request: dict[str, Any] | None
    nonce: str | None = None
    #: the family's end (rotation never extends it); None for a new family
    refresh_expires: dt.datetime | None = None
    #: the SMART launch context's Patient the code or refresh token carries
    patient: str | None = None


def issue_for_person(
    server: IdpAuthorizationServer,
    request: OAuth2Request,
    client: OAuthClient,
    user: AuthorizedUser,
    grant: PersonGrant,
) -> GrantResponse:
    """The last step of a person's grant: build the issuance and hand it to the core."""
    requested = request.payload.datalist.get("resource", [])
    audience = resolve_audience(
        client.row,
        requested or ([grant.resource] if grant.resource else []),
        server.issuer,
        server.settings.resource_aliases,
    )
    scopes = set(grant.scope.split())
    claims_request = grant.claims_request or {}
    wanted_in_id_token = set(claims_request.get("id_token", {}) or {})
    id_token = "openid" in scopes
    id_token_claims = (
        accounts_service.claims_for(user.account, server.cipher, set(), wanted_in_id_token)
        if id_token and wanted_in_id_token
        else {}
    )
    context = person_context(server, user, request.payload.data.get("org_oid"))
    # SMART App Launch v2 ``openid fhirUser``: the person's FHIR resource, as a URL — a worker's
    # Practitioner, or the person's Patient (idp.smart.service)
    base = server.settings.smart_fhir_base_url
    practitioner = (
        practitioner_user(base, user.account.oid)
        if acting_as_practitioner(context["roles"], scopes)
        else None
    )
    person_url = practitioner or fhir_user(base, grant.patient)
    if id_token and FHIR_USER in scopes and person_url:
        id_token_claims = {**id_token_claims, "fhirUser": person_url}
    if id_token:
        id_token_claims = {**id_token_claims, **context}
    to_egisz = audience == server.settings.smart_fhir_audience
    if practitioner and to_egisz:
        # EGISZ.md §5 "Claims": the worker's token names their Practitioner (the author of the
        # Provenance of each write), whatever the scopes
        context = {**context, "fhirUser": practitioner}
    issuance = Issuance(
        grant_type=grant.grant_type,
        client_id=client.client_id,
        alg=client.row.signing_alg,
        subject=user.account.sub,
        audience=audience,
        scope=grant.scope,
        person=user.ctx,
        nonce=grant.nonce,
        family_id=grant.family_id,
        id_token=id_token,
        # OIDC Core §5.5: claims asked for by name, in the ID token and at UserInfo
        id_token_claims=id_token_claims,
        userinfo_claims=tuple(sorted(claims_request.get("userinfo", {}) or {})) or None,
        # OIDC Core §11: refresh tokens for offline_access, to clients registered for them
        refresh=RefreshPlan(grant.resource, grant.claims_request, grant.patient, grant.refresh_expires)
        if OFFLINE_ACCESS in scopes and client.check_grant_type("refresh_token")
        else None,
        patient=grant.patient,
        context_claims=context,
        # the signature's certificate (``cnf``) only for EGISZ (idp.tokens.confirmation)
        confirm_certificate=to_egisz,
    )
    return token_response(server.tokens.issue(server.session, issuance), always_scope=True)


#: the token request parameter naming the organisation the person acts for (as ESIA's ``org_oid``)
ORG_PARAMETER = "org_oid"


def person_context(
    server: IdpAuthorizationServer, user: AuthorizedUser, org_oid: str | None
) -> dict[str, Any]:
    """EGISZ.md §5 claims of a person: ``roles`` (``patient``, plus the EGISZ role of each active
    employment) and ``org``: the organisation asked for with ``org_oid`` at the token request
    (one the person works for now; another is ``invalid_request``, as ESIA-007194 at ``ac``), else
    the only organisation of a person employed in one. Read at every issue, refreshes included,
    so a dismissal shows in the next token."""
    memberships = organizations.employments_of(server.session, user.account.id)
    claims: dict[str, Any] = {"roles": person_roles(m.role for m in memberships)}
    chosen = None
    if org_oid:
        chosen = next((m for m in memberships if str(m.org_oid) == org_oid.strip()), None)
        if chosen is None:
            raise InvalidRequestError(f"The person does not work for the organisation {org_oid[:20]!r}.")
    elif len(memberships) == 1:
        chosen = memberships[0]
    if chosen is not None:
        claims["org"] = str(chosen.org_oid)
        # the OGRN too: EGISZ names a patient's organisation by it (Patient.managingOrganization)
        claims["org_ogrn"] = chosen.ogrn
        claims["roles"] = person_roles([chosen.role])
        if authority_role(chosen.role) == "authority_regional":
            # EGISZ.md §5: a regional authority reads its own region's aggregates only
            claims["region"] = chosen.region_code
    return claims


def token_response(issued: IssuedTokens, *, always_scope: bool) -> GrantResponse:
    """RFC 6749 §5.1 successful response (OIDC Core §3.1.3.3 adds ``id_token``)."""
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "token_type": issued.token_type,
        "expires_in": issued.expires_in,
    }
    if issued.scope or always_scope:
        body["scope"] = issued.scope
    if issued.refresh_token is not None:
        body["refresh_token"] = issued.refresh_token
    if issued.id_token is not None:
        body["id_token"] = issued.id_token
    if issued.patient is not None:
        body["patient"] = issued.patient  # SMART App Launch v2 launch context
    return 200, body, default_json_headers
