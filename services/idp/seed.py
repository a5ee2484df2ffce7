"""Demo data for ``make run`` (dev mode only). Idempotent: running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyotp
from sqlalchemy.orm import Session

from idp.accounts import service as accounts_service
from idp.accounts.protection import FieldCipher
from idp.clients.secrets import SecretHasher
from idp.clients.service import ClientSpec, ensure_client
from idp.demo_rp.routes import CLIENT_ID as DEMO_RP_ID
from idp.demo_rp.routes import CLIENT_SECRET as DEMO_RP_SECRET
from idp.organizations import seeding as demo_people
from idp.second_factor import totp
from idp.settings import IdpSettings
from shared.db import make_engine, make_sessionmaker, utcnow

DEMO_PASSWORD = "Demo-Passw0rd!"
DEMO_CITIZEN = accounts_service.NewAccount(
    last_name="Иванов",
    first_name="Иван",
    middle_name="Иванович",
    birth_date=dt.date(1985, 4, 12),
    gender="M",
    email="ivanov@example.test",
    phone="+79160000001",
    snils="112-233-445 95",
    password=DEMO_PASSWORD,
    level="standard",
    email_verified=True,
    phone_verified=True,
    passport_series="4510",
    passport_number="123456",
)
#: one account per level (R-ACC-4), one with an authenticator app, one locked (dev mode only)
DEMO_ACCOUNTS = [
    (DEMO_CITIZEN, "standard: SNILS and passport checked; a login from a new browser asks for an SMS code"),
    (
        accounts_service.NewAccount(
            last_name="Петрова",
            first_name="Анна",
            middle_name="Сергеевна",
            birth_date=dt.date(1990, 1, 2),
            gender="F",
            email="petrova@example.test",
            phone="+79160000002",
            snils="123-456-789 64",
            password=DEMO_PASSWORD,
            level="simplified",
            email_verified=True,
        ),
        "simplified: only the e-mail is confirmed; codes go by e-mail",
    ),
    (
        accounts_service.NewAccount(
            last_name="Сидоров",
            first_name="Пётр",
            middle_name="Алексеевич",
            birth_date=dt.date(1978, 9, 30),
            gender="M",
            email="sidorov@example.test",
            phone="+79160000003",
            snils="234-567-890 99",
            password=DEMO_PASSWORD,
            level="confirmed",
            email_verified=True,
            phone_verified=True,
            passport_series="4512",
            passport_number="111222",
        ),
        "confirmed: identity proven in person",
    ),
    (
        accounts_service.NewAccount(
            last_name="Кузнецова",
            first_name="Мария",
            middle_name="Ивановна",
            birth_date=dt.date(1995, 6, 15),
            gender="F",
            email="kuznetsova@example.test",
            phone="+79160000004",
            snils="345-678-901 23",
            password=DEMO_PASSWORD,
            level="standard",
            email_verified=True,
            phone_verified=True,
            passport_series="4513",
            passport_number="333444",
        ),
        "standard, with an authenticator app asked at every login (secret below)",
    ),
    (
        accounts_service.NewAccount(
            last_name="Смирнов",
            first_name="Олег",
            birth_date=dt.date(1969, 3, 8),
            gender="M",
            email="smirnov@example.test",
            phone="+79160000005",
            snils="456-789-012 38",
            password=DEMO_PASSWORD,
            level="simplified",
            email_verified=True,
            phone_verified=True,
        ),
        "locked for 15 minutes after wrong passwords; unlock it by /recover",
    ),
    (
        accounts_service.NewAccount(
            last_name="Врачёва",
            first_name="Елена",
            middle_name="Петровна",
            birth_date=dt.date(1982, 4, 11),
            gender="F",
            email="doctor@example.test",
            phone="+79160000006",
            snils="567-890-123 43",
            password=DEMO_PASSWORD,
            level="confirmed",
            email_verified=True,
            phone_verified=True,
            passport_series="4514",
            passport_number="555666",
        ),
        "doctor: a qualified certificate (КЭП, demo accredited CA) is bound; its .pfx and PIN below",
    ),
    (
        accounts_service.NewAccount(
            last_name="Лекарев",
            first_name="Андрей",
            middle_name="Викторович",
            birth_date=dt.date(1976, 11, 23),
            gender="M",
            email="doctor2@example.test",
            phone="+79160000007",
            snils="678-901-234 38",
            password=DEMO_PASSWORD,
            level="standard",
            email_verified=True,
            phone_verified=True,
            passport_series="4015",
            passport_number="777888",
            passport_issue_date=dt.date(2021, 12, 1),
            passport_issuer="ГУ МВД России по г. Санкт-Петербургу и Ленинградской области",
            passport_division_code="780-001",
        ),
        "second doctor (врач-хирург) in the St Petersburg demo polyclinic",
    ),
    (
        accounts_service.NewAccount(
            last_name="Сестрицына",
            first_name="Ольга",
            middle_name="Николаевна",
            birth_date=dt.date(1988, 2, 14),
            gender="F",
            email="nurse@example.test",
            phone="+79160000008",
            snils="789-012-345 23",
            password=DEMO_PASSWORD,
            level="standard",
            email_verified=True,
            phone_verified=True,
            passport_series="4516",
            passport_number="999000",
            passport_issue_date=dt.date(2008, 3, 1),
            passport_issuer="ОВД района Тестовый г. Москвы",
            passport_division_code="770-002",
        ),
        "nurse in the Moscow demo polyclinic",
    ),
    (
        accounts_service.NewAccount(
            last_name="Пробиркин",
            first_name="Денис",
            middle_name="Олегович",
            birth_date=dt.date(1993, 8, 5),
            gender="M",
            email="lab@example.test",
            phone="+79160000009",
            snils="890-123-456 99",
            password=DEMO_PASSWORD,
            level="standard",
            email_verified=True,
            phone_verified=True,
            passport_series="4517",
            passport_number="121314",
            passport_issue_date=dt.date(2013, 9, 10),
            passport_issuer="ОВД района Тестовый г. Москвы",
            passport_division_code="770-003",
        ),
        "laboratory worker in the Moscow demo polyclinic",
    ),
    (
        accounts_service.NewAccount(
            last_name="Статистова",
            first_name="Вера",
            middle_name="Андреевна",
            birth_date=dt.date(1979, 4, 3),
            gender="F",
            email="authority@example.test",
            phone="+79160000010",
            snils="901-000-111 94",
            password=DEMO_PASSWORD,
            level="standard",
            email_verified=True,
            phone_verified=True,
        ),
        "regional health authority (Moscow, region 77): the EGISZ cabinet's reports, aggregates only",
    ),
    (
        accounts_service.NewAccount(
            last_name="Федеральный",
            first_name="Пётр",
            middle_name="Ильич",
            birth_date=dt.date(1975, 11, 21),
            gender="M",
            email="minzdrav@example.test",
            phone="+79160000011",
            snils="902-000-222 06",
            password=DEMO_PASSWORD,
            level="standard",
            email_verified=True,
            phone_verified=True,
        ),
        "federal health authority (the ministry): the EGISZ cabinet's reports of every region",
    ),
]
TOTP_ACCOUNT = "kuznetsova@example.test"
DOCTOR_ACCOUNT = "doctor@example.test"
LOCKED_ACCOUNT = "smirnov@example.test"
ADMIN_CLIENT = (
    ClientSpec(
        client_id="idp-admin", name="IdP administration", grant_types=["client_credentials"], scopes=["admin"]
    ),
    "demo-idp-admin-service-secret-0123456789abcdef",
)

#: Fixed demo credentials so that var/demo.json stays valid across restarts. Dev mode only.
DEMO_SERVICE_CLIENTS = [
    (
        ClientSpec(
            client_id="egisz-api",
            name="EGISZ API (service account)",
            grant_types=["client_credentials"],
            scopes=["notify:send"],
            default_audience="notifier",
            audiences=["notifier"],
        ),
        "demo-egisz-api-service-secret-0123456789abcdef",
    ),
    (
        ClientSpec(
            client_id="demo-integrator",
            name="Demo medical information system",
            grant_types=["client_credentials"],
            scopes=["notify:send", "egisz:read"],
            default_audience="egisz",
            audiences=["egisz", "notifier"],
        ),
        "demo-integrator-service-secret-0123456789abcdef",
    ),
]


#: the demo SMART on FHIR app (docs/smart.md): a public client with PKCE that does a standalone
#: patient launch against the idp for the EGISZ FHIR server
SMART_APP = ClientSpec(
    client_id="demo-smart-app",
    name="Демо SMART-приложение «Мои анализы»",
    client_type="public",
    token_endpoint_auth_method="none",
    grant_types=["authorization_code", "refresh_token"],
    scopes=["openid", "fhirUser", "launch/patient", "offline_access", "patient/*.rs"],
    redirect_uris=["http://localhost:8765/callback", "http://127.0.0.1:8765/callback"],
    default_audience="egisz",
    audiences=["egisz"],
)


def demo_rp_client(issuer: str) -> ClientSpec:
    return ClientSpec(
        client_id=DEMO_RP_ID,
        name="Демо-приложение",
        grant_types=["authorization_code", "refresh_token"],
        scopes=["openid", "profile", "email", "phone", "snils", "offline_access"],
        redirect_uris=[f"{issuer}/demo-rp/callback"],
        post_logout_redirect_uris=[f"{issuer}/demo-rp"],
    )


def _demo_account(
    session: Session, cipher: FieldCipher, data: accounts_service.NewAccount, note: str
) -> dict[str, Any]:
    account = accounts_service.find_by_login(session, cipher, data.email or "")
    if account is None:
        account = accounts_service.create_account(session, cipher, data)
    entry: dict[str, Any] = {
        "login": data.email,
        "also": [v for v in (data.phone, data.snils) if v],
        "password": data.password,
        "level": account.level,
        "oid": account.oid,
        "note": note,
    }
    now = utcnow()
    if data.email == TOTP_ACCOUNT:
        entry["totp_secret"] = _demo_totp(session, cipher, account.id, now)
        account.mfa_method = "totp"
    if data.email == LOCKED_ACCOUNT:
        account.locked_until = now + dt.timedelta(minutes=15)
        account.failed_logins = 0
    return entry


def _demo_totp(session: Session, cipher: FieldCipher, account_id: int, now: dt.datetime) -> str:
    """The demo authenticator secret: the existing one, or a new one confirmed on the spot."""
    secret = totp.confirmed_secret(session, account_id, cipher)
    if secret is not None:
        return secret
    enrollment = totp.begin_totp_enrollment(session, account_id, cipher, "IdP demo", TOTP_ACCOUNT, now)
    code = pyotp.TOTP(enrollment.secret).at(now - dt.timedelta(seconds=30))
    totp.confirm_totp_enrollment(session, account_id, code, cipher, now)
    return enrollment.secret


def seed(settings: IdpSettings) -> dict[str, Any]:
    engine = make_engine(settings.database_url)
    hasher = SecretHasher(settings.client_secret_pepper.get_secret_value())
    created: dict[str, Any] = {"clients": []}
    with make_sessionmaker(engine)() as session:
        cipher = FieldCipher(settings.personal_data_key.get_secret_value())
        created["accounts"] = [_demo_account(session, cipher, data, note) for data, note in DEMO_ACCOUNTS]
        created["organizations"] = demo_people.seed_organizations(session, cipher)
        outbox = f"{settings.notifier_url}/dev/outbox"
        created["codes"] = f"Codes sent by SMS and e-mail appear in the notifier's dev outbox: {outbox}"
        ensure_client(session, hasher, demo_rp_client(settings.issuer), DEMO_RP_SECRET)
        created["relying_party"] = {
            "client_id": DEMO_RP_ID,
            "client_secret": DEMO_RP_SECRET,
            "url": f"{settings.issuer}/demo-rp",
            "discovery": f"{settings.issuer}/.well-known/openid-configuration",
        }
        ensure_client(session, hasher, SMART_APP, "")
        fhir_base = settings.smart_fhir_base_url.rstrip("/")
        created["smart_app"] = {
            "client_id": SMART_APP.client_id,
            "client_type": "public (PKCE S256, no secret)",
            "redirect_uris": SMART_APP.redirect_uris,
            "scopes": SMART_APP.scopes,
            "aud": settings.smart_fhir_base_url,
            "smart_configuration": f"{fhir_base}/.well-known/smart-configuration",
            "note": "standalone patient launch: log in as a demo citizen; the token names their Patient",
        }
        for spec, secret in [*DEMO_SERVICE_CLIENTS, ADMIN_CLIENT]:
            ensure_client(session, hasher, spec, secret)
            created["clients"].append(
                {
                    "client_id": spec.client_id,
                    "client_secret": secret,
                    "grant_types": spec.grant_types,
                    "scopes": spec.scopes,
                    "audiences": spec.audiences,
                    "token_endpoint": settings.issuer.rstrip("/") + "/token",
                }
            )
        session.commit()
        created["signature"] = _demo_signature(session, cipher, Path(settings.demo_pki_dir), settings.issuer)
        session.commit()
        created["esia_clients"] = _demo_esia_clients(session, hasher, settings)
        session.commit()
    engine.dispose()
    return created


def _doctor_entry(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The doctor's accredited-CA certificate in the demo PKI's summary (None: made before the doctor)."""
    return next(
        (
            c
            for c in summary.get("certificates", [])
            if c.get("account") == DOCTOR_ACCOUNT and c.get("ca") == "accredited"
        ),
        None,
    )


