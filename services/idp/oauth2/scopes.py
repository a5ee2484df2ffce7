"""Scope and resource rules, shared by the authorization and the token endpoints.

One place, so that /authorize and /token cannot drift apart: a client gets only the scopes it is
registered for (RFC 6749 §3.3) and a token only for an audience it is registered for (RFC 8707 §2).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from authlib.oauth2.rfc6749.errors import InvalidScopeError

from idp.clients.models import Client
from idp.oauth2.errors import InvalidTargetError, printable


def refuse_unregistered_scopes(registered: Iterable[str], scope: str | None) -> None:
    """RFC 6749 §3.3, §4.1.2.1, §5.2 ``invalid_scope``: a scope the client is not registered for."""
    extra = set((scope or "").split()) - set(registered)
    if extra:
        names = printable(" ".join(sorted(extra)))
        raise InvalidScopeError(f"The client is not registered for the scope {names}.")


def allowed_audiences(client: Client) -> set[str]:
    allowed = set(client.audiences)
    if client.default_audience:
        allowed.add(client.default_audience)
    return allowed


def check_resources(client: Client, resources: Sequence[str]) -> str | None:
    """RFC 8707 §2 ``invalid_target``: at most one resource, and one the client is registered for.
    Returns that resource (None when none was asked for)."""
    if len(resources) > 1:
        raise InvalidTargetError("Only one resource per request is supported.")
    if not resources:
        return None
    if not resources[0]:
        raise InvalidTargetError("The resource parameter is empty.")
    if resources[0] not in allowed_audiences(client):
        raise InvalidTargetError(f"The client may not request tokens for {printable(resources[0])}.")
    return resources[0]


def resolve_audience(client: Client, resources: Sequence[str], issuer: str) -> str:
    """The audience of a token: the one ``resource`` asked for, else the client's default, else us."""
    return check_resources(client, resources) or client.default_audience or issuer
