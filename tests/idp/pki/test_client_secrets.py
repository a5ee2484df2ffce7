"""ESIA.md §3.2-§3.3: relying parties' signed client_secret (v1 CMS, v2/v3 raw GOST) and timestamp,
with signatures made the way the clients make them (``openssl smime|cms|dgst``)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest

from idp.pki import client_secrets as cs
from idp.pki.gost import certificate_hash
from tests.idp.pki.openssl_signing import (
    cms_sign,
    ec_signer,
    gost_raw_sign,
    gost_signer,
    needs_gost,
    rsa_signer,
)

TIMESTAMP = "2025.09.02 13:00:29 +0300"
STATE = "f8b9c7b0-6f2e-4a67-9f2c-3d0b2f4c1a11"
V1 = cs.v1_message(scope="openid fullname snils", timestamp=TIMESTAMP, client_id="EKAP01", state=STATE)
V2 = cs.v2_message(
    client_id="EKAP01", scope="openid fullname", scope_org="", timestamp=TIMESTAMP, state=STATE,
    redirect_uri="https://rp.example/cb",
)  # fmt: skip


def _b64url(der: bytes, *, pad: bool = True) -> str:
    text = base64.urlsafe_b64encode(der).decode()
    return text if pad else text.rstrip("=")


def test_messages_are_concatenated_without_separators():
    assert f"openid fullname snils{TIMESTAMP}EKAP01{STATE}".encode() == V1
    te = cs.v2_message(
        client_id="C", scope="s", scope_org="o", timestamp="t", state="x", redirect_uri="r", code="k"
    )
    assert te == b"Csotxrk"


# --- v1 ------------------------------------------------------------------------------------------


def test_v1_detached_padded_as_esia_connector():
    secret = _b64url(cms_sign(rsa_signer(), V1, command="smime"))
    verified = cs.verify_v1(secret, V1, [ec_signer().certificate_der, rsa_signer().certificate_der])
    assert verified.certificate == rsa_signer().certificate_der
    assert verified.cms is not None and not verified.cms.attached


def test_v1_attached_unpadded_as_npm_esia():
    secret = _b64url(cms_sign(ec_signer(), V1, attached=True), pad=False)
    assert cs.verify_v1(secret, V1, [ec_signer().certificate_der]).cms.attached


def test_v1_signed_by_a_certificate_not_registered():
    secret = _b64url(cms_sign(rsa_signer("stranger"), V1))
    with pytest.raises(cs.WrongClientSecretError) as caught:
        cs.verify_v1(secret, V1, [rsa_signer().certificate_der])
    assert caught.value.esia_code == "ESIA-007053"
    assert caught.value.reason == "certificate_not_registered"


def test_v1_over_another_state():
    secret = _b64url(cms_sign(rsa_signer(), V1))
    other = V1.replace(STATE.encode(), b"00000000-0000-4000-8000-000000000000")
    with pytest.raises(cs.WrongClientSecretError) as caught:
        cs.verify_v1(secret, other, [rsa_signer().certificate_der])
    assert caught.value.reason == "digest_mismatch"


def test_v1_with_no_certificate_registered():
    with pytest.raises(cs.WrongClientSecretError) as caught:
        cs.verify_v1(_b64url(cms_sign(rsa_signer(), V1)), V1, [])
    assert caught.value.reason == "no_certificate_registered"


@pytest.mark.parametrize("secret", ["", "null", "Zm9v", "=" * 10, "A" * 30_000], ids=str.__len__)
def test_v1_garbage_is_a_wrong_secret(secret):
    with pytest.raises(cs.WrongClientSecretError) as caught:
        cs.verify_v1(secret, V1, [rsa_signer().certificate_der])
    assert caught.value.esia_code == "ESIA-007053"


@needs_gost
def test_v1_gost_cms_made_by_openssl_engine():
    signer = gost_signer()
    secret = _b64url(cms_sign(signer, V1, command="smime"))
    verified = cs.verify_v1(secret, V1, [signer.certificate_der])
    assert verified.cms is not None and verified.cms.signature_algorithm == "gost2012_256"


# --- v2/v3 ---------------------------------------------------------------------------------------


@needs_gost
@pytest.mark.parametrize(
    "encode",
    [
        lambda raw: _b64url(raw),
        lambda raw: _b64url(raw, pad=False),
        lambda raw: base64.b64encode(raw).decode().replace("+", " "),
    ],
    ids=["go-api-epgu-padded", "ilimurzin-unpadded", "standard-plus-as-space"],
)
def test_v2_raw_gost_signature_made_by_openssl_dgst(encode):
    signer = gost_signer()
    secret = encode(gost_raw_sign(signer, V2))
    registered = [rsa_signer().certificate_der, signer.certificate_der]
    verified = cs.verify_v2(secret, V2, certificate_hash(signer.certificate_der).upper(), registered)
    assert verified.certificate == signer.certificate_der


@needs_gost
def test_v3_token_request_includes_the_code():
    signer = gost_signer()
    te = V2 + b"code-123"
    secret = _b64url(gost_raw_sign(signer, te))
    cs.verify_v2(secret, te, certificate_hash(signer.certificate_der), [signer.certificate_der])
    with pytest.raises(cs.WrongClientSecretError):
        cs.verify_v2(secret, V2, certificate_hash(signer.certificate_der), [signer.certificate_der])


@needs_gost
def test_v2_sha1_or_pem_hash_is_unknown():
    signer = gost_signer()
    secret = _b64url(gost_raw_sign(signer, V2))
    for wrong in (
        hashlib.sha1(signer.certificate_der).hexdigest(),
        certificate_hash(signer.certificate.read_bytes()),
    ):
        with pytest.raises(cs.WrongClientSecretError) as caught:
            cs.verify_v2(secret, V2, wrong, [signer.certificate_der])
        assert caught.value.reason == "certificate_hash_unknown"


@needs_gost
def test_v2_signature_by_another_registered_key():
    mine, theirs = gost_signer(256, "A"), gost_signer(256, "B")
    secret = _b64url(gost_raw_sign(theirs, V2))
    with pytest.raises(cs.WrongClientSecretError) as caught:
        cs.verify_v2(secret, V2, certificate_hash(mine.certificate_der), [mine.certificate_der])
    assert caught.value.reason == "signature_wrong"


@needs_gost
def test_v2_cms_instead_of_raw_signature():
    signer = gost_signer()
    secret = _b64url(cms_sign(signer, V2))
    with pytest.raises(cs.WrongClientSecretError) as caught:
        cs.verify_v2(secret, V2, certificate_hash(signer.certificate_der), [signer.certificate_der])
    assert caught.value.reason == "signature_wrong"


def test_v2_against_an_rsa_certificate():
    der = rsa_signer().certificate_der
    with pytest.raises(cs.WrongClientSecretError) as caught:
        cs.verify_v2(_b64url(b"\x01" * 64), V2, certificate_hash(der), [der])
    assert caught.value.reason == "unsupported_algorithm"


# --- timestamp -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2025.09.02 13:00:29 +0300", "2025-09-02T10:00:29"),
        ("2015.11.02 09:52:36 +0000", "2015-11-02T09:52:36"),
        ("2025.09.02 13:00:29  0300", "2025-09-02T10:00:29"),  # "+" arrived as a space
        ("2025.09.02 01:00:29 -0530", "2025-09-02T06:30:29"),
    ],
)
def test_parse_timestamp(text, utc):
    parsed = cs.parse_timestamp(text)
    assert parsed.astimezone(dt.UTC).replace(tzinfo=None).isoformat() == utc


@pytest.mark.parametrize(
    "text",
    ["2025-09-02 13:00:29 +0300", "2025.09.02 13:00:29", "2025.02.30 13:00:29 +0300",
     "2025.09.02 25:00:29 +0300", "2025.09.02 13:00:29 +03:00", "2025.09.02 13:00:29 +2400", "",
     "2025.09.02T13:00:29 +0300"],
)  # fmt: skip
def test_malformed_timestamp(text):
    with pytest.raises(cs.BadTimestampError) as caught:
        cs.parse_timestamp(text)
    assert caught.value.esia_code == "ESIA-007015"


def test_timestamp_window():
    now = dt.datetime(2025, 9, 2, 10, 5, 0, tzinfo=dt.UTC)
    window = dt.timedelta(minutes=10)
    assert cs.check_timestamp(TIMESTAMP, now=now, window=window)
    with pytest.raises(cs.BadTimestampError) as late:
        cs.check_timestamp(TIMESTAMP, now=now + dt.timedelta(minutes=10), window=window)
    assert late.value.reason == "timestamp_out_of_window"
    with pytest.raises(cs.BadTimestampError):  # from the future
        cs.check_timestamp("2025.09.02 13:20:00 +0300", now=now, window=window)