def _demo_signature(session: Session, cipher: FieldCipher, root: Path, issuer: str) -> dict[str, Any]:
    """The demo PKI under ``root`` (made and trusted when absent or not trusted by this database;
    its certificates name the CRLs the idp at ``issuer`` serves), and the doctor's qualified
    certificate bound to the doctor's account."""
    from idp.pki import bound, trust
    from idp.pki.certificates import load_certificate
    from idp.pki.cli import init_demo
    from idp.pki.errors import CertificateAlreadyBoundError, CertificateNotTrustedError

    summary_path = root / "demo.json"
    trusted = {row.thumbprint for row in trust.list_trusted_cas(session)}
    summary: dict[str, Any] | None = None
    if summary_path.exists():
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        ca_files = [Path(p) for p in summary.get("cas", {}).values()]
        if not all(p.exists() and load_certificate(p.read_bytes()).thumbprint in trusted for p in ca_files):
            summary = None  # a fresh database, or files from elsewhere: make them again
    account = accounts_service.find_by_login(session, cipher, DOCTOR_ACCOUNT)
    assert account is not None
    doctor: dict[str, Any] | None = None
    for attempt in range(2):
        if summary is None or not _doctor_entry(summary):
            summary = init_demo(session, root, utcnow(), crl_base_url=issuer)
        doctor = _doctor_entry(summary)
        assert doctor is not None
        try:
            bound.bind_certificate(
                session,
                cipher,
                account.id,
                Path(doctor["certificate"]).read_bytes(),
                clock=utcnow,
                fetcher=None,
                policy=trust.CrlPolicy(),
                actor="system",
            )
        except CertificateAlreadyBoundError:
            break  # a second run: bound already
        except CertificateNotTrustedError:
            if attempt:
                raise
            summary = None  # e.g. its week-long demo CRL ran out since the last run: make it all again
            continue
        break
    assert doctor is not None
    return {
        "login": DOCTOR_ACCOUNT,
        "kind": "КЭП (demo accredited CA)",
        "pfx": doctor["pfx"],
        "pin": doctor["pin"],
        "certificate": doctor["certificate"],
        "all_demo_certificates": str(summary_path),
    }


