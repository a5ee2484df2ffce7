"""idp-specific operator commands: signing keys, clients, the security log, personal-data keys.

Commands whose outcome is not "done" exit non-zero themselves (``SystemExit``) after printing, since
the shared runner exits 0 whenever a handler returns: ``audit verify`` exits 1 on a broken chain,
``audit purge`` exits 2 below the retention floor, ``reencrypt-personal-data`` exits 1 when a row
could not be re-encrypted.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import cli as records_cli
from idp.accounts import records as records_service
from idp.accounts.protection import FieldCipher, previous_secrets
from idp.accounts.reencrypt import ReencryptionReport, reencrypt_personal_data
from idp.audit import service as audit_service
from idp.audit.errors import RetentionBelowFloorError
from idp.clients.secrets import SecretHasher
from idp.clients.service import ClientSpec, register_client
from idp.esia import cli as esia_cli
from idp.esia.signing import IDP_ALGORITHMS
from idp.keys import crypto
from idp.keys import service as keys_service
from idp.organizations import cli as orgs_cli
from idp.pki import cli as pki_cli
from idp.settings import IdpSettings
from shared.cli import Handler
from shared.db import is_sqlite, make_engine, make_sessionmaker
from shared.settings import ServiceSettings

REENCRYPT_BATCH = 500


def _session(settings: IdpSettings) -> Any:
    return make_sessionmaker(make_engine(settings.database_url))()


def _write_session(settings: IdpSettings) -> Session:
    """A session whose transactions take SQLite's write lock up front (appends to the security log
    read the head and then write)."""
    return make_sessionmaker(make_engine(settings.database_url), write_lock=True)()


def _snapshot_session(settings: IdpSettings) -> Session:
    """Reads from one snapshot: a purge running meanwhile cannot make the walk see half of it.
    (A SQLite read transaction is a snapshot already.)"""
    engine = make_engine(settings.database_url)
    if not is_sqlite(settings.database_url):
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    return make_sessionmaker(engine)()


def _keys(settings: ServiceSettings, args: argparse.Namespace) -> Any:
    assert isinstance(settings, IdpSettings)
    encryptor = crypto.KeyEncryptor(settings.key_encryption_key.get_secret_value())
    with _session(settings) as session:
        if args.action == "add-next":
            keys_service.add_next_key(session, encryptor, args.alg, IDP_ALGORITHMS)
        elif args.action == "promote":
            keys_service.promote_next_key(session, args.alg)
        elif args.action == "retire":
            lifetime = dt.timedelta(seconds=settings.access_token_ttl + settings.id_token_ttl)
            keys_service.retire_expired_previous_keys(session, args.alg, lifetime)
        elif args.action == "rotate":
            keys_service.add_next_key(session, encryptor, args.alg, IDP_ALGORITHMS)
            session.flush()
            keys_service.promote_next_key(session, args.alg)
        session.commit()
        return keys_service.describe_keys(session)


def _add_client(settings: ServiceSettings, args: argparse.Namespace) -> Any:
    assert isinstance(settings, IdpSettings)
    spec = ClientSpec(
        client_id=args.client_id,
        name=args.name or args.client_id,
        client_type=args.type,
        token_endpoint_auth_method="none" if args.type == "public" else args.auth_method,
        grant_types=args.grant or ["client_credentials"],
        scopes=args.scope or [],
        redirect_uris=args.redirect_uri or [],
        default_audience=args.audience,
        audiences=[args.audience] if args.audience else [],
    )
    hasher = SecretHasher(settings.client_secret_pepper.get_secret_value())
    with _session(settings) as session:
        client, secret = register_client(session, hasher, spec)
        session.commit()
        return {"client_id": client.client_id, "client_secret": secret}


def _day(value: str) -> dt.datetime:
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from None


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _audit(settings: ServiceSettings, args: argparse.Namespace) -> Any:
    assert isinstance(settings, IdpSettings)
    if args.audit_action == "verify":
        with _snapshot_session(settings) as session:
            report = dataclasses.asdict(audit_service.verify_chain(session))
        if not report["ok"]:
            print(json.dumps(report, ensure_ascii=False, indent=2))
            raise SystemExit(1)
        return report
    if args.audit_action == "purge":
        days = args.days if args.days is not None else getattr(settings, "security_log_retention_days", None)
        if days is None:
            print("idp audit purge: give --days N (how many days of events to keep)", file=sys.stderr)
            raise SystemExit(2)
        with _write_session(settings) as session:
            try:
                result = audit_service.purge_older_than(session, days)
            except RetentionBelowFloorError as exc:
                print(f"idp audit purge: refused: {exc.detail}", file=sys.stderr)
                raise SystemExit(2) from None
            session.commit()
        return dataclasses.asdict(result)
    with _session(settings) as session:  # export
        for line in audit_service.export_jsonl(session, args.since):
            sys.stdout.write(line)
    return None


def _reencrypt(settings: ServiceSettings, args: argparse.Namespace) -> Any:
    assert isinstance(settings, IdpSettings)
    # getattr: the previous-keys setting may not exist in every version of IdpSettings.
    cipher = FieldCipher(
        settings.personal_data_key.get_secret_value(),
        previous_secrets(getattr(settings, "personal_data_previous_keys", None)),
    )
    report = ReencryptionReport(key_id=cipher.key_id)
    with _write_session(settings) as session:
        while True:  # one transaction per batch: a long run neither holds locks nor loses work
            batch = reencrypt_personal_data(
                session, cipher, start_after_id=report.last_id, max_rows=args.batch_size
            )
            session.commit()
            report.merge(batch)
            if batch.rows < args.batch_size:
                break
        summary = report.as_dict()
        # the sealed person records (accounts.records): same key, their own table
        records_report = records_service.RecordsReencryption()
        while True:
            batch_records = records_service.reencrypt_records(
                session, cipher, start_after_id=records_report.last_id, max_rows=args.batch_size
            )
            session.commit()
            records_report.rows += batch_records.rows
            records_report.reencrypted += batch_records.reencrypted
            records_report.last_id = max(records_report.last_id, batch_records.last_id)
            records_report.failed.extend(batch_records.failed)
            if batch_records.rows < args.batch_size:
                break
        summary["person_records"] = {
            "rows": records_report.rows,
            "reencrypted": records_report.reencrypted,
            "failed_record_ids": records_report.failed,
        }
        audit_service.record_event(
            session,
            event_type="admin_action",
            result="failure" if report.failures or records_report.failed else "success",
            actor="system",
            details={
                "command": "reencrypt-personal-data",
                "key_id": cipher.key_id,
                "rows": report.rows,
                "reencrypted": report.reencrypted,
                "lookups_updated": report.lookups_updated,
                "failed_account_ids": sorted({f.account_id for f in report.failures}),
                "person_records_reencrypted": records_report.reencrypted,
                "failed_record_ids": records_report.failed,
            },
        )
        session.commit()
    if report.failures or records_report.failed:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        raise SystemExit(1)
    return summary


def register(sub: Any) -> dict[str, Handler]:
    keys = sub.add_parser("keys", help="signing keys: list, add-next, promote, retire, rotate")
    keys.add_argument("action", choices=["list", "add-next", "promote", "retire", "rotate"])
    keys.add_argument("--alg", default="RS256", choices=list(IDP_ALGORITHMS.names))
    client = sub.add_parser("add-client", help="register a client and print its secret once")
    client.add_argument("client_id")
    client.add_argument("--name")
    client.add_argument("--type", choices=["confidential", "public"], default="confidential")
    client.add_argument(
        "--auth-method", default="client_secret_basic", choices=["client_secret_basic", "client_secret_post"]
    )
    client.add_argument("--grant", action="append", help="grant type (repeatable)")
    client.add_argument("--scope", action="append", help="allowed scope (repeatable)")
    client.add_argument("--redirect-uri", action="append", help="redirect URI (repeatable)")
    client.add_argument("--audience", help="default audience of its access tokens")
    audit = sub.add_parser("audit", help="the security log: verify the chain, purge old events, export")
    actions = audit.add_subparsers(dest="audit_action", required=True)
    actions.add_parser("verify", help="check the hash chain; exit 1 and name the first broken event")
    purge = actions.add_parser("purge", help="delete events older than N days (at least 183, R-SEC-1)")
    purge.add_argument(
        "--days", type=int, help="keep this many days (default: IDP_SECURITY_LOG_RETENTION_DAYS)"
    )
    export = actions.add_parser("export", help="print the events as JSON lines, oldest first")
    export.add_argument("--since", type=_day, help="only events from this UTC day on (YYYY-MM-DD)")
    reencrypt = sub.add_parser(
        "reencrypt-personal-data",
        help="re-seal personal data under the current key and recompute lookups (after a key change)",
    )
    reencrypt.add_argument(
        "--batch-size", type=_positive, default=REENCRYPT_BATCH, help="rows per transaction"
    )
    return {
        **pki_cli.register(sub),
        **esia_cli.register(sub),
        **orgs_cli.register(sub),
        **records_cli.register(sub),
        "keys": _keys,
        "add-client": _add_client,
        "audit": _audit,
        "reencrypt-personal-data": _reencrypt,
    }
