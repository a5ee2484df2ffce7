"""The organisations feature's errors: each a stable ``code`` a client can branch on, never a 500."""

from __future__ import annotations

from shared.errors import AppError, ConflictError, NotFoundError


class OrganizationNotFoundError(NotFoundError):
    code = "organization_not_found"
    title = "Organisation not found"


class EmploymentNotFoundError(NotFoundError):
    code = "employment_not_found"
    title = "Employment not found"


class OrganizationExistsError(ConflictError):
    """Another organisation has this OGRN already."""

    code = "organization_exists"
    title = "Organisation already registered"


class OrganizationInvalidError(AppError):
    """A field fails its rule (OGRN checksum, INN checksum, KPP, region, role...)."""

    status_code = 422
    code = "organization_invalid"
    title = "Invalid organisation data"
