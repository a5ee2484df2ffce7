"""``python -m idp esia …``: register clients of the ESIA face, their certificates, read diagnoses.

esia client add MNEMONIC --name N --redirect-uri URI… --scope S… [--alg RS256|GOST3410_2012_256]
                [--issuer URL] [--window 300] [--mode strict|lenient] [--require-confirmed]
                [--grant TYPE…]
esia client show MNEMONIC | list | remove MNEMONIC
esia client set MNEMONIC [--name …] [--mode …] [--window …] … (only the options given change)
esia cert add MNEMONIC FILE          (.cer/.pem/.der; prints the hashes, client_certificate_hash)
esia cert remove MNEMONIC SHA256
esia diag HANDLE                     (the handle in ``[diag …]`` of an error_description)

Every change is an ``admin_action`` in the security log by ``cli``. A refusal prints
``idp esia: <code>: <reason>`` on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from idp.clients.secrets import SecretHasher
from idp.esia import admin, registry
from idp.esia.models import DEFAULT_ISSUER, EsiaClientCertificate, EsiaDiagnosis
from idp.esia.registry import EsiaClientSpec, Registration
from idp.settings import IdpSettings
from shared.db import make_engine, make_sessionmaker
from shared.errors import AppError
from shared.settings import ServiceSettings

ACTOR = "cli"
#: the .cer/.pem file read for ``cert add``; larger is refused by the registry anyway
MAX_FILE_BYTES = 1024 * 1024


def _session(settings: IdpSettings) -> Session:
    # the write lock up front: appends to the security log read the chain's head, then write
    return make_sessionmaker(make_engine(settings.database_url), write_lock=True)()


def certificate_out(row: EsiaClientCertificate) -> dict[str, Any]:
    view = registry.describe_certificate(row)
    return {
        "sha1": view.sha1,
        "sha256": view.sha256,
        "client_certificate_hash": view.gost_hash,
        "algorithm": view.algorithm,
        "subject": view.subject,
        "issuer": view.issuer,
        "not_before": view.not_before.isoformat(),
        "not_after": view.not_after.isoformat(),
    }


def client_out(found: Registration) -> dict[str, Any]:
    spec = found.spec
    return {
        **vars(spec),
        "certificates": [certificate_out(row) for row in found.certificates],
    }


def diagnosis_out(row: EsiaDiagnosis) -> dict[str, Any]:
    return {
        "handle": row.handle,
        "client_id": row.client_id,
        "endpoint": row.endpoint,
        "esia_code": row.code,
        "created_at": row.created_at.isoformat(),
        **row.detail,
    }


def _fail(message: str) -> None:
    print(f"idp esia: {message}", file=sys.stderr)
    raise SystemExit(2)


def _esia(settings: ServiceSettings, args: argparse.Namespace) -> Any:
    assert isinstance(settings, IdpSettings)
    try:
        with _session(settings) as session:
            result = _dispatch(settings, session, args)
            session.commit()
            return result
    except AppError as exc:
        _fail(f"{exc.code}: {exc.detail}")
    except OSError as exc:
        _fail(f"cannot read {getattr(exc, 'filename', None) or 'the file'}: {exc.strerror or exc}")
    return None


def _read(path: str) -> bytes:
    with Path(path).open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    return data


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    names = {
        "name": "name",
        "redirect_uri": "redirect_uris",
        "scope": "scopes",
        "alg": "signing_alg",
        "grant": "grant_types",
        "issuer": "issuer",
        "window": "timestamp_window",
        "mode": "mode",
        "require_confirmed": "require_confirmed",
        "backchannel_logout_uri": "backchannel_logout_uri",
    }
    changes = {
        field: getattr(args, option) for option, field in names.items() if getattr(args, option) is not None
    }
    if changes.get("backchannel_logout_uri") == "":
        changes["backchannel_logout_uri"] = None  # --backchannel-logout-uri "" removes it
    return changes


def _dispatch(settings: IdpSettings, session: Session, args: argparse.Namespace) -> Any:
    if args.esia_action == "diag":
        return diagnosis_out(admin.diagnosis(session, args.handle))
    if args.esia_action == "cert":
        if args.cert_action == "add":
            try:
                row = admin.add_certificate(session, args.mnemonic, _read(args.file), actor=ACTOR)
            except AppError:
                session.commit()  # the refusal's security-log event stays
                raise
            return certificate_out(row)
        admin.remove_certificate(session, args.mnemonic, args.sha256, actor=ACTOR)
        return {"removed": args.sha256.lower(), "client_id": args.mnemonic}
    action = args.client_action
    if action == "list":
        return [client_out(found) for found in admin.list_clients(session)]
    if action == "show":
        return client_out(admin.read_client(session, args.mnemonic))
    if action == "remove":
        admin.remove_client(session, args.mnemonic, actor=ACTOR)
        return {"removed": args.mnemonic}
    if action == "set":
        return client_out(admin.update_client(session, args.mnemonic, _changes(args), actor=ACTOR))
    spec = EsiaClientSpec(
        client_id=args.mnemonic,
        name=args.name or args.mnemonic,
        redirect_uris=args.redirect_uri or [],
        scopes=args.scope or ["openid"],
        signing_alg=args.alg or "RS256",
        grant_types=args.grant or list(registry.GRANT_TYPES),
        issuer=args.issuer or DEFAULT_ISSUER,
        timestamp_window=args.window if args.window is not None else 300,
        mode=args.mode or "strict",
        require_confirmed=bool(args.require_confirmed),
        backchannel_logout_uri=args.backchannel_logout_uri or None,
    )
    hasher = SecretHasher(settings.client_secret_pepper.get_secret_value())
    return client_out(admin.create_client(session, hasher, spec, actor=ACTOR))


def _client_options(parser: argparse.ArgumentParser, *, adding: bool) -> None:
    parser.add_argument(
        "--name", help="shown on the consent page (default: the mnemonic)" if adding else None
    )
    parser.add_argument("--redirect-uri", action="append", help="allowed redirect URI (repeatable)")
    parser.add_argument("--scope", action="append", help="allowed scope (repeatable; default: openid)")
    parser.add_argument("--alg", choices=list(registry.SIGNING_ALGS), help="token signing (default RS256)")
    parser.add_argument("--grant", action="append", choices=list(registry.GRANT_TYPES), help="(repeatable)")
    parser.add_argument("--issuer", help=f"iss of its tokens (default {DEFAULT_ISSUER})")
    parser.add_argument("--window", type=int, help="timestamp skew allowed, seconds (default 300)")
    parser.add_argument("--mode", choices=list(registry.MODES), help="strict (default) or lenient")
    parser.add_argument(
        "--backchannel-logout-uri", help='where logout tokens go when a session ends ("" removes it)'
    )
    if adding:
        parser.add_argument(
            "--require-confirmed", action="store_true", default=None, help="confirmed accounts only"
        )
    else:
        parser.add_argument(
            "--require-confirmed",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="confirmed accounts only",
        )


def register(sub: Any) -> dict[str, Any]:
    esia = sub.add_parser("esia", help="ESIA face: clients, their certificates, diagnoses")
    actions = esia.add_subparsers(dest="esia_action", required=True)
    client = actions.add_parser("client", help="ESIA clients").add_subparsers(
        dest="client_action", required=True
    )
    add = client.add_parser("add", help="register an ESIA client")
    add.add_argument("mnemonic")
    _client_options(add, adding=True)
    change = client.add_parser("set", help="change an ESIA client (only the options given)")
    change.add_argument("mnemonic")
    _client_options(change, adding=False)
    client.add_parser("list", help="list ESIA clients")
    client.add_parser("show", help="one ESIA client and its certificates").add_argument("mnemonic")
    client.add_parser("remove", help="remove an ESIA client and its certificates").add_argument("mnemonic")
    cert = actions.add_parser("cert", help="client certificates").add_subparsers(
        dest="cert_action", required=True
    )
    cert_add = cert.add_parser("add", help="register a certificate file (.cer/.pem/.der)")
    cert_add.add_argument("mnemonic")
    cert_add.add_argument("file")
    cert_remove = cert.add_parser("remove", help="unregister a certificate by its SHA-256")
    cert_remove.add_argument("mnemonic")
    cert_remove.add_argument("sha256")
    actions.add_parser("diag", help="show a diagnosis by its handle").add_argument("handle")
    return {"esia": _esia}
