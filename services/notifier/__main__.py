"""`python -m notifier`: the operator command line (migrate, seed, serve, dead-letters)."""

from __future__ import annotations

import sys
from pathlib import Path

from notifier.cli import register
from notifier.settings import NotifierSettings
from shared.cli import run_cli

if __name__ == "__main__":
    sys.exit(
        run_cli(
            prog="notifier",
            settings_factory=NotifierSettings,
            app_factory="notifier.main:create_app",
            migrations_path=Path(__file__).parent / "migrations",
            extra=register,
        )
    )
