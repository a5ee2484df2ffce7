"""The ``cnf`` claim of a signature login's tokens (RFC 7800 §3.1, RFC 8705 §3.1 style).

After a login by electronic signature the tokens name the signer's certificate as
``cnf: {"x5t#S256": <base64url of the SHA-256 of its DER>}``, the member RFC 8705 §3.1 defines, so
that the EGISZ resource server records *which* certificate signed the login in the Provenance of a
medical write (the kind is already ``acr``: ``urn:idp:acr:sig``/``qes``). It is not an mTLS
binding: RFC 8705 §3 would have a resource server demand the certificate on the TLS connection, so
the access token carries it only for the EGISZ audience, which reads it as described
(``Issuance.confirm_certificate``); the ID token, read by the client only, always does.
"""

from __future__ import annotations

import base64

X5T_S256 = "x5t#S256"


def confirmation(thumbprint_hex: str) -> dict[str, str]:
    """``{"x5t#S256": …}`` from the idp's hex SHA-256 thumbprint (base64url, no padding: RFC 8705 §3.1)."""
    digest = bytes.fromhex(thumbprint_hex)
    return {X5T_S256: base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")}
