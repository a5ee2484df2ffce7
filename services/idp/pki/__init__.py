"""Public-key infrastructure: certificates, trust, and electronic-signature verification."""
