"""`python -m idp`: the operator command line (migrate, seed, serve, keys, add-client)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from idp.cli import register
from idp.seed import seed
from idp.settings import IdpSettings
from shared.cli import run_cli


def _seed(settings: Any) -> dict[str, Any]:
    return seed(settings)


def main(argv: list[str] | None = None) -> int:
    """The command line; tests call it in-process with ``argv`` (tests/cli.py)."""
    return run_cli(
        prog="idp",
        settings_factory=IdpSettings,
        app_factory="idp.main:create_app",
        migrations_path=Path(__file__).parent / "migrations",
        seed=_seed,
        extra=register,
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
