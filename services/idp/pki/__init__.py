"""Certificates and trust: X.509 parsing with Russian attributes, the trust store, bound certificates."""
