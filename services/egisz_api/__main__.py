"""`python -m egisz_api`: the operator command line (migrate, seed, serve)."""

from __future__ import annotations

import sys
from pathlib import Path

from egisz_api.seed import seed
from egisz_api.settings import EgiszSettings
from shared.cli import run_cli


def main(argv: list[str] | None = None) -> int:
    """The command line; tests call it in-process with ``argv`` (tests/cli.py)."""
    return run_cli(
        prog="egisz_api",
        settings_factory=EgiszSettings,
        app_factory="egisz_api.main:create_app",
        migrations_path=Path(__file__).parent / "migrations",
        seed=seed,  # type: ignore[arg-type]
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
