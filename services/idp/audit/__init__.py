"""The security log (R-SEC-1): an append-only, hash-chained record of every security event."""
