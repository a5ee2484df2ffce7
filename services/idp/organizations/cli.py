"""``python -m idp orgs …``: medical organisations and employments from the command line.

orgs list
orgs add --ogrn D --inn D --full-name T --short-name T --region-code 77 --region-name T [--kpp D]
         [--phone +7…] [--email E]
orgs employees ORG_OID
orgs employ ORG_OID ACCOUNT_OID --position T
         --role doctor|nurse|lab|registrar|chief|authority_reg|authority_fed
         [--chief] [--admin] [--since YYYY-MM-DD]
orgs dismiss ORG_OID ACCOUNT_OID

Each change is an ``admin_action`` in the security log with the actor ``admin:cli``; a refusal
prints ``idp orgs: <code>: <detail>`` and exits 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from sqlalchemy.orm import Session

from idp.audit.service import AdminCaller
from idp.organizations import admin
from idp.organizations.service import OrganizationSpec
from idp.organizations.validation import ROLES
from idp.settings import IdpSettings
from shared.db import make_engine, make_sessionmaker
from shared.errors import AppError
from shared.settings import ServiceSettings

CALLER = AdminCaller(client_id="cli")


def _session(settings: IdpSettings) -> Session:
    return make_sessionmaker(make_engine(settings.database_url), write_lock=True)()


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from None


def _orgs(settings: ServiceSettings, args: argparse.Namespace) -> Any:
    assert isinstance(settings, IdpSettings)
    with _session(settings) as session:
        try:
            result = _dispatch(session, args)
        except AppError as exc:
            print(f"idp orgs: {exc.code}: {exc.detail}", file=sys.stderr)
            raise SystemExit(2) from None
        session.commit()
        return result


def _dispatch(session: Session, args: argparse.Namespace) -> Any:
    action = args.orgs_action
    if action == "list":
        return admin.list_organizations(session)
    if action == "add":
        spec = OrganizationSpec(
            ogrn=args.ogrn,
            inn=args.inn,
            kpp=args.kpp,
            full_name=args.full_name,
            short_name=args.short_name,
            region_code=args.region_code,
            region_name=args.region_name,
            phone=args.phone,
            email=args.email,
        )
        return admin.add_organization(session, spec, caller=CALLER)
    if action == "employees":
        return admin.list_employees(session, args.org_oid, caller=CALLER)
    if action == "employ":
        return admin.employ(
            session,
            args.org_oid,
            args.account_oid,
            position=args.position,
            role=args.role,
            chief=args.chief,
            admin=args.admin,
            since=args.since,
            caller=CALLER,
        )
    return admin.dismiss(session, args.org_oid, args.account_oid, caller=CALLER)


def register(sub: Any) -> dict[str, Any]:
    orgs = sub.add_parser("orgs", help="medical organisations and employments: list, add, employ, dismiss")
    actions = orgs.add_subparsers(dest="orgs_action", required=True)
    actions.add_parser("list", help="every organisation")
    add = actions.add_parser("add", help="register an organisation (OGRN and INN checksums are checked)")
    add.add_argument("--ogrn", required=True)
    add.add_argument("--inn", required=True)
    add.add_argument("--kpp")
    add.add_argument("--full-name", required=True)
    add.add_argument("--short-name", required=True)
    add.add_argument("--region-code", required=True)
    add.add_argument("--region-name", required=True)
    add.add_argument("--phone")
    add.add_argument("--email")
    employees = actions.add_parser("employees", help="who works in an organisation")
    employees.add_argument("org_oid", type=int)
    employ = actions.add_parser("employ", help="employ a person (or change their position)")
    employ.add_argument("org_oid", type=int)
    employ.add_argument("account_oid", type=int)
    employ.add_argument("--position", required=True)
    employ.add_argument("--role", required=True, choices=list(ROLES))
    employ.add_argument("--chief", action="store_true")
    employ.add_argument("--admin", action="store_true")
    employ.add_argument("--since", type=_date)
    dismiss = actions.add_parser("dismiss", help="end an employment")
    dismiss.add_argument("org_oid", type=int)
    dismiss.add_argument("account_oid", type=int)
    return {"orgs": _orgs}
