"""Notifier operator commands: the dead letters.

``python -m notifier dead-letters list [--limit N]`` prints dead messages (recipients masked, never
parameters); ``python -m notifier dead-letters requeue <id>... | --all`` puts them back in the queue
from their first channel with a fresh retry budget; a running dispatcher picks them up.
"""

from __future__ import annotations

import argparse
from typing import Any

from notifier.messages import outbox
from notifier.messages.errors import MessageNotFoundError, NotRequeueableError
from notifier.messages.sealing import Sealer
from notifier.settings import NotifierSettings
from shared.cli import Handler
from shared.db import begin_immediate, make_engine, make_sessionmaker, utcnow
from shared.settings import ServiceSettings


def _dead_letters(settings: ServiceSettings, args: argparse.Namespace) -> Any:
    assert isinstance(settings, NotifierSettings)
    sealer = Sealer(settings.data_key.get_secret_value())
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        with make_sessionmaker(engine)() as session:
            if args.action == "list":
                return outbox.list_dead(session, sealer=sealer, limit=args.limit)
            ids = args.ids
            begin_immediate(session)
            if args.all:
                ids = [row["id"] for row in outbox.list_dead(session, sealer=sealer, limit=args.limit)]
            if not ids:
                raise SystemExit("dead-letters requeue: give message ids or --all")
            requeued, refused = [], {}
            for message_id in ids:
                try:
                    outbox.requeue_dead(session, message_id, now=utcnow())
                    requeued.append(message_id)
                except (MessageNotFoundError, NotRequeueableError) as exc:
                    refused[message_id] = exc.detail
            session.commit()
            if refused and not args.all:
                # An explicit id that cannot be requeued is an operator error: say so, exit non-zero.
                raise SystemExit("; ".join(refused.values()))
            return {"requeued": requeued, "refused": refused}
    finally:
        engine.dispose()


def register(sub: Any) -> dict[str, Handler]:
    dead = sub.add_parser("dead-letters", help="list dead messages or requeue them")
    dead.add_argument("action", choices=["list", "requeue"])
    dead.add_argument("ids", nargs="*", help="message ids to requeue")
    dead.add_argument("--all", action="store_true", help="requeue every requeueable dead message")
    dead.add_argument(
        "--limit", type=int, default=100, help="most messages to list (or to requeue with --all)"
    )
    return {"dead-letters": _dead_letters}
