"""``python -m idp records …``: a person's records from the command line.

records list OID
records add OID KIND --data '{"number": "7700000000000001", ...}'
records remove OID RECORD_ID

KIND: medical_policy | address | child | vehicle | birth_place | citizenship (fields in
docs/organizations.md). Each action is an ``admin_action`` in the security log with the actor
``admin:cli``; a refusal prints ``idp records: <code>: <detail>`` (and the fields) and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from idp.accounts import admin
from idp.accounts.protection import FieldCipher, previous_secrets
from idp.accounts.record_kinds import KINDS
from idp.audit.service import AdminCaller
from idp.settings import IdpSettings
from shared.db import make_engine, make_sessionmaker
from shared.errors import AppError
from shared.settings import ServiceSettings

CALLER = AdminCaller(client_id="cli")


def _json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        raise argparse.ArgumentTypeError("--data must be a JSON object") from None


def _records(settings: ServiceSettings, args: argparse.Namespace) -> Any:
    assert isinstance(settings, IdpSettings)
    cipher = FieldCipher(
        settings.personal_data_key.get_secret_value(), previous_secrets(settings.personal_data_previous_keys)
    )
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine, write_lock=True)() as session:
        try:
            if args.records_action == "list":
                result: Any = admin.list_person_records(session, cipher, args.oid, caller=CALLER)
            elif args.records_action == "add":
                result = admin.add_person_record(
                    session, cipher, args.oid, args.kind, args.data, caller=CALLER
                )
            else:
                admin.remove_person_record(session, args.oid, args.record_id, caller=CALLER)
                result = {"removed": args.record_id}
        except AppError as exc:
            print(f"idp records: {exc.code}: {exc.detail}", file=sys.stderr)
            for error in exc.extra.get("errors", []):
                print(f"  {error.get('field')}: {error.get('message')}", file=sys.stderr)
            raise SystemExit(2) from None
        session.commit()
    engine.dispose()
    return result


def register(sub: Any) -> dict[str, Any]:
    records = sub.add_parser("records", help="a person's records (ОМС policy, addresses, children, vehicles)")
    actions = records.add_subparsers(dest="records_action", required=True)
    listing = actions.add_parser("list", help="a person's records, opened (the read is logged)")
    listing.add_argument("oid", type=int)
    add = actions.add_parser("add", help="add a record (a policy, birth place, citizenship replaces the old)")
    add.add_argument("oid", type=int)
    add.add_argument("kind", choices=list(KINDS))
    add.add_argument("--data", type=_json, required=True, help="the record's fields as a JSON object")
    remove = actions.add_parser("remove", help="remove a record")
    remove.add_argument("oid", type=int)
    remove.add_argument("record_id", type=int)
    return {"records": _records}
