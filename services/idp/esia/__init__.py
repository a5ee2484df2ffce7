"""The ESIA face: existing ESIA client code works against the idp unchanged (``../shared/ESIA.md``).

A face over the same accounts, sessions, consents, keys and token-issuing core as the OpenID Connect
face (:mod:`idp.oauth2`); what is its own: the ESIA endpoints and parameters, the signed
``client_secret``, the token shapes, the REST API and the ``ESIA-NNNNNN`` errors.
"""