# --- the ESIA face's demo clients ------------------------------------------------------------------
#: what EGISZ asks the ESIA face for (the real EGISZ's set)
EGISZ_ESIA_SCOPES = [
    "openid", "fullname", "birthdate", "gender", "snils", "id_doc", "medical_doc", "email", "mobile",
    "contacts", "addresses", "usr_org",
]  # fmt: skip
DEMO_ESIA_PIN = "12345678"
#: a demo certificate is made again when it has less than this left
ESIA_RENEW_BEFORE = dt.timedelta(days=30)


def demo_esia_clients(settings: IdpSettings) -> list[tuple[Any, tuple[str, ...]]]:
    """(registration, certificate algorithms) of the ESIA face's demo clients: EGISZ signs v2/v3
    with GOST like the real one (and has an RSA certificate for v1); DEMO01 is for an integrator's
    first try, lenient, with an RSA certificate (no GOST toolchain needed)."""
    from idp.esia.registry import EsiaClientSpec

    egisz = EsiaClientSpec(
        client_id="EGISZ",
        name="ЕГИСЗ",
        redirect_uris=[f"{settings.egisz_url.rstrip('/')}/esia/callback"],
        scopes=list(EGISZ_ESIA_SCOPES),
        signing_alg="RS256",
        mode="strict",
        # the EGISZ cabinet's sessions end when the person's idp session does (docs/cabinet.md)
        backchannel_logout_uri=f"{settings.egisz_url.rstrip('/')}/esia/backchannel-logout",
    )
    demo01 = EsiaClientSpec(
        client_id="DEMO01",
        name="Демо ИС интегратора",
        redirect_uris=["http://localhost:8080/esia/callback", "http://127.0.0.1:8080/esia/callback"],
        scopes=[
            "openid",
            "fullname",
            "birthdate",
            "gender",
            "snils",
            "id_doc",
            "email",
            "mobile",
            "contacts",
        ],
        signing_alg="RS256",
        mode="lenient",
    )
    return [(egisz, ("gost", "rsa")), (demo01, ("rsa",))]


