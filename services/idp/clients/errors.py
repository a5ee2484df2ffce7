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
