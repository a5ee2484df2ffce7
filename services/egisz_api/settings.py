"""Settings of the EGISZ service (env prefix ``EGISZ_``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import PageSettings, ResourceServerSettings


class EgiszSettings(ResourceServerSettings, PageSettings):
    model_config = SettingsConfigDict(env_prefix="EGISZ_", extra="ignore")
    service_name: ClassVar[str] = "egisz_api"

    database_url: str = Field(
        default="sqlite:///var/egisz.db", description="SQLAlchemy URL of the EGISZ database."
    )
    port: int = Field(default=8001, ge=1, le=65535, description="Port `serve` listens on.")
    audience: str = Field(default="egisz", description="Expected `aud` of incoming tokens (RFC 9068 §4).")
    audit_journal_dir: Path = Field(
        default=Path("var/egisz-audit-journal"),
        description="Directory of the audit journal: AuditEvents are fsync'd here before a response is "
        "released and replayed into the database at startup (docs/audit.md). Local disk, one per host.",
    )
    audit_journal_fsync: bool = Field(
        default=True,
        description="fsync each journal batch before acknowledging it; off only in tests and benchmarks.",
    )
    audit_batch_max: int = Field(
        default=500, ge=1, description="Most AuditEvents written to the journal with one fsync."
    )
    audit_drain_batch: int = Field(
        default=500, ge=1, description="Most AuditEvents inserted into the database in one transaction."
    )
    audit_drain_interval_seconds: float = Field(
        default=0.2,
        gt=0,
        description="Longest wait before journalled AuditEvents are inserted (sooner when a batch is full).",
    )
    audit_segment_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=4096,
        description="Size after which the journal starts a new segment (a drained segment is deleted).",
    )
    audit_observer: str = Field(
        default="egisz_api", description="This server's name in AuditEvent.source.observer and its agent."
    )
    consent_version: str | None = Field(
        default=None,
        description="The consent text version patients are asked to accept, one of "
        "egisz_api.consent.documents.TEXTS (default: its CURRENT_VERSION; docs/consent.md).",
    )
    fhir_max_resource_bytes: int = Field(
        default=524_288,
        ge=1024,
        description="Largest resource a FHIR create/update accepts, in bytes (413 OperationOutcome above).",
    )
    fhir_max_bundle_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest transaction/batch Bundle POST /fhir accepts, in bytes (413 above; "
        "each entry's resource is held to fhir_max_resource_bytes too).",
    )
    fhir_max_bundle_entries: int = Field(
        default=500,
        ge=1,
        description="Most entries a transaction/batch Bundle may carry (R4 http.html#transaction lets "
        "a server limit it; 413 OperationOutcome above).",
    )
    # --- notifications (R-EGZ-6, docs/rights.md) ----------------------------------------------------
    notifier_url: str = Field(
        default="http://127.0.0.1:8002", description="Base URL of the notifier that sends patients' notices."
    )
    notifier_client_id: str = Field(
        default="egisz-api",
        description="EGISZ's client at the idp for its notifier token (client_credentials).",
    )
    notifier_client_secret: SecretStr | None = Field(
        default=None,
        description="That client's secret; without it notices are queued and kept but not sent.",
    )
    notifier_timeout: float = Field(
        default=5.0, gt=0, description="Timeout of one call to the idp or notifier."
    )
    notifications_enabled: bool = Field(
        default=True, description="Run the notification dispatcher (access scan and sending) in this process."
    )
    subscription_max_attempts: int = Field(
        default=5,
        ge=1,
        description="Failed rest-hook notifications after which a Subscription goes to status=error (R4).",
    )
    subscription_timeout: float = Field(
        default=5.0, gt=0, description="Seconds a rest-hook receiver has to answer a notification."
    )
    notifications_poll_seconds: float = Field(
        default=2.0, gt=0, description="Longest wait between two passes of the notification dispatcher."
    )
    pdf_font_dir: Path = Field(
        default=Path("/usr/share/fonts/truetype/dejavu"),
        description="Where DejaVuSans.ttf and DejaVuSans-Bold.ttf are (fonts-dejavu-core): the PDF font.",
    )

    covid_cert_key: Path = Field(
        default=Path("var/egisz-covid-cert-key.pem"),
        description="EC P-256 private key (PEM) that signs COVID-19 vaccination certificates (ES256 JWS; "
        "its public half is at /.well-known/covid-cert-jwks.json). Generated in dev mode when missing; "
        "outside dev mode a missing key makes certificates unavailable (503).",
    )

    # --- the patient cabinet («Вход в ЕГИСЗ», docs/cabinet.md) ------------------------------------
    public_url: str = Field(
        default="http://127.0.0.1:8001",
        description="This service's own address as browsers reach it: the ESIA callback and the "
        "logout return address are built from it (registered for EGISZ at the idp).",
    )
    esia_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL of the idp's ESIA face (`/aas/oauth2/v2/ac`, `/aas/oauth2/v3/te`, `/rs`, "
        "`/idp/ext/Logout`, `/public/esia.*`; ESIA.md §3, §4, §7, §10).",
    )
    esia_issuer: str = Field(
        default="http://esia.gosuslugi.ru/",
        description="`iss` of the ESIA face's id_tokens for EGISZ (its registration's issuer, ESIA.md §5.2).",
    )
    esia_client_id: str = Field(default="EGISZ", description="EGISZ's mnemonic at ESIA (ESIA.md §3).")
    esia_scopes: str = Field(
        default="openid fullname snils id_doc usr_org",
        description="Scopes asked at login (space-separated; each must be registered for the client): "
        "the name, the SNILS to find the patient, the passport's verification for the level, "
        "the person's organisations (`usr_org`: `/rs/prns/{oid}/roles`, a medical worker's).",
    )
    esia_certificate: Path | None = Field(
        default=None,
        description="EGISZ's client certificate (PEM) that signs `client_secret` (GOST R 34.10-2012 "
        "for v2/v3; an RSA one makes the client use v1, ESIA.md §3). Unset: the idp seed's demo "
        "certificate in `esia_demo_dir` (`EGISZ-gost.pem`, else `EGISZ-rsa.pem`).",
    )
    esia_key: Path | None = Field(
        default=None, description="The certificate's private key (PEM); unset: the demo one beside it."
    )
    esia_demo_dir: Path = Field(
        default=Path("var/pki/esia"),
        description="Where the idp seed writes EGISZ's demo certificates (used when none is configured).",
    )
    esia_key_password: SecretStr | None = Field(
        default=None, description="Password of an encrypted private key file (none for the demo keys)."
    )
    esia_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of each call to the idp's ESIA face."
    )
    idp_account_url: str = Field(
        default="http://127.0.0.1:8000/account",
        description="The idp's personal cabinet, where a person raises the account level (R-ACC-6).",
    )
    cabinet_idle_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="A cabinet session ends after this long without a request."
    )
    cabinet_lifetime_minutes: int = Field(
        default=8 * 60, ge=1, description="A cabinet session ends this long after login, however active."
    )
    cabinet_login_minutes: int = Field(
        default=15, ge=1, description="How long a started login may take before its state is refused."
    )
    worker_form_park_minutes: int = Field(
        default=15,
        ge=1,
        le=120,
        description="How long a worker's form waits, parked, while the worker signs at the idp "
        "(docs/worker-forms.md).",
    )
    # --- signed medical writes (issue 14 item 2; docs/fhir.md «Signed writes») ----------------------
    signed_writes_required: bool = Field(
        default=True,
        description="EGISZ.md §5 (A): a create/update of medical data needs a signature-level login "
        "(acr urn:idp:acr:sig/qes) or, from a system, a signed X-Provenance. Off only in dev mode, "
        "for test fixtures that load data through the API.",
    )
    signature_qualified_cas: list[Path] = Field(
        default_factory=list,
        description="PEM/DER files of accredited CAs (КЭП): a Provenance signed under them is `qes` "
        "(the idp's demo PKI: var/pki/accredited/ca.pem, docs/pki.md «Demo PKI»).",
    )
    signature_unqualified_cas: list[Path] = Field(
        default_factory=list,
        description="PEM/DER files of other trusted CAs (УНЭП): a Provenance signed under them is `sig`.",
    )

    @model_validator(mode="after")
    def _signed_writes_only_off_in_dev(self) -> EgiszSettings:
        if not self.signed_writes_required and not self.dev_mode:
            raise ValueError("signed_writes_required may be false only in dev mode")
        return self
