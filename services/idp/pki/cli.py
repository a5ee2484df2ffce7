"""``python -m idp pki …``: the trust store, the demo PKI and challenge signing.

pki cas list | pki cas add FILE [--accredited] | pki cas remove ID
pki crl upload FILE
pki check FILE                       validate a certificate now, print the verdict
pki demo [--crl-base-url URL] init   demo CAs (+ GOST when the engine is installed), trusted,
                                     with CRLs, and .pfx files for the demo accounts; certificates
                                     name the CRL the idp serves at URL/pki/crl/<CA thumbprint>.crl
                                     (URL: IDP_ISSUER unless given; "" for none)
pki demo issue --ca NAME --cn CN [--snils D] [--alg rsa|ecdsa|gost] [--days N] [--pin PIN]
pki demo revoke --ca NAME --serial N  (publishes and uploads the new CRL, which the idp then serves)
pki sign-challenge --pfx FILE --pin PIN --challenge TEXT [--attached] [--out FILE]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import secrets
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from idp.pki import demo, publication, trust
from idp.pki.context import crl_policy
from idp.pki.crl_fetch import HttpRevocationFetcher
from idp.settings import IdpSettings
from shared.db import make_engine, make_sessionmaker, utcnow
from shared.errors import AppError
from shared.settings import ServiceSettings

DEMO_DIR = Path("var/pki")
CA_NAMES = {"accredited": "Демо УЦ (аккредитованный)", "unaccredited": "Демо УЦ УНЭП", "gost": "Демо УЦ ГОСТ"}


def _session(settings: IdpSettings) -> Session:
    return make_sessionmaker(make_engine(settings.database_url), write_lock=True)()


def policy(settings: IdpSettings) -> trust.CrlPolicy:
    return crl_policy(settings)


def _ca_out(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "subject": row.subject,
        "accredited": row.accredited,
        "thumbprint": row.thumbprint,
        "not_after": row.not_after.isoformat(),
    }


def _fail(message: str) -> None:
    print(f"idp pki: {message}", file=sys.stderr)
    raise SystemExit(2)


def _pki(settings: ServiceSettings, args: argparse.Namespace) -> Any:
    assert isinstance(settings, IdpSettings)
    try:
        return _dispatch(settings, args)
    except AppError as exc:
        _fail(f"{exc.code}: {exc.detail}")
    except demo.DemoPkiError as exc:
        _fail(str(exc))
    return None


def _dispatch(settings: IdpSettings, args: argparse.Namespace) -> Any:
    action = args.pki_action
    if action == "sign-challenge":
        signature = demo.sign_challenge(
            Path(args.pfx), args.pin, args.challenge.encode(), attached=args.attached
        )
        if args.out:
            Path(args.out).write_bytes(signature)
            return {"written": args.out, "bytes": len(signature)}
        return {"signature_base64": base64.b64encode(signature).decode()}
    with _session(settings) as session:
        result = _with_session(settings, session, args, action)
        session.commit()
        return result


def _with_session(settings: IdpSettings, session: Session, args: argparse.Namespace, action: str) -> Any:
    if action == "cas":
        if args.cas_action == "list":
            return [_ca_out(row) for row in trust.list_trusted_cas(session)]
        if args.cas_action == "add":
            data = Path(args.file).read_bytes()
            return _ca_out(trust.add_trusted_ca(session, data, accredited=args.accredited, actor="system"))
        trust.remove_trusted_ca(session, args.id, actor="system")
        return {"removed": args.id}
    if action == "crl":
        row = trust.upload_crl(session, Path(args.file).read_bytes(), now=utcnow(), actor="system")
        return {"id": row.id, "this_update": row.this_update, "next_update": row.next_update}
    if action == "check":
        fetcher = HttpRevocationFetcher(settings.pki_crl_fetch_timeout)
        try:
            verdict = trust.validate_certificate(
                session, Path(args.file).read_bytes(), clock=utcnow, fetcher=fetcher, policy=policy(settings)
            )
        finally:
            fetcher.close()
        return {
            "reason": verdict.reason,
            "detail": verdict.detail,
            "kind": verdict.kind,
            "stale_crl": verdict.stale_crl,
            "stale_ocsp": verdict.stale_ocsp,
            "notes": list(verdict.notes),
        }
    return _demo(session, args, settings)


def _publish(session: Session, ca: demo.DemoCa) -> None:
    now = utcnow()
    der = ca.publish_crl(now, now + dt.timedelta(days=7))
    trust.upload_crl(session, der, now=now, actor="system")


def _crl_base_url(args: argparse.Namespace, settings: IdpSettings) -> str | None:
    """``--crl-base-url`` when given ("" turns distribution points off), else the idp's issuer URL."""
    base = settings.issuer if args.crl_base_url is None else args.crl_base_url
    return base or None


