"""One error per way a token request can fail at a grant, each with one sentence (RFC 6749 §5.2).

They are Authlib's protocol errors, so the token endpoint renders them as they are.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError, InvalidScopeError


class MissingParameterError(InvalidRequestError):
    def __init__(self, name: str) -> None:
        super().__init__(f"The {name} parameter is missing.")


# --- authorization_code (RFC 6749 §4.1.3) ----------------------------------------------------
class CodeNotFoundError(InvalidGrantError):
    description = "The authorization code is not known to this server."


class CodeExpiredError(InvalidGrantError):
    description = "The authorization code has expired."


class CodeClientMismatchError(InvalidGrantError):
    description = "The authorization code was issued to another client."


class RedirectUriMismatchError(InvalidGrantError):
    description = "The redirect_uri differs from the one in the authorization request."


class CodeAlreadyUsedError(InvalidGrantError):
    description = "The authorization code was already used, so the tokens it gave are revoked."


# --- PKCE (RFC 7636 §4.6, RFC 9700 §2.1.1, §4.8) ----------------------------------------------
class VerifierMissingError(InvalidRequestError):
    description = "The code_verifier parameter is missing, and PKCE is required here."


class VerifierWithoutChallengeError(InvalidRequestError):
    description = "A code_verifier was sent, but the authorization request had no code_challenge."


class VerifierMalformedError(InvalidRequestError):
    description = "The code_verifier must be 43 to 128 unreserved characters (RFC 7636 section 4.1)."


class VerifierMismatchError(InvalidGrantError):
    description = "The code_verifier does not match the code_challenge."


# --- refresh_token (RFC 6749 §6, RFC 9700 §4.14) ----------------------------------------------
class RefreshTokenNotFoundError(InvalidGrantError):
    description = "The refresh token is not known to this server."


class RefreshTokenClientMismatchError(InvalidGrantError):
    description = "The refresh token was issued to another client."


class RefreshTokenRevokedError(InvalidGrantError):
    description = "The refresh token was revoked."


class RefreshTokenExpiredError(InvalidGrantError):
    description = "The refresh token has expired."


class ScopeWideningError(InvalidScopeError):
    description = "The requested scope is wider than the scope originally granted."


class RefreshTokenReusedError(InvalidGrantError):
    description = "The refresh token was already used, so its whole family is revoked."


# --- both --------------------------------------------------------------------------------------
class AccountGoneError(InvalidGrantError):
    description = "The account this grant was issued for no longer exists."
