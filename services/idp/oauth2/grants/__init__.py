"""The token endpoint's grants, one module each, reading top to bottom (RFC 6749 §4, §6).

Authlib is the glue: it parses the request, picks the grant by ``grant_type`` and authenticates
the client. Each grant applies its checks in order and ends with one call to the token-issuing
core (:mod:`idp.tokens.issuance`), which alone writes the token records.
"""

from idp.oauth2.grants.authorization_code import CodeGrant, S256Only
from idp.oauth2.grants.client_credentials import ClientCredentialsGrant
from idp.oauth2.grants.common import (
    CONFIDENTIAL_AUTH_METHODS,
    GRANT_TYPES,
    TOKEN_AUTH_METHODS,
    AuthorizedUser,
)
from idp.oauth2.grants.refresh_token import RefreshGrant

__all__ = [
    "CONFIDENTIAL_AUTH_METHODS",
    "GRANT_TYPES",
    "TOKEN_AUTH_METHODS",
    "AuthorizedUser",
    "ClientCredentialsGrant",
    "CodeGrant",
    "RefreshGrant",
    "S256Only",
]
