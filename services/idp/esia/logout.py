"""``GET /idp/ext/Logout?client_id=…&redirect_url=…`` (ESIA.md §10): where the person may be sent
after the SSO session ends. Only to a URL on an origin of the client's registered redirect URIs
(scheme, host and port compared exactly, as parsed); otherwise nowhere (the logged-out page)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from idp.clients import service as clients_service
from idp.esia import repository


def _origin(url: str) -> tuple[str, str, int | None] | None:
    if any(ch in url for ch in "\\\r\n\t ") or len(url) > 2000:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        return None
    return parts.scheme, parts.hostname.lower(), port


def redirect_target(session: Session, params: dict[str, str]) -> str | None:
    """The URL to send the person to after logout, or None (``redirect_url``; ``redirect_uri``
    accepted too: one Java client sends it)."""
    target = params.get("redirect_url") or params.get("redirect_uri") or ""
    client_id = params.get("client_id", "")
    if not target or not client_id:
        return None
    client = clients_service.find_client(session, client_id)
    if client is None or repository.esia_client(session, client_id) is None:
        return None
    origin = _origin(target)
    if origin is None:
        return None
    allowed = {_origin(uri) for uri in client.redirect_uris} - {None}
    return target if origin in allowed else None
