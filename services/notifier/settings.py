"""Settings of the notifier (env prefix ``NOTIFIER_``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from limits import parse_many
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ResourceServerSettings

DEV_DATA_KEY = "dev-only-notifier-data-key-change-me"

SmtpSecurity = Literal["none", "starttls", "tls"]
#: what a field of the generic SMS gateway's body can be filled with
SMS_BODY_SOURCES = frozenset({"phone", "phone_digits", "text", "message_id", "sender"})


class DevOutboxOutsideDevModeError(ValueError):
    """The dev outbox shows codes in a browser page: never outside dev mode."""


class NotifierSettings(ResourceServerSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")
    service_name: ClassVar[str] = "notifier"

    database_url: str = Field(
        default="sqlite:///var/notifier.db", description="SQLAlchemy URL of the notifier database."
    )
    port: int = Field(default=8002, ge=1, le=65535, description="Port `serve` listens on.")
    audience: str = Field(default="notifier", description="Expected `aud` of incoming tokens (RFC 9068 §4).")
    send_scope: str = Field(
        default="notify:send", description="Scope a caller's token needs to send messages."
    )

    # --- data at rest -------------------------------------------------------------------------------
    data_key: SecretStr = Field(
        default=SecretStr(DEV_DATA_KEY),
        description="Key material (>= 32 chars) for AES-GCM encryption of recipients and parameters at rest.",
    )
    retention_days: int = Field(
        default=30,
        ge=0,
        description="Days after which finished messages and their idempotency keys are deleted (0: never).",
    )
    max_params_bytes: int = Field(
        default=4096,
        ge=256,
        description="Largest template parameters accepted, as compact JSON bytes (422 above).",
    )

    # --- dispatcher ---------------------------------------------------------------------------------
    dispatcher_enabled: bool = Field(
        default=True,
        description="Run the delivery dispatcher inside this process (off: accept and queue only).",
    )
    dispatcher_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often an idle dispatcher looks for due messages, seconds."
    )
    dispatcher_concurrency: int = Field(
        default=16, ge=1, le=256, description="Most messages one dispatcher sends at the same time."
    )
    claim_lease_seconds: float = Field(
        default=15.0,
        gt=0,
        description=(
            "How long a claim lasts unless renewed (a heartbeat renews it every third while the send"
            " runs); a message claimed by a killed process is retried after it."
        ),
    )
    shutdown_grace_seconds: float = Field(
        default=10.0, ge=0, description="On shutdown, how long in-flight sends may finish before being cut."
    )
    retry_base_seconds: float = Field(
        default=2.0, gt=0, description="First retry delay; it doubles per attempt (with jitter)."
    )
    retry_max_seconds: float = Field(default=300.0, gt=0, description="Longest retry delay, seconds.")
    max_attempts: int = Field(
        default=10, ge=1, description="Attempts over all channels after which a message is dead-lettered."
    )
    email_attempts: int = Field(
        default=3, ge=1, description="E-mail attempts before falling back to the next channel."
    )
    sms_attempts: int = Field(
        default=3, ge=1, description="SMS attempts before falling back to the next channel."
    )
    push_attempts: int = Field(
        default=2, ge=1, description="Push attempts before falling back to the next channel."
    )
    email_timeout_seconds: float = Field(
        default=15.0, gt=0, description="Timeout of one SMTP delivery, seconds."
    )
    sms_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of one SMS gateway call, seconds."
    )
    push_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of one push webhook call, seconds."
    )
    email_send_rate: str = Field(
        default="50/second",
        description="Cap on e-mails sent, over all replicas when Redis is set (`limits` syntax).",
    )
    sms_send_rate: str = Field(
        default="20/second", description="Cap on SMS sent (`limits` syntax, e.g. `20/second`)."
    )
    push_send_rate: str = Field(
        default="50/second", description="Cap on push notifications sent (`limits` syntax)."
    )

    # --- limits -------------------------------------------------------------------------------------
    recipient_rate_limit: str = Field(
        default="10/minute;50/hour",
        description="Messages accepted per recipient address (`limits` syntax, `;`-separated); 429 above.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL for rate-limit counters shared by replicas; unset: process memory.",
    )
    rate_limit_key_prefix: str = Field(
        default="notifier", description="Prefix of the rate-limit keys in Redis."
    )

    # --- e-mail (SMTP) ------------------------------------------------------------------------------
    smtp_host: str | None = Field(default=None, description="SMTP server host; unset: no e-mail channel.")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port.")
    smtp_security: SmtpSecurity = Field(
        default="starttls", description="`starttls` (required), `tls` (implicit TLS, port 465) or `none`."
    )
    smtp_username: str | None = Field(default=None, description="SMTP login; unset: no authentication.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_from: str = Field(
        default="Уведомления <no-reply@notifier.localhost>", description="`From` of every e-mail."
    )
    smtp_validate_certs: bool = Field(default=True, description="Check the SMTP server's TLS certificate.")

    # --- SMS ----------------------------------------------------------------------------------------
    sms_provider: Literal["http", "smsru"] | None = Field(
        default=None, description="SMS adapter: `http` (generic JSON/form gateway), `smsru` (SMS.ru shape)."
    )
    sms_http_url: str | None = Field(
        default=None, description="Generic SMS gateway: URL the message is POSTed to."
    )
    sms_http_auth_header: str = Field(
        default="Authorization", description="Generic SMS gateway: name of the authentication header."
    )
    sms_http_auth_value: SecretStr | None = Field(
        default=None,
        description="Generic SMS gateway: value of the authentication header (e.g. `Bearer ...`).",
    )
    sms_http_format: Literal["json", "form"] = Field(
        default="json", description="Generic SMS gateway: body encoding."
    )
    sms_http_body: dict[str, str] = Field(
        default={"to": "phone", "text": "text", "client_ref": "message_id"},
        description="Generic SMS gateway: body field -> phone, phone_digits, text, message_id or sender.",
    )
    sms_sender_name: str | None = Field(
        default=None, description="SMS sender name (alpha name) if the gateway takes one."
    )
    smsru_url: str = Field(
        default="https://sms.ru/sms/send", description="SMS.ru-shaped gateway: `sms/send` URL."
    )
    smsru_api_id: SecretStr | None = Field(default=None, description="SMS.ru-shaped gateway: `api_id`.")

    # --- push ---------------------------------------------------------------------------------------
    push_webhook_url: str | None = Field(
        default=None, description="Push webhook URL; unset: no push channel."
    )
    push_webhook_auth_header: str = Field(
        default="Authorization", description="Push webhook: name of the authentication header."
    )
    push_webhook_auth_value: SecretStr | None = Field(
        default=None, description="Push webhook: value of the authentication header."
    )

    # --- dev outbox ---------------------------------------------------------------------------------
    dev_outbox: bool | None = Field(
        default=None,
        description="Show sent messages at `/dev/outbox` (default: on in dev mode; refused outside it).",
    )

    @field_validator("email_send_rate", "sms_send_rate", "push_send_rate", "recipient_rate_limit")
    @classmethod
    def _parse_rate(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit in `limits` syntax: {value!r}") from exc
        return value

    @field_validator("sms_http_body")
    @classmethod
    def _known_body_sources(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value.values()) - SMS_BODY_SOURCES)
        if unknown:
            raise ValueError(f"unknown SMS body source(s) {unknown}; use {sorted(SMS_BODY_SOURCES)}")
        return value

    @model_validator(mode="after")
    def _dev_outbox_only_in_dev_mode(self) -> NotifierSettings:
        if self.dev_outbox and not self.dev_mode:
            raise DevOutboxOutsideDevModeError(
                "NOTIFIER_DEV_OUTBOX shows codes on a web page and is refused outside dev mode"
            )
        if self.sms_provider == "http" and not self.sms_http_url:
            raise ValueError("NOTIFIER_SMS_PROVIDER=http needs NOTIFIER_SMS_HTTP_URL")
        if self.sms_provider == "smsru" and self.smsru_api_id is None:
            raise ValueError("NOTIFIER_SMS_PROVIDER=smsru needs NOTIFIER_SMSRU_API_ID")
        return self

    @property
    def dev_outbox_enabled(self) -> bool:
        return self.dev_mode if self.dev_outbox is None else self.dev_outbox

    def _secret_fields(self) -> dict[str, SecretStr | None]:
        # Only secrets we generate ourselves must be long and placeholder-free; credentials issued by
        # an SMTP server or a gateway (smtp_password, *_auth_value, smsru_api_id) are what they are.
        return {"data_key": self.data_key}
