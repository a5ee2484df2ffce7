# ruff: noqa: E501  (the table keeps one code per line, with the real ESIA texts)
"""ESIA error codes (ESIA.md §9) and the one exception the face raises with them.

On the wire every refusal is exactly what the real ESIA sends: ``error`` (RFC 6749) and
``error_description`` starting ``ESIA-NNNNNN:``. What the real ESIA never says — what we expected
and what we found — travels beside it as :attr:`EsiaError.diagnosis`, for the client's own developers
(``idp.esia.diagnostics``), never for the person logging in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.errors import AppError, ConflictError, NotFoundError


@dataclass(frozen=True)
class EsiaCode:
    code: str
    #: the RFC 6749 ``error`` value sent with it
    error: str
    #: the text after ``ESIA-NNNNNN: `` (the real ESIA's English sentence or ``OAuthErrorEnum`` name)
    text: str

    @property
    def description(self) -> str:
        return f"{self.code}: {self.text}"


def _codes(*entries: EsiaCode) -> Mapping[str, EsiaCode]:
    return {entry.code: entry for entry in entries}


CODES: Mapping[str, EsiaCode] = _codes(
    EsiaCode("ESIA-007002", "invalid_client", "The certificate does not match the client or is not registered."),
    EsiaCode("ESIA-007003", "invalid_request", "The request is missing a required parameter, includes an invalid parameter value, or is otherwise malformed."),
    EsiaCode("ESIA-007004", "access_denied", "The resource owner or authorization server denied the request."),
    EsiaCode("ESIA-007005", "unauthorized_client", "The client is not authorized to request an access token using this method."),
    EsiaCode("ESIA-007006", "invalid_scope", "The requested scope is invalid, unknown, or malformed."),
    EsiaCode("ESIA-007007", "server_error", "The authorization server encountered an unexpected condition which prevented it from fulfilling the request."),
    EsiaCode("ESIA-007008", "temporarily_unavailable", "The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server."),
    EsiaCode("ESIA-007009", "unsupported_response_type", "The authorization server does not support obtaining an access token using this method."),
    EsiaCode("ESIA-007011", "invalid_grant", "The provided authorization grant or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."),
    EsiaCode("ESIA-007012", "unsupported_grant_type", "The authorization grant type is not supported by the authorization server."),
    EsiaCode("ESIA-007013", "invalid_request", "The request does not contain the scope."),
    EsiaCode("ESIA-007014", "invalid_request", "The request does not contain the mandatory parameter"),
    EsiaCode("ESIA-007015", "invalid_request", "Неверное время запроса"),
    EsiaCode("ESIA-007019", "access_denied", "OAuthErrorEnum.noGrants"),
    EsiaCode("ESIA-007023", "invalid_request", "The redirect_uri is not among the allowed ones."),
    EsiaCode("ESIA-007038", "invalid_request", "The request parameters cannot be read."),
    EsiaCode("ESIA-007039", "invalid_grant", "The original request does not contain code_challenge."),
    EsiaCode("ESIA-007040", "invalid_grant", "The code_verifier does not match code_challenge."),
    EsiaCode("ESIA-007046", "access_denied", "Two-factor authentication is required for the scope but is not possible for the user."),
    EsiaCode("ESIA-007053", "access_denied", "OAuthErrorEnum.clientSecretWrong"),
    EsiaCode("ESIA-007055", "access_denied", "Вход в систему осуществляется с неподтвержденной учетной записью"),
    EsiaCode("ESIA-007194", "access_denied", "The user is not an employee of the organization."),
    EsiaCode("ESIA-008010", "invalid_client", "Client authentication failed."),
)  # fmt: skip


class EsiaError(Exception):
    """A refusal with an ESIA code. ``diagnosis``: for the client's developers only (what was
    expected, what was found, what to change); never rendered to the person, never a secret."""

    def __init__(
        self, code: str, *, detail: str | None = None, diagnosis: Mapping[str, Any] | None = None
    ) -> None:
        if code not in CODES:
            raise ValueError(f"unknown ESIA code {code}")
        self.esia = CODES[code]
        #: an addition to the wire text where ESIA adds one (e.g. the missing parameter's name)
        self.detail = detail
        self.diagnosis: dict[str, Any] = dict(diagnosis or {})
        super().__init__(self.description)

    @property
    def code(self) -> str:
        return self.esia.code

    @property
    def error(self) -> str:
        return self.esia.error

    @property
    def description(self) -> str:
        return f"{self.esia.description} {self.detail}" if self.detail else self.esia.description


# --- registration (the admin API and CLI): problem JSON, never an ESIA code ----------------------
class EsiaClientNotFoundError(NotFoundError):
    code = "esia_client_not_found"
    title = "ESIA client not found"


class InvalidEsiaClientError(AppError):
    """A registration the ESIA face could not serve (bad mode, window, scope, URI)."""

    status_code = 422
    code = "invalid_esia_client"
    title = "Invalid ESIA client registration"


class CertificateExpiredError(AppError):
    status_code = 422
    code = "certificate_expired"
    title = "The certificate has expired"


class CertificateAlgorithmError(AppError):
    status_code = 422
    code = "certificate_algorithm_unsupported"
    title = "The certificate's key algorithm is not supported"


class EsiaCertificateExistsError(ConflictError):
    code = "esia_certificate_exists"
    title = "Certificate already registered"


class EsiaCertificateNotFoundError(NotFoundError):
    code = "esia_certificate_not_found"
    title = "Certificate not registered"


class DiagnosisNotFoundError(NotFoundError):
    code = "esia_diagnosis_not_found"
    title = "Diagnosis not found"
