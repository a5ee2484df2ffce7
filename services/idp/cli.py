"""idp-specific operator commands: signing keys and clients."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from idp.clients.secrets import SecretHasher
from idp.clients.service import ClientSpec, register_client
from idp.keys import crypto
from idp.keys import service as keys_service
from idp.settings import IdpSettings
from shared.cli import Handler
from shared.db import make_engine, make_sessionmaker
from shared.settings import ServiceSettings


def _session(settings: IdpSettings) -> Any:
    return make_sessionmaker(make_engine(settings.database_url))()


def _keys(settings: ServiceSettings, args: argparse.Namespace) -> Any:
    assert isinstance(settings, IdpSettings)
    encryptor = crypto.KeyEncryptor(settings.key_encryption_key.get_secret_value())
    with _session(settings) as session:
        if args.action == "add-next":
            keys_service.add_next_key(session, encryptor, args.alg)
        elif args.action == "promote":
            keys_service.promote_next_key(session, args.alg)
        elif args.action == "retire":
            lifetime = dt.timedelta(seconds=settings.access_token_ttl + settings.id_token_ttl)
            keys_service.retire_expired_previous_keys(session, args.alg, lifetime)
        elif args.action == "rotate":
            keys_service.add_next_key(session, encryptor, args.alg)
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


def register(sub: Any) -> dict[str, Handler]:
    keys = sub.add_parser("keys", help="signing keys: list, add-next, promote, retire, rotate")
    keys.add_argument("action", choices=["list", "add-next", "promote", "retire", "rotate"])
    keys.add_argument("--alg", default="RS256", choices=list(crypto.SUPPORTED_ALGS))
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
    return {"keys": _keys, "add-client": _add_client}
