"""Settings of the identity provider (env prefix ``IDP_``)."""

from __future__ import annotations

from typing import ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import PageSettings

DEV_KEK = "dev-only-key-encryption-key-change-me"
DEV_PEPPER = "dev-only-client-secret-pepper-change-me"
DEV_PII_KEY = "dev-only-personal-data-key-change-me-0123456789"
DEV_COOKIE_KEY = "dev-only-cookie-signing-key-change-me-0123456789"
DEV_CODE_KEY = "dev-only-one-time-code-hash-key-change-me-0123456789"


class BankClaimMap(BaseModel):
    """Which claim of a bank's ID token (or userinfo) holds what (docs/bank-id.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    snils: str = Field(
        default="snils", description="The claim holding the SNILS (11 digits, any separators)."
    )
    snils_verified: str | None = Field(
        default="snils_verified",
        description="The boolean claim saying the bank checked the SNILS; null: it vouches for every SNILS.",
    )
    phone: str = Field(default="phone_number", description="The phone claim (OIDC Core §5.1).")
    phone_verified: str | None = Field(
        default="phone_number_verified",
        description="The boolean claim saying the bank confirmed the phone; null: it always does.",
    )
    last_name: str = Field(default="family_name", description="Surname.")
    first_name: str = Field(default="given_name", description="Given name.")
    middle_name: str = Field(default="middle_name", description="Patronymic.")
    birth_date: str = Field(default="birthdate", description="Birth date, YYYY-MM-DD (OIDC Core §5.1).")


class BankProvider(BaseModel):
    """One bank the idp is an OpenID Connect client of (issue 15 item 3, docs/bank-id.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$", description="Short stable id, in URLs and links.")
    name_ru: str = Field(min_length=1, max_length=100, description="The bank's name in Russian.")
    name_en: str = Field(min_length=1, max_length=100, description="The bank's name in English.")
    issuer: str = Field(
        description="The bank's issuer; its discovery document is at /.well-known/openid-configuration."
    )
    client_id: str = Field(min_length=1, description="The idp's client id at the bank.")
    token_endpoint_auth_method: Literal["client_secret_basic", "private_key_jwt"] = Field(
        default="client_secret_basic",
        description="How the idp authenticates at the bank's token endpoint (OIDC Core §9): its "
        "client secret, or a JWT signed with its private key (RFC 7523).",
    )
    client_secret: SecretStr | None = Field(
        default=None, description="The idp's client secret at the bank (client_secret_basic)."
    )
    private_key: SecretStr | None = Field(
        default=None,
        description="private_key_jwt: the idp's RSA private key for this bank (PEM); the bank holds "
        "its public key (registered there as the client's jwks).",
    )
    private_key_id: str | None = Field(
        default=None, max_length=128, description="private_key_jwt: the key's kid at the bank."
    )
    scopes: str = Field(default="openid profile phone", description="Scopes asked for; must include openid.")
    claims: BankClaimMap = Field(default_factory=BankClaimMap, description="The claim mapping.")
    acr_map: dict[str, str] = Field(
        default_factory=dict,
        description="The bank's acr values mapped to ours (urn:idp:acr:pwd or urn:idp:acr:mfa); "
        "any other: urn:idp:acr:pwd.",
    )

    @model_validator(mode="after")
    def _credential_for_the_method(self) -> BankProvider:
        if self.token_endpoint_auth_method == "client_secret_basic" and self.client_secret is None:
            raise ValueError("client_secret_basic needs client_secret")
        if self.token_endpoint_auth_method == "private_key_jwt":
            if self.private_key is None:
                raise ValueError("private_key_jwt needs private_key (PEM)")
            from cryptography.exceptions import UnsupportedAlgorithm
            from cryptography.hazmat.primitives.asymmetric import rsa
            from cryptography.hazmat.primitives.serialization import load_pem_private_key

            try:
                key = load_pem_private_key(self.private_key.get_secret_value().encode(), password=None)
            except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
                raise ValueError("private_key is not an unencrypted PEM private key") from exc
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError("private_key must be an RSA key (RS256)")
        return self


class IdpSettings(PageSettings):
    model_config = SettingsConfigDict(env_prefix="IDP_", extra="ignore")
    service_name: ClassVar[str] = "idp"

    database_url: str = Field(
        default="sqlite:///var/idp.db", description="SQLAlchemy URL of the idp database."
    )
    issuer: str = Field(
        default="http://127.0.0.1:8000",
        description="Public base URL of the idp; the `iss` of every token (OIDC Discovery §3).",
    )
    esia_public_url: str | None = Field(
        default=None,
        description="Public base URL in the absolute element URLs of the ESIA REST collections "
        "(`/rs/prns/{oid}/ctts/{id}`, ESIA.md §7.2); default: the issuer.",
    )
    key_encryption_key: SecretStr = Field(
        default=SecretStr(DEV_KEK),
        description="Key-encryption key that protects the signing keys' private parts at rest (>= 32 chars).",
    )
    client_secret_pepper: SecretStr = Field(
        default=SecretStr(DEV_PEPPER),
        description="HMAC key for client-secret hashes (>= 32 chars); changing it invalidates every secret.",
    )
    id_token_ttl: int = Field(default=3600, ge=30, description="ID token lifetime, seconds.")
    personal_data_key: SecretStr = Field(
        default=SecretStr(DEV_PII_KEY),
        description="Key for personal data at rest (AES-GCM) and its lookup HMACs (>= 32 chars).",
    )
    cookie_key: SecretStr = Field(
        default=SecretStr(DEV_COOKIE_KEY),
        description="Key that binds CSRF tokens to the browser (HMAC, >= 32 chars).",
    )
    access_token_ttl: int = Field(default=600, ge=30, description="Access token lifetime, seconds.")
    authorization_code_ttl: int = Field(
        default=60, ge=10, le=600, description="Authorization code lifetime, seconds (RFC 6749 §4.1.2)."
    )
    refresh_token_ttl: int = Field(default=30 * 86400, ge=60, description="Refresh token lifetime, seconds.")
    refresh_reuse_grace_seconds: int = Field(
        default=0,
        ge=0,
        le=60,
        description="A spent refresh token reused within this many seconds is not treated as theft.",
    )
    session_idle_timeout: int = Field(
        default=900, ge=60, description="A session ends after this many seconds without activity (R-LOG-8)."
    )
    session_absolute_timeout: int = Field(
        default=12 * 3600, ge=300, description="A session ends this many seconds after login, active or not."
    )
    interaction_ttl: int = Field(
        default=1800, ge=60, description="How long a pending login/consent interaction stays usable, seconds."
    )
    backchannel_logout_attempts: int = Field(
        default=3, ge=1, le=20, description="Delivery attempts of a back-channel logout token per client."
    )
    backchannel_logout_backoff: float = Field(
        default=1.0,
        ge=0,
        description="First retry delay of back-channel logout, seconds (doubles per attempt, with jitter).",
    )
    backchannel_logout_timeout: float = Field(
        default=5.0, gt=0, description="Timeout of one back-channel logout POST, seconds."
    )
    backchannel_logout_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A claimed back-channel logout whose dispatcher died is retried after this long (s).",
    )
    backchannel_logout_retention_days: int = Field(
        default=7,
        ge=1,
        description="Delivered and dead back-channel logouts are forgotten after this many days.",
    )
    backchannel_dispatcher_enabled: bool = Field(
        default=True,
        description="Deliver back-channel logouts from this process (off: only queue them in the outbox).",
    )
    backchannel_dispatcher_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often an idle back-channel dispatcher looks for due logouts, seconds.",
    )

    # --- accounts: notifier, codes, lockout, recovery (R-ACC-*, R-LOG-2/6/7, R-SEC-*) -----------
    notifier_url: str = Field(
        default="http://127.0.0.1:8002",
        description="Base URL of the notifier that delivers codes and notices.",
    )
    notifier_timeout: float = Field(
        default=5.0, gt=0, description="Timeout of one call to the notifier, seconds."
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for the per-IP login rate limit (several replicas); memory when unset.",
    )
    login_rate_limit: str = Field(
        default="30/minute",
        description="Login and code attempts per client IP (`limits` syntax, e.g. 30/minute).",
    )
    lockout_threshold: int = Field(
        default=5, ge=1, le=50, description="Consecutive wrong passwords that lock an account (R-LOG-6)."
    )
    lockout_minutes: int = Field(default=15, ge=1, description="How long a lockout lasts, minutes (R-LOG-6).")
    code_hash_key: SecretStr = Field(
        default=SecretStr(DEV_CODE_KEY), description="HMAC key for stored one-time codes (>= 32 chars)."
    )
    code_ttl_seconds: int = Field(
        default=300, ge=60, le=1800, description="One-time code lifetime (R-LOG-2)."
    )
    code_max_attempts: int = Field(
        default=3, ge=1, le=10, description="Wrong tries that kill a one-time code."
    )
    code_resend_cooldown_seconds: int = Field(
        default=60, ge=0, description="Pause before «Отправить код ещё раз» is allowed, seconds."
    )
    code_max_sends_per_hour: int = Field(
        default=5, ge=1, description="Codes sent per account and purpose per hour, at most."
    )
    trusted_device_days: int = Field(
        default=30, ge=1, le=365, description="How long a trusted device skips the second factor, days."
    )
    email_link_ttl_seconds: int = Field(
        default=24 * 3600, ge=300, description="Lifetime of an e-mail confirmation link, seconds."
    )
    registry_verifier_url: str | None = Field(
        default=None,
        description=(
            "HTTP registry checking SNILS and passport (standard level); unset: the dev-mode sandbox "
            "(docs/accounts.md); outside dev mode every check waits as «unavailable»."
        ),
    )
    registry_verifier_token: SecretStr | None = Field(
        default=None, description="Bearer token sent to the HTTP registry verifier."
    )
    security_log_retention_days: int = Field(
        default=365, ge=183, description="Security log retention, days (at least six months, R-SEC-1)."
    )
    personal_data_previous_keys: SecretStr | None = Field(
        default=None,
        description="Comma-separated older personal-data keys, still readable until re-encryption.",
    )
    demo_relying_party: bool = Field(
        default=False, description="Serve the tiny demo relying party at /demo-rp (dev mode only)."
    )
    client_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Seconds a process trusts its cached copy of a client (other replicas: changes lag).",
    )
    metadata_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long a process serves the discovery document before rebuilding it.",
    )
    revocation_sync_seconds: float = Field(
        default=1.0,
        ge=0,
        description=(
            "How often a process re-reads revoked access tokens for introspection; a revocation made "
            "by another replica shows within this time (0: ask the database on every introspection)."
        ),
    )
    key_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long a process keeps the signing keys in memory before re-reading.",
    )
    default_signing_alg: str = Field(
        default="RS256", pattern="^(RS256|ES256)$", description="Signing algorithm when a client names none."
    )

    pki_crl_max_age_seconds: int = Field(
        default=86400,
        ge=60,
        description="A fetched CRL is fetched again after this many seconds even before its nextUpdate.",
    )
    pki_crl_grace_seconds: int = Field(
        default=0,
        ge=0,
        description=(
            "When a CRL cannot be fetched or an OCSP responder does not answer, keep using the last CRL "
            "or answer for this long past its nextUpdate or maximum age (0: fail closed, refused)."
        ),
    )
    pki_ocsp_max_age_seconds: int = Field(
        default=300,
        ge=1,
        description=(
            "An OCSP answer (RFC 6960) is asked for again after this many seconds even before its "
            "nextUpdate; an answer without nextUpdate is used at most this long after its thisUpdate."
        ),
    )
    pki_login_challenge_ttl: int = Field(
        default=300,
        ge=30,
        le=3600,
        description="Seconds a login-by-signature challenge can be signed and submitted (single use).",
    )
    passkey_challenge_ttl: int = Field(
        default=300,
        ge=30,
        le=3600,
        description="Seconds a WebAuthn challenge (passkey registration or login) stays usable, once.",
    )
    passkey_fresh_login_seconds: int = Field(
        default=600,
        ge=60,
        description="Registering a passkey needs a login (auth_time) at most this many seconds old.",
    )
    passkey_rp_name: str = Field(
        default="Госуслуги IdP", description="The relying party name authenticators show (WebAuthn §5.4.1)."
    )
    passkey_attestation: Literal["none", "direct"] = Field(
        default="none",
        description=(
            "`none`: any authenticator (WebAuthn §5.4.7, attestation none); `direct`: only authenticators "
            "whose attestation chains to `passkey_attestation_roots` (and, if set, whose AAGUID is listed)."
        ),
    )
    passkey_attestation_roots: str | None = Field(
        default=None,
        description="With `direct` attestation: a PEM file of the trusted attestation root certificates.",
    )
    passkey_trusted_aaguids: list[str] = Field(
        default_factory=list,
        description="With `direct` attestation: the accepted authenticator models (AAGUIDs); empty: any.",
    )
    demo_pki_dir: str = Field(
        default="var/pki",
        description="Dev mode: where `seed` keeps the demo PKI (CAs, certificates, .pfx files and PIN).",
    )
    egisz_url: str = Field(
        default="http://127.0.0.1:8001",
        description=(
            "Dev mode: the EGISZ service's public base URL; `seed` registers EGISZ as an ESIA-face "
            "client with the redirect URI `<this>/esia/callback`."
        ),
    )
    smart_fhir_base_url: str = Field(
        default="http://127.0.0.1:8001/fhir",
        description=(
            "The EGISZ FHIR base URL (SMART App Launch v2): an app names it as `aud` or `resource`, "
            "the idp maps it to `smart_fhir_audience` (RFC 8707 §2) and finds the person's Patient "
            "there by SNILS for `launch/patient`, `fhirUser` and patient-level scopes."
        ),
    )
    smart_fhir_lookup_url: str | None = Field(
        default=None,
        description=(
            "Where the idp itself calls that FHIR server for the Patient lookup, when the public "
            "base URL is not reachable from it (compose: `http://egisz_api:8001/fhir`); "
            "default: `smart_fhir_base_url`."
        ),
    )
    smart_fhir_audience: str = Field(
        default="egisz",
        description="The `aud` of tokens for `smart_fhir_base_url` (egisz_api's EGISZ_AUDIENCE).",
    )
    smart_fhir_timeout: float = Field(
        default=5.0, gt=0, description="Timeout of the Patient lookup at the FHIR server, seconds."
    )
    pki_expiry_notices_enabled: bool = Field(
        default=True,
        description=(
            "Run the loop that tells owners 30 days ahead that a bound certificate expires "
            "(off: no expiry notices are sent)."
        ),
    )
    pki_expiry_check_seconds: float = Field(
        default=3600.0, gt=0, description="Seconds between the expiry-notice loop's looks for certificates."
    )
    pki_crl_fetch_timeout: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="Seconds to wait for a CRL distribution point or an OCSP responder to answer.",
    )
    bank_providers: list[BankProvider] = Field(
        default_factory=list,
        description="Banks offered by «Войти через банк»: a JSON list of {id, name_ru, name_en, issuer, "
        "client_id, client_secret or token_endpoint_auth_method private_key_jwt with private_key and "
        "private_key_id, scopes, claims, acr_map} (docs/bank-id.md).",
    )
    bank_timeout: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="Timeout of one call to a bank (discovery, token, JWKS), seconds.",
    )
    bank_login_ttl: int = Field(
        default=600,
        ge=60,
        le=3600,
        description="How long a bank login may take, from leaving for the bank to the last form, seconds.",
    )

    @property
    def resource_aliases(self) -> dict[str, str]:
        """RFC 8707 §2 resource indicators the idp maps to an audience: the EGISZ FHIR base URL."""
        return {self.smart_fhir_base_url.rstrip("/"): self.smart_fhir_audience}

    @model_validator(mode="after")
    def _https_issuer_outside_dev(self) -> IdpSettings:
        # RFC 9700 §2.6: authorization responses never over plain http, except to loopback.
        host = urlsplit(self.issuer).hostname or ""
        if (
            not self.dev_mode
            and self.issuer.startswith("http://")
            and host not in ("127.0.0.1", "localhost", "::1")
        ):
            raise ValueError("IDP_ISSUER must be https outside dev mode (loopback excepted)")
        return self

    @model_validator(mode="after")
    def _lease_outlives_a_post(self) -> IdpSettings:
        if self.backchannel_logout_lease_seconds <= self.backchannel_logout_timeout:
            raise ValueError(
                "IDP_BACKCHANNEL_LOGOUT_LEASE_SECONDS must exceed IDP_BACKCHANNEL_LOGOUT_TIMEOUT"
            )
        return self

    @model_validator(mode="after")
    def _demo_pages_only_in_dev(self) -> IdpSettings:
        if self.demo_relying_party and not self.dev_mode:
            raise ValueError("IDP_DEMO_RELYING_PARTY is a dev-mode page and refused outside dev mode")
        return self

    @property
    def secure_cookies(self) -> bool:
        """Cookies get ``Secure`` when the issuer is served over https."""
        return self.issuer.startswith("https://")
