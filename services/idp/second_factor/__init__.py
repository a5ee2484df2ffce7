"""Second factor (R-LOG-2, R-ACC-3, R-ACC-5): one-time codes by SMS or e-mail, TOTP apps with
recovery codes, trusted devices, and the amr/acr each of them proves (DESIGN.md "Identity and
assurance"). Secrets are stored only as keyed hashes, argon2 hashes or sealed with FieldCipher."""
