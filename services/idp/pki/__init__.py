"""Public-key infrastructure: certificates with Russian attributes, the trust store, bound certificates,
and electronic-signature verification (CMS, GOST R 34.10-2012, ESIA client secrets)."""
