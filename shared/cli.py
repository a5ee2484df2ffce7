"""The operator command line every service shares: ``python -m <service> <command>``.

Common commands: ``migrate`` (upgrade to head), ``downgrade``, ``seed`` (demo data, dev mode only;
prints what it created as JSON) and ``serve`` (uvicorn). A service adds its own commands through
``extra`` (a function that registers subparsers and returns their handlers).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared import migrations
from shared.settings import ServiceSettings

Handler = Callable[[ServiceSettings, argparse.Namespace], Any]


def run_cli(
    *,
    prog: str,
    settings_factory: Callable[[], ServiceSettings],
    app_factory: str,
    migrations_path: Path,
    seed: Callable[[ServiceSettings], dict[str, Any]] | None = None,
    extra: Callable[[Any], dict[str, Handler]] | None = None,
    argv: list[str] | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog=prog)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade the database to the latest migration")
    down = sub.add_parser("downgrade", help="downgrade the database to a revision")
    down.add_argument("revision", nargs="?", default="base")
    sub.add_parser("seed", help="create demo data (dev mode only); prints it as JSON")
    serve = sub.add_parser("serve", help="run the service with uvicorn")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--migrate", action="store_true", help="upgrade the database first")
    serve.add_argument("--workers", type=int, default=1)
    handlers = extra(sub) if extra else {}
    args = parser.parse_args(argv)
    settings = settings_factory()

    if args.command == "migrate":
        migrations.upgrade(migrations_path, settings.database_url)
        print(f"{prog}: database at head", file=sys.stderr)
    elif args.command == "downgrade":
        migrations.downgrade(migrations_path, settings.database_url, args.revision)
    elif args.command == "seed":
        if seed is None:
            print("{}")
        elif not settings.dev_mode:
            print(f"{prog}: seed creates demo accounts and is refused outside dev mode", file=sys.stderr)
            return 2
        else:
            print(json.dumps(seed(settings), ensure_ascii=False, indent=2))
    elif args.command == "serve":
        import uvicorn

        if args.migrate:
            migrations.upgrade(migrations_path, settings.database_url)
        uvicorn.run(
            app_factory,
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=args.workers,
            log_config=None,
            access_log=False,
            proxy_headers=True,
            server_header=False,
            # uvicorn's 5 s equals httpx's keep-alive expiry: a connection reused as the server
            # closes it fails with "Server disconnected" (docs/operations.md)
            timeout_keep_alive=settings.keep_alive_seconds,
        )
    else:
        result = handlers[args.command](settings, args)
        if result is not None:
            print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0