def _demo(session: Session, args: argparse.Namespace, settings: IdpSettings) -> Any:
    root = Path(args.dir)
    now = utcnow()
    if args.demo_action == "init":
        return init_demo(session, root, now, crl_base_url=_crl_base_url(args, settings))
    ca = demo.DemoCa(root / args.ca)
    if args.demo_action == "revoke":
        ca.revoke(args.serial, now)
        _publish(session, ca)
        return {"revoked": args.serial, "crl": str(ca.crl_path), "crl_url": ca.crl_url}
    if args.crl_base_url is not None:  # given: certificates issued from now on name it
        ca.set_crl_url(_ca_crl_url(ca, args.crl_base_url or None))
    subject = demo.Subject(common_name=args.cn, snils=args.snils)
    name = args.name or f"cert-{secrets.token_hex(4)}"
    issued = ca.issue(
        name,
        subject,
        algorithm=args.alg,
        not_before=now - dt.timedelta(minutes=5),
        not_after=now + dt.timedelta(days=args.days),
    )
    pin = args.pin or f"{secrets.randbelow(10**8):08d}"
    pfx = demo.write_pfx(issued, ca, ca.dir / "certs" / f"{name}.pfx", pin)
    return {
        "certificate": str(issued.cert_pem),
        "pfx": str(pfx),
        "pin": pin,
        "serial": issued.serial,
        "crl_url": ca.crl_url,
    }


def _ca_crl_url(ca: demo.DemoCa, base_url: str | None) -> str | None:
    if base_url is None:
        return None
    from idp.pki.certificates import load_certificate

    return publication.crl_url(base_url, load_certificate(ca.cert_pem.read_bytes()).thumbprint)


