"""Scope and resource rules, shared by the authorization and the token endpoints.

One place, so that /authorize and /token cannot drift apart: a client gets only the scopes it is
registered for (RFC 6749 §3.3; a SMART resource scope also when a registered one includes it,
:mod:`idp.smart.scopes`) and a token only for an audience it is registered for (RFC 8707 §2).
A resource indicator the idp knows by URL (the EGISZ FHIR base, ``IdpSettings.resource_aliases``)
stands for its audience: RFC 8707 §2 lets the server map a resource to "a more general URI or
abstract identifier".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from authlib.oauth2.rfc6749.errors import InvalidScopeError

from idp.clients.models import Client
from idp.oauth2.errors import InvalidTargetError, printable
from idp.smart.scopes import unregistered


def refuse_unregistered_scopes(registered: Iterable[str], scope: str | None) -> None:
    """RFC 6749 §3.3, §4.1.2.1, §5.2 ``invalid_scope``: a scope the client is not registered for."""
    extra = unregistered(registered, (scope or "").split())
    if extra:
        names = printable(" ".join(sorted(extra)))
        raise InvalidScopeError(f"The client is not registered for the scope {names}.")


def allowed_audiences(client: Client) -> set[str]:
    allowed = set(client.audiences)
    if client.default_audience:
        allowed.add(client.default_audience)
    return allowed


def check_resources(
    client: Client, resources: Sequence[str], aliases: Mapping[str, str] | None = None
) -> str | None:
    """RFC 8707 §2 ``invalid_target``: at most one resource, and one the client is registered for.
    Returns the audience it stands for (None when none was asked for)."""
    if len(resources) > 1:
        raise InvalidTargetError("Only one resource per request is supported.")
    if not resources:
        return None
    if not resources[0]:
        raise InvalidTargetError("The resource parameter is empty.")
    audience = (aliases or {}).get(resources[0].rstrip("/"), resources[0])
    if audience not in allowed_audiences(client):
        raise InvalidTargetError(f"The client may not request tokens for {printable(resources[0])}.")
    return audience


def resolve_audience(
    client: Client, resources: Sequence[str], issuer: str, aliases: Mapping[str, str] | None = None
) -> str:
    """The audience of a token: the one ``resource`` asked for, else the client's default, else us."""
    return check_resources(client, resources, aliases) or client.default_audience or issuer