def _demo_esia_clients(session: Session, hasher: SecretHasher, settings: IdpSettings) -> list[dict[str, Any]]:
    """Register the demo ESIA clients (or bring them back to their demo settings) and each of their
    demo certificates, made by the demo PKI under ``<demo_pki_dir>/esia/`` (key, certificate and
    .pfx with :data:`DEMO_ESIA_PIN`) and kept while they have a month left. One entry per
    certificate: what the EGISZ service (and an integrator) loads to sign its ``client_secret``."""
    from idp.esia import admin, registry
    from idp.esia.errors import EsiaClientNotFoundError

    root = Path(settings.demo_pki_dir)
    entries: list[dict[str, Any]] = []
    for spec, algorithms in demo_esia_clients(settings):
        try:
            current = registry.registration(session, spec.client_id).spec
        except EsiaClientNotFoundError:
            admin.create_client(session, hasher, spec, actor="system")
        else:
            changes = {k: v for k, v in vars(spec).items() if k != "client_id" and getattr(current, k) != v}
            if changes:
                admin.update_client(session, spec.client_id, changes, actor="system")
        registered = {row.sha256: row for row in registry.certificates(session, spec.client_id)}
        for algorithm in algorithms:
            files = _demo_esia_certificate(root, spec.client_id, spec.name, algorithm)
            if files is None:
                continue  # no GOST engine here: EGISZ gets its RSA certificate only
            row = registered.get(files["sha256"]) or admin.add_certificate(
                session, spec.client_id, Path(files["certificate"]).read_bytes(), actor="system"
            )
            entries.append(
                {
                    "client_id": spec.client_id,
                    "mode": spec.mode,
                    "algorithm": row.algorithm,
                    "certificate": files["certificate"],
                    "key": files["key"],
                    "pfx": files["pfx"],
                    "pin": DEMO_ESIA_PIN,
                    "client_certificate_hash": row.gost_hash,
                }
            )
    return entries


