"""`python -m notifier`: the operator command line (migrate, seed, serve, dead-letters)."""

from __future__ import annotations

import sys
from pathlib import Path

from notifier.cli import register
from notifier.settings import NotifierSettings
from shared.cli import run_cli


def main(argv: list[str] | None = None) -> int:
    """The command line; tests call it in-process with ``argv`` (tests/cli.py)."""
    return run_cli(
        prog="notifier",
        settings_factory=NotifierSettings,
        app_factory="notifier.main:create_app",
        migrations_path=Path(__file__).parent / "migrations",
        extra=register,
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
