"""Settings of the EGISZ service (env prefix ``EGISZ_``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr
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
    fhir_max_resource_bytes: int = Field(
        default=524_288,
        ge=1024,
        description="Largest resource a FHIR create/update accepts, in bytes (413 OperationOutcome above).",
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
    notifications_poll_seconds: float = Field(
        default=2.0, gt=0, description="Longest wait between two passes of the notification dispatcher."
    )
    pdf_font_dir: Path = Field(
        default=Path("/usr/share/fonts/truetype/dejavu"),
        description="Where DejaVuSans.ttf and DejaVuSans-Bold.ttf are (fonts-dejavu-core): the PDF font.",
    )