def _demo_esia_certificate(root: Path, mnemonic: str, name: str, algorithm: str) -> dict[str, Any] | None:
    """The demo certificate files of one ESIA client and algorithm, made when missing or expiring."""
    from idp.pki import demo
    from idp.pki.certificates import load_certificate

    ca_dir = root / ("gost" if algorithm == "gost" else "accredited")
    if not (ca_dir / "state.json").exists():
        return None
    folder = root / "esia"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{mnemonic}-{algorithm}"
    cert, key, pfx = folder / f"{stem}.pem", folder / f"{stem}.key", folder / f"{stem}.pfx"
    now = utcnow()
    fresh = all(p.exists() for p in (cert, key, pfx)) and (
        load_certificate(cert.read_bytes()).not_after - now > ESIA_RENEW_BEFORE
    )
    if not fresh:
        ca = demo.DemoCa(ca_dir)
        issued = ca.issue(
            f"esia-{stem}",
            demo.Subject(common_name=f"{name} ({mnemonic})", organization=name),
            algorithm="gost" if algorithm == "gost" else "rsa",
            not_before=now - dt.timedelta(minutes=5),
            not_after=now + dt.timedelta(days=365),
        )
        cert.write_bytes(issued.cert_pem.read_bytes())
        key.write_bytes(issued.key_pem.read_bytes())
        key.chmod(0o600)
        demo.write_pfx(demo.Issued(issued.name, issued.serial, cert, key), ca, pfx, DEMO_ESIA_PIN)
    sha256 = load_certificate(cert.read_bytes()).thumbprint
    return {"certificate": str(cert), "key": str(key), "pfx": str(pfx), "sha256": sha256}
