from __future__ import annotations

from shared.errors import AppError, ConflictError, NotFoundError


class ClientNotFoundError(NotFoundError):
    code = "client_not_found"
    title = "Client not found"


class ClientExistsError(ConflictError):
    code = "client_exists"
    title = "Client already exists"


class InvalidClientMetadataError(AppError):
    status_code = 422
    code = "invalid_client_metadata"
    title = "Invalid client metadata"


class LastAdminClientError(ConflictError):
    """The change would leave no client that can get an admin token: the admin API would lock out
    every operator (a schemathesis run once deleted every client, the admin among them)."""

    code = "last_admin_client"
    title = "Last admin client"


class EsiaManagedClientError(ConflictError):
    """An ESIA-face client (``token_endpoint_auth_method`` ``esia_signed_secret``) is changed and
    removed through ``/admin/esia/clients`` only: here its ESIA settings and certificates would be
    left behind, or it would become an OIDC client."""

    code = "esia_client"
    title = "Managed by the ESIA admin API"
