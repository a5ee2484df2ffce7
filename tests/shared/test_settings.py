"""Settings refuse placeholder secrets outside dev mode."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from egisz_api.settings import EgiszSettings
from idp.settings import IdpSettings
from notifier.settings import NotifierSettings
from shared.settings import ResourceServerSettings

STRONG = "k" * 20 + "9f2c1a7e3b5d4c6f8a0b"


def test_dev_mode_accepts_the_placeholder_defaults() -> None:
    settings = IdpSettings(dev_mode=True)
    assert "change-me" in settings.key_encryption_key.get_secret_value()


def test_production_refuses_placeholder_secrets_and_names_them() -> None:
    with pytest.raises(ValidationError) as info:
        IdpSettings(dev_mode=False)
    message = str(info.value)
    assert "IDP_KEY_ENCRYPTION_KEY" in message and "IDP_CLIENT_SECRET_PEPPER" in message


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="IDP_CLIENT_SECRET_PEPPER"):
        IdpSettings(dev_mode=False, key_encryption_key=STRONG, client_secret_pepper="short-but-real")


def test_production_accepts_real_secrets() -> None:
    settings = IdpSettings(
        dev_mode=False,
        issuer="https://idp.example.test",
        key_encryption_key=STRONG,
        client_secret_pepper=STRONG[::-1],
        personal_data_key=STRONG + "1",
        cookie_key=STRONG + "2",
        code_hash_key=STRONG + "3",
    )
    assert settings.key_encryption_key.get_secret_value() == STRONG
    assert STRONG not in repr(settings)  # SecretStr never prints its value


def test_production_refuses_a_plain_http_issuer() -> None:
    secrets = {
        name: STRONG + str(i)
        for i, name in enumerate(
            ("key_encryption_key", "client_secret_pepper", "personal_data_key", "cookie_key", "code_hash_key")
        )
    }
    with pytest.raises(ValidationError, match="IDP_ISSUER must be https"):
        IdpSettings(dev_mode=False, issuer="http://idp.example.test", **secrets)
    assert IdpSettings(dev_mode=False, issuer="http://127.0.0.1:8000", **secrets).issuer


def test_settings_come_from_the_service_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDP_DEV_MODE", "true")
    monkeypatch.setenv("IDP_ACCESS_TOKEN_TTL", "120")
    monkeypatch.setenv("EGISZ_ACCESS_TOKEN_TTL", "999")
    assert IdpSettings().access_token_ttl == 120


def test_resource_servers_share_one_settings_class(monkeypatch: pytest.MonkeyPatch) -> None:
    """egisz_api and the notifier take their token settings from ResourceServerSettings, each under
    its own env prefix and with its own audience."""
    shared_fields = ("idp_issuer", "idp_jwks_url", "audience", "jwks_min_refresh_seconds")
    for cls in (EgiszSettings, NotifierSettings):
        assert issubclass(cls, ResourceServerSettings)
        assert all(name in cls.model_fields for name in shared_fields)
    monkeypatch.setenv("EGISZ_IDP_ISSUER", "https://idp.egisz.test")
    monkeypatch.setenv("NOTIFIER_JWKS_MIN_REFRESH_SECONDS", "5")
    egisz, notifier = EgiszSettings(dev_mode=True), NotifierSettings(dev_mode=True)
    assert (egisz.idp_issuer, egisz.audience) == ("https://idp.egisz.test", "egisz")
    assert (notifier.idp_issuer, notifier.audience) == ("http://127.0.0.1:8000", "notifier")
    assert notifier.jwks_min_refresh_seconds == 5.0


def test_a_resource_server_must_name_its_audience() -> None:
    with pytest.raises(ValidationError, match="audience"):
        ResourceServerSettings(dev_mode=True)