def init_demo(
    session: Session, root: Path, now: dt.datetime, *, crl_base_url: str | None = None
) -> dict[str, Any]:
    """Make the demo CAs, trust them, publish their CRLs, and give each demo account a .pfx. With
    ``crl_base_url`` (the idp's public URL) the certificates name the CRL the idp serves for their
    CA (``GET /pki/crl/<CA thumbprint>.crl``, :mod:`idp.pki.routes`)."""
    from idp.seed import DEMO_ACCOUNTS

    algorithms: dict[str, demo.Algorithm] = {"accredited": "rsa", "unaccredited": "rsa"}
    if demo.gost_available():
        algorithms["gost"] = "gost"
    cas: dict[str, demo.DemoCa] = {}
    for key, algorithm in algorithms.items():
        ca = demo.create_ca(
            root / key,
            CA_NAMES[key],
            accredited=key != "unaccredited",
            algorithm=algorithm,
            not_before=now - dt.timedelta(days=1),
            not_after=now + dt.timedelta(days=3650),
        )
        ca.set_crl_url(_ca_crl_url(ca, crl_base_url))
        existing = [row for row in trust.list_trusted_cas(session) if row.subject == _subject(ca)]
        for row in existing:  # a re-run replaces the previous demo CA of that name
            trust.remove_trusted_ca(session, row.id, actor="system")
        trust.add_trusted_ca(session, ca.cert_pem.read_bytes(), accredited=ca.accredited, actor="system")
        _publish(session, ca)
        cas[key] = ca
    people = []
    pin = "12345678"
    for index, (account, _note) in enumerate(DEMO_ACCOUNTS):
        if not account.snils:
            continue
        snils = "".join(ch for ch in account.snils if ch.isdigit())
        subject = demo.Subject(
            common_name=f"{account.last_name} {account.first_name}",
            surname=account.last_name,
            given_name=account.first_name,
            snils=snils,
        )
        variants: list[tuple[str, demo.Algorithm]] = [("accredited", "rsa"), ("unaccredited", "ecdsa")]
        if "gost" in cas and index == 0:
            variants.append(("gost", "gost"))
        for ca_key, algorithm in variants:
            name = f"account{index + 1}-{algorithm}"
            issued = cas[ca_key].issue(
                name,
                subject,
                algorithm=algorithm,
                not_before=now - dt.timedelta(minutes=5),
                not_after=now + dt.timedelta(days=365),
            )
            pfx = demo.write_pfx(issued, cas[ca_key], cas[ca_key].dir / "certs" / f"{name}.pfx", pin)
            people.append(
                {
                    "account": account.email or account.phone,
                    "ca": ca_key,
                    "algorithm": algorithm,
                    "pfx": str(pfx),
                    "pin": pin,
                    "certificate": str(issued.cert_pem),
                }
            )
    summary = {
        "cas": {k: str(v.cert_pem) for k, v in cas.items()},
        "crl_urls": {k: v.crl_url for k, v in cas.items()},
        "certificates": people,
        "gost": "gost" in cas,
    }
    (root / "demo.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    return summary


def _subject(ca: demo.DemoCa) -> str:
    from idp.pki.certificates import load_certificate

    return load_certificate(ca.cert_pem.read_bytes()).subject


def register(sub: Any) -> dict[str, Any]:
    pki = sub.add_parser("pki", help="trust store, demo PKI, challenge signing")
    actions = pki.add_subparsers(dest="pki_action", required=True)
    cas = actions.add_parser("cas", help="trusted CA certificates").add_subparsers(
        dest="cas_action", required=True
    )
    cas.add_parser("list", help="list trusted CAs")
    add = cas.add_parser("add", help="trust a CA certificate (PEM, DER or base64 file)")
    add.add_argument("file")
    add.add_argument("--accredited", action="store_true", help="accredited CA: its certificates are КЭП")
    remove = cas.add_parser("remove", help="stop trusting a CA")
    remove.add_argument("id", type=int)
    crl = actions.add_parser("crl", help="CRLs").add_subparsers(dest="crl_action", required=True)
    crl.add_parser("upload", help="upload a CRL file of a trusted CA").add_argument("file")
    actions.add_parser("check", help="validate a certificate file now").add_argument("file")
    demo_parser = actions.add_parser("demo", help="the demo PKI (files under var/pki, git-ignored)")
    demo_parser.add_argument("--dir", default=str(DEMO_DIR))
    demo_parser.add_argument(
        "--crl-base-url",
        default=None,
        help='public URL of the idp serving the CRLs (default IDP_ISSUER; "" for no distribution point)',
    )
    demo_actions = demo_parser.add_subparsers(dest="demo_action", required=True)
    demo_actions.add_parser("init", help="demo CAs, trusted, with CRLs; .pfx files for the demo accounts")
    issue = demo_actions.add_parser("issue", help="issue a certificate and a .pfx")
    issue.add_argument("--ca", required=True, choices=sorted(CA_NAMES))
    issue.add_argument("--cn", required=True)
    issue.add_argument("--snils", help="11 digits")
    issue.add_argument("--alg", choices=["rsa", "ecdsa", "gost"], default=None)
    issue.add_argument("--days", type=int, default=365)
    issue.add_argument("--name")
    issue.add_argument("--pin")
    revoke = demo_actions.add_parser("revoke", help="revoke a serial; publish and upload the CRL")
    revoke.add_argument("--ca", required=True, choices=sorted(CA_NAMES))
    revoke.add_argument("--serial", type=int, required=True)
    sign = actions.add_parser("sign-challenge", help="sign a challenge with a .pfx (openssl cms -sign)")
    sign.add_argument("--pfx", required=True)
    sign.add_argument("--pin", required=True)
    sign.add_argument("--challenge", required=True)
    sign.add_argument("--attached", action="store_true", help="include the challenge (default: detached)")
    sign.add_argument("--out", help="write DER here instead of printing base64")
    return {"pki": _pki}
